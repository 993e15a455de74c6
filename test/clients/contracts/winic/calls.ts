/**
 * The answers every Winic client prints (zeep_client.py, WinicMain.cs: the same calls, the same
 * JSON), checked against the gateway's rows: the send and its delivery, the schedule, the balance,
 * the vendor's codes, the password change.
 */
import assert from 'node:assert/strict';
import type { TestGateway } from '../../../support/gateway';
import { rowsOfTask } from '../builtin';

export async function checkWinicCalls(out: Record<string, unknown>, gw: TestGateway): Promise<void> {
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
}
