/**
 * What every entinfo client (zeep_client.py, EntinfoMain.cs: the same calls, the same JSON) is run
 * with and checked by: the gateway's accounts holding MD5(sn + password) as their password, a reply
 * waiting for `erp`; then the sends and their rows, the deliveries in report and report2, the
 * reply as an MOBody, the schedule, the balance, the vendor's codes and the password change.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { TestGateway } from '../../../support/gateway';
import { rowsOfTask, type StoredPassword, withContractGateway } from '../builtin';

export const ENDPOINT = '/webservice.asmx';
const TEXT = '验证码1234【测试】';
const REPLY = 'TD <退订> & 好';

/** The account's gateway password, as an operator sets it for this contract: MD5(sn + password), hex. */
const md5OfSnAndPassword: StoredPassword = (sn, password) =>
  createHash('md5')
    .update(sn + password)
    .digest('hex');

/** Runs use with a gateway serving the entinfo contract, its accounts made as an operator makes them, a reply for erp waiting. */
export function withEntinfoGateway(use: (gw: TestGateway) => Promise<void>): Promise<void> {
  return withContractGateway(
    'entinfo',
    ENDPOINT,
    async (gw) => {
      await gw.injectReply({ mobile: '13900000009', content: REPLY, username: 'erp' });
      await use(gw);
    },
    md5OfSnAndPassword,
  );
}

const TASK_ID = /^[1-9]\d{0,17}$/;
const TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/** One report string (`task id,rrid,number,status,code,time;…`) as records, in number order, their times checked. */
function records(reports: unknown): string[][] {
  const list = String(reports)
    .split(';')
    .map((r) => r.split(','));
  for (const r of list) assert.match(r[5] ?? '', TIME, `a report's time: ${r.join(',')}`);
  return list.map((r) => r.slice(0, 5)).sort((a, b) => a[2]!.localeCompare(b[2]!));
}

export async function checkEntinfoCalls(out: Record<string, unknown>, gw: TestGateway): Promise<void> {
  assert.equal(out.balanceBefore, '100');
  const send = String(out.send);
  assert.match(send, TASK_ID, 'mdSmsSend_u answers a positive number of fewer than 19 digits');
  assert.deepEqual(
    (await rowsOfTask(gw, Number(send))).map(([mobile, content]) => [mobile, content]),
    [
      ['13800000001', TEXT],
      ['13800000002', TEXT],
    ],
  );
  assert.deepEqual(
    records(out.reports),
    [
      [send, '', '13800000001', '0', 'DELIVRD'],
      [send, '', '13800000002', '0', 'DELIVRD'],
    ],
    'both deliveries, 0 delivered, with the send task id',
  );
  assert.equal(out.reportsAgain, '', 'each report is handed out once');

  assert.equal(out.mt, '88000001', 'mt with an rrid answers the rrid, as the vendor did');
  assert.equal(out.mtRepeated, out.mt, 'the same rrid and request: answered like the first call, not sent again');
  const [mtRecord] = records(out.report2);
  assert.ok(mtRecord, "report2 by the rrid hands out that send's report");
  const mtTask = mtRecord[0]!;
  assert.match(mtTask, TASK_ID);
  assert.deepEqual(
    (await rowsOfTask(gw, Number(mtTask))).map(([mobile]) => mobile),
    ['13800000005'],
  );
  assert.deepEqual(records(out.report2), [[mtTask, '88000001', '13800000005', '0', 'DELIVRD']], 'report2: only the send of that rrid');

  const [[mobile, content, scheduledAt]] = await rowsOfTask(gw, Number(out.scheduled));
  assert.deepEqual([mobile, content], ['13800000003', '明天见【测试】']);
  assert.equal(scheduledAt?.toISOString(), '2035-06-09T00:05:03.000Z', 'stime 2035-6-9 08:05:03, China time, month and day not padded');
  assert.equal(out.badSchedule, '-608');
  assert.match(String(out.sendSMS), TASK_ID);

  const [reply, ...more] = out.replies as string[];
  assert.equal(more.length, 0);
  const [sender, text, recvtel, recdate, totalNum, thisNum] = reply!.split('|');
  assert.deepEqual([sender, text, recvtel, totalNum, thisNum], ['13900000009', REPLY, '', '1', '1']);
  assert.match(recdate!, TIME);
  assert.deepEqual(out.repliesAgain, [], 'each reply is handed out once');

  assert.equal(out.balanceAfter, '95', 'two numbers, mt once, the scheduled one and SendSMS, each charged when accepted');
  assert.equal(out.wrongPasswordSend, '-2');
  assert.equal(out.wrongPasswordBalance, '-2');
  assert.equal(out.emptyBalance, '-4');
  assert.equal(out.badNumber, '-6');
  assert.equal(out.gxmt, '-17');
  assert.equal(out.plainNewPassword, '-603', 'a new password that is not MD5(sn + password) is refused');
  assert.equal(out.passwordChanged, '0');
  assert.equal(out.balanceNewPassword, '95');
  assert.equal(out.balanceOldPassword, '-2');
}
