/**
 * The checks on the UMS loop a client program printed (`name BASE64` lines, `name -` for null), as
 * ums/UmsWsImportMain.java, ums/UmsXfireMain.java, ums/UmsMain.cs and ums/zeep_client.py run it:
 * send, reports, Reply, ReplyConfirm, Reply empty, balance, audit. prepareUmsLoop has made a
 * forbidden word 代开发票 and a reply for demo beforehand.
 */
import assert from 'node:assert/strict';
import { DEMO } from '../../src/core/accounts';
import type { TestGateway } from '../support/gateway';

export const UMS_SERIAL = '00020261202130000001';

/** The reply waiting for demo: to the extension 0188, so that callMdn has a value to check. */
const REPLY = { mobile: '13800000009', content: '好的，收到', extNo: '0188' } as const;
const CHINA_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;

/** The `name BASE64` lines a client program printed, decoded; null for `name -`. */
export function printedAnswers(printed: string): (name: string) => string | null | undefined {
  const lines = printed
    .split(/\r?\n/)
    .filter(Boolean)
    .map((l) => {
      const [name, value] = l.split(' ');
      return [name!, value === '-' ? null : Buffer.from(value!, 'base64').toString('utf8')] as const;
    });
  return (name) => lines.find(([n]) => n === name)?.[1];
}

export async function checkUmsLoop(printed: string, gw: TestGateway): Promise<void> {
  const one = printedAnswers(printed);
  assert.equal(one('sms'), 'result=0&description=发送成功&faillist=12345');
  assert.ok(one('reports')!.includes(`${UMS_SERIAL},13800000001,0;`), one('reports')!);
  assert.equal(one('reply.result'), '0');
  assert.equal(one('reply.confirm_time'), null);
  assert.match(one('reply.id')!, /^\d+$/);
  assert.equal(one('reply.count'), '1');
  assert.equal(one('reply.callMdn'), REPLY.extNo);
  assert.equal(one('reply.mdn'), REPLY.mobile);
  assert.equal(one('reply.content'), REPLY.content);
  assert.match(one('reply.reply_time')!, CHINA_TIME);
  assert.equal(one('confirm'), '0');
  assert.equal(one('replyAfter.result'), '0');
  assert.match(one('replyAfter.confirm_time')!, CHINA_TIME);
  assert.equal(one('replyAfter.id'), null);
  assert.equal(one('replyAfter.count'), '0');
  // The send charged one message, for its one valid number; SearchSmsNum tells what is left.
  assert.equal((await gw.account()).balanceGateway, DEMO.balance - 1);
  assert.equal(one('balance'), `0;${DEMO.balance - 1}`);
  assert.equal(one('audit'), 'result=0&description=短信内容审核通过');
  assert.equal(one('auditRefused'), 'result=7&description=短信内容含有敏感词:代开发票');
}

/** What the loop needs in the gateway before a client runs it. */
export async function prepareUmsLoop(gw: TestGateway): Promise<void> {
  await gw.core.audit.addWord('代开发票');
  const recorded = await gw.core.replies.record({ vendor: 'simulator', ...REPLY, username: 'demo', at: new Date() });
  assert.equal(recorded.result, 'queued');
}
