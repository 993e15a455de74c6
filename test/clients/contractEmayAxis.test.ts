/**
 * The built-in Emay (亿美) SDKService contract, served by a real gateway from its configuration at
 * the vendor's path, called by the vendor's kind of caller: Apache Axis 1.4 WSDL2Java stubs generated
 * from the served `?wsdl` (test/clients/contracts/emay/EmayAxisMain.java). registEx, send (rows
 * checked in `send`), both reports once, an injected reply, the balance as a double, and the vendor's
 * codes for a wrong key, an empty balance, a bad number and a schedule not in yyyyMMddHHmmss. Then one
 * answer's bytes on the wire: the unqualified `return` children of the WSDL.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Send } from '../../entities';
import { AXIS_JARS, missingJavaTools } from './java';
import { LEGACY_ACCOUNTS, OPENING_BALANCE, rawAnswerToReplies, runAxisCaller, startContractGateway } from './contracts/legacyContract';
import { skipOrFail } from './run';

const ENDPOINT = '/sdk/SDKService';
const NS = 'http://sdkhttp.eucp.b2m.cn/';
const TEXT = '验证码1234【测试】';

test('Axis 1.4 stubs call the Emay contract: registEx, sendSMS, getReport, getMO, getBalance, vendor codes', {
  timeout: 300_000,
}, async (t) => {
  const missing = await missingJavaTools(AXIS_JARS, 'libaxis-java');
  if (missing) return skipOrFail(t, missing);
  const gw = await startContractGateway('emay', ENDPOINT);
  try {
    await gw.injectReply({ mobile: '13900000009', content: 'TD <退订> & 好', username: LEGACY_ACCOUNTS.user });
    const endpoint = gw.url + ENDPOINT;
    const one = await runAxisCaller(`${endpoint}?wsdl`, endpoint, 'emay', path.join(__dirname, 'contracts', 'emay', 'EmayAxisMain.java'));

    assert.equal(one('registEx'), '0');
    assert.equal(one('balanceBefore'), OPENING_BALANCE.toFixed(1), 'a double, as Java prints it');
    assert.equal(one('send'), '0');
    const { id: accountId } = await gw.account(LEGACY_ACCOUNTS.user);
    const rows = await gw.db.getRepository(Send).find({ where: { accountId }, order: { ID: 'ASC' } });
    const sent = rows.filter((row) => row.infoto !== '13800000003');
    assert.deepEqual(
      sent.map((row) => [row.infoto, row.content]),
      [
        ['13800000001', TEXT],
        ['13800000002', TEXT],
      ],
    );
    const reports = one('reports')!
      .split(';')
      .map((r) => r.split('|'));
    assert.deepEqual(
      reports.map(([mobile, status, code]) => [mobile, status, code]).sort(),
      [
        ['13800000001', '0', 'DELIVRD'],
        ['13800000002', '0', 'DELIVRD'],
      ],
      'both reports, delivered in the chosen word 0',
    );
    for (const [, , , seqId, receiveDate, submitDate] of reports) {
      assert.match(seqId!, /^[1-9]\d*$/, 'seqID: the task id of the send');
      assert.match(receiveDate!, /^20\d{12}$/);
      assert.match(submitDate!, /^20\d{12}$/);
    }
    assert.equal(one('reportsAgain'), '0', 'reports are handed out once');
    const [reply] = one('replies')!.split(';');
    const [mobile, content, sentTime] = reply!.split('|');
    assert.deepEqual([mobile, content], ['13900000009', 'TD <退订> & 好']);
    assert.match(sentTime!, /^20\d{12}$/);

    assert.equal(one('balanceAfter'), (OPENING_BALANCE - 2).toFixed(1), 'the two sent charged');
    assert.equal(one('eachFee'), '1.0');
    assert.equal(one('wrongPasswordRegist'), '17');
    assert.equal(one('wrongPasswordSend'), '17');
    assert.equal(one('wrongPasswordBalance'), '17.0');
    assert.equal(one('emptyBalance'), '17');
    assert.equal(one('badNumber'), '307');
    assert.equal(one('badSchedule'), '18');
    assert.equal(one('scheduled'), '0');
    const scheduled = rows.find((row) => row.infoto === '13800000003');
    assert.equal(scheduled?.scheduledAt?.toISOString(), '2035-12-31T00:00:00.000Z', 'arg2 read as yyyyMMddHHmmss, China time');
    assert.equal(one('serialPwdUpd'), '-1');
    assert.equal(one('chargeUp'), '-1');
    assert.equal(one('logout'), '0');
    assert.equal(one('version'), 'SDKService (sms-soap-gateway)');
  } finally {
    await gw.stop();
  }
});

test('the Emay answer on the wire: the wrapper in the WSDL namespace, the return children unqualified', async () => {
  const answer = await rawAnswerToReplies(
    'emay',
    ENDPOINT,
    { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
    `<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns1:getMO xmlns:ns1="${NS}"><arg0>${LEGACY_ACCOUNTS.user}</arg0><arg1>${LEGACY_ACCOUNTS.password}</arg1></ns1:getMO></soapenv:Body></soapenv:Envelope>`,
  );
  assert.equal(answer.status, 200);
  assert.match(
    answer.text,
    new RegExp(
      `^<\\?xml version="1.0" encoding="utf-8"\\?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><ns1:getMOResponse xmlns:ns1="${NS}"><return><addSerial></addSerial><addSerialRev></addSerialRev><channelnumber>[^<]*</channelnumber><mobileNumber>13900000009</mobileNumber><sentTime>20\\d{12}</sentTime><smsContent>好</smsContent></return></ns1:getMOResponse></soap:Body></soap:Envelope>$`,
    ),
  );
});
