/**
 * The answers every Jianzhou client prints (zeep_client.py, JianzhouWsImportMain.java: the same calls,
 * the same JSON), checked against the gateway's rows: the send, its reports by task id, the injected
 * reply, the schedule, the vendor's codes, the password change.
 */
import assert from 'node:assert/strict';
import type { TestGateway } from '../../../support/gateway';
import { rowsOfTask } from '../builtin';

/** The reply the test injects for erp before the client runs; checked as the client read it back. */
export const JIANZHOU_REPLY = { mobile: '13900000009', content: 'TD <退订> & 好', username: 'erp' };

export async function checkJianzhouCalls(out: Record<string, unknown>, gw: TestGateway): Promise<void> {
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
  assert.equal(replies[0].mobile, JIANZHOU_REPLY.mobile);
  assert.equal(replies[0].content, JIANZHOU_REPLY.content, 'the XML string escapes the text and the client reads it back');
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
}
