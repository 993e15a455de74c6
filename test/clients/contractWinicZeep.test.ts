/**
 * The shipped 吉信通 Winic contract (wsdl/contracts/winic), served by a real gateway by its built-in
 * name, called by zeep generated from the served `?WSDL`: a send to two numbers joined by `,`
 * answered by a 16-character id (rows checked, the simulator's delivery awaited), a scheduled send
 * (otime in milliseconds), the balance, a refused fax, the vendor's codes, a password change; then
 * one answer's bytes on the wire against the WSDL. The service has no report or reply operation.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { postSoap11, rowsOfTask, runZeep, soap11Answer, startContractGateway } from './contracts/builtin';

const ENDPOINT = '/Service.asmx';
const NS = 'http://tempuri.org/';
const CLIENT = path.join(__dirname, 'contracts', 'winic', 'zeep_client.py');

test('zeep calls the Winic contract: send, schedule, balance, refusals in the vendor codes', { timeout: 120_000 }, async (t) => {
  const gw = await startContractGateway('winic', ENDPOINT);
  try {
    const out = await runZeep(t, gw, CLIENT, ENDPOINT);
    if (!out) return;
    assert.equal(out.balanceBefore, '100');
    const send = String(out.send);
    assert.match(send, /^\d{16}$/, 'SendMessages answers a 16-character id');
    assert.deepEqual(
      (await rowsOfTask(gw, Number(send))).map(([mobile, content]) => [mobile, content]),
      [
        ['13800000001', '验证码1234【测试】'],
        ['13800000002', '验证码1234【测试】'],
      ],
    );
    await gw.waitForReports(2, 'erp');
    const scheduled = String(out.scheduled);
    assert.match(scheduled, /^\d{16}$/);
    const [[mobile, , scheduledAt]] = await rowsOfTask(gw, Number(scheduled));
    assert.equal(mobile, '13800000003');
    assert.equal(scheduledAt?.getTime(), Number(out.scheduledAt), 'otime read as milliseconds since the epoch');
    assert.equal(out.badSchedule, '-04');
    assert.equal(out.balanceAfter, '97', 'two messages sent now, one scheduled, each charged when accepted');
    assert.equal(out.fax, '-12');
    assert.equal(out.wrongPasswordSend, '-03');
    assert.equal(out.wrongPasswordBalance, '-03');
    assert.equal(out.emptyBalance, '-01');
    assert.equal(out.badNumber, '-05');
    assert.equal(out.passwordChanged, '000');
    assert.equal(out.balanceNewPassword, '97');
  } finally {
    await gw.stop();
  }
});

test('the Winic answer on the wire: the tempuri namespace, a qualified <op>Result', async () => {
  const gw = await startContractGateway('winic', ENDPOINT);
  try {
    assert.equal(
      await postSoap11(gw, ENDPOINT, `${NS}GetUserInfo`, `<GetUserInfo xmlns="${NS}"><uid>erp</uid><pwd>secret</pwd></GetUserInfo>`),
      soap11Answer(
        `<ns1:GetUserInfoResponse xmlns:ns1="${NS}"><ns1:GetUserInfoResult>100</ns1:GetUserInfoResult></ns1:GetUserInfoResponse>`,
      ),
    );
  } finally {
    await gw.stop();
  }
});
