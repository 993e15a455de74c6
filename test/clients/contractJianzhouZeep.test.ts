/**
 * The shipped 建周 Jianzhou contract (wsdl/contracts/jianzhou), served by a real gateway by its
 * built-in name, called by zeep generated from the served `?wsdl`: login, balance, a send to two
 * numbers joined by `;` (rows checked), its reports by task id until the simulator's delivery is
 * in, a reply injected and read back, a scheduled send, the refusals in the vendor's codes, a
 * password change; then one answer's bytes on the wire against the WSDL.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { postSoap11, rowsOfTask, runZeep, soap11Answer, startContractGateway } from './contracts/builtin';

const ENDPOINT = '/JianzhouSMSWSServer/services/BusinessService';
const NS = 'http://service.nineorange.com';
const CLIENT = path.join(__dirname, 'contracts', 'jianzhou', 'zeep_client.py');

test('zeep calls the Jianzhou contract: send, reports by task, replies, balance, schedule, vendor codes', {
  timeout: 120_000,
}, async (t) => {
  const gw = await startContractGateway('jianzhou', ENDPOINT);
  try {
    await gw.injectReply({ mobile: '13900000009', content: 'TD <退订> & 好', username: 'erp' });
    const out = await runZeep(t, gw, CLIENT, ENDPOINT);
    if (!out) return;
    assert.equal(out.login, 1);
    assert.equal(out.balanceBefore, 100);
    const task = out.task as number;
    assert.ok(Number.isInteger(task) && task > 0, `sendBatchMessage answers a positive task id, not ${task}`);
    assert.deepEqual(
      (await rowsOfTask(gw, task)).map(([mobile, content]) => [mobile, content]),
      [
        ['13800000001', '验证码1234【测试】'],
        ['13800000002', '验证码1234【测试】'],
      ],
    );
    const receipts = out.receipts as Record<string, string>[];
    assert.deepEqual(
      receipts.map((r) => [r.taskid, r.mobile, r.status]).sort(),
      [
        [String(task), '13800000001', '0'],
        [String(task), '13800000002', '0'],
      ],
      'both reports of the task, delivered (0)',
    );
    for (const r of receipts) assert.match(r.time, /^20\d{12}$/);
    assert.deepEqual(out.receiptsAgain, [], 'reports are handed out once');
    const replies = out.replies as Record<string, string>[];
    assert.equal(replies.length, 1);
    assert.equal(replies[0].mobile, '13900000009');
    assert.equal(replies[0].content, 'TD <退订> & 好', 'the XML string escapes the text and zeep’s caller reads it back');
    assert.match(replies[0].time, /^20\d{12}$/);
    assert.equal(out.balanceAfter, 98);

    const scheduled = out.scheduled as number;
    assert.ok(scheduled > task, 'the scheduled send is accepted with its own task id');
    const [[mobile, , scheduledAt]] = await rowsOfTask(gw, scheduled);
    assert.equal(mobile, '13800000003');
    const at = String(out.scheduledAt);
    assert.equal(
      scheduledAt?.toISOString(),
      new Date(
        `${at.slice(0, 4)}-${at.slice(4, 6)}-${at.slice(6, 8)}T${at.slice(8, 10)}:${at.slice(10, 12)}:${at.slice(12)}+08:00`,
      ).toISOString(),
      'sendDateTime read as yyyyMMddHHmmss in China time',
    );
    assert.equal(out.badSchedule, -5, 'a schedule not in yyyyMMddHHmmss: other error');
    assert.equal(out.personal, 0, 'a text per number is refused: 短信发送失败');
    assert.equal(out.wrongPasswordSend, -2);
    assert.equal(out.wrongPasswordBalance, '-2');
    assert.equal(out.wrongPasswordLogin, -2);
    assert.equal(out.emptyBalance, -1);
    assert.equal(out.badNumber, -7);
    assert.equal(out.passwordChanged, 1);
    assert.equal(out.loginNewPassword, 1);
    assert.equal(out.loginOldPassword, -2);
  } finally {
    await gw.stop();
  }
});

test('the Jianzhou answer on the wire: the WSDL namespace, qualified <op>Return and return children', async () => {
  const gw = await startContractGateway('jianzhou', ENDPOINT);
  try {
    const ask = (body: string) => postSoap11(gw, ENDPOINT, '', body);
    assert.equal(
      await ask(`<ns:getUserInfo xmlns:ns="${NS}"><ns:account>erp</ns:account><ns:password>secret</ns:password></ns:getUserInfo>`),
      soap11Answer(
        `<ns1:getUserInfoResponse xmlns:ns1="${NS}"><ns1:getUserInfoReturn>&lt;userinfo&gt;&lt;balance&gt;100&lt;/balance&gt;&lt;/userinfo&gt;</ns1:getUserInfoReturn></ns1:getUserInfoResponse>`,
      ),
    );
    assert.equal(
      await ask(
        `<ns:sendGjBatchMessage xmlns:ns="${NS}"><ns:account>erp</ns:account><ns:password>bad</ns:password><ns:sendDateTime></ns:sendDateTime><ns:destmobile>13800000001</ns:destmobile><ns:msgText>x【测试】</ns:msgText></ns:sendGjBatchMessage>`,
      ),
      soap11Answer(`<ns1:sendGjBatchMessageResponse xmlns:ns1="${NS}"><ns1:return>-2</ns1:return></ns1:sendGjBatchMessageResponse>`),
    );
  } finally {
    await gw.stop();
  }
});
