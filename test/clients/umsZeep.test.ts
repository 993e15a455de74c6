/**
 * The UMS `Sms` web service called by zeep (Debian's python3-zeep), a client nobody here wrote,
 * from the WSDL the gateway serves: the whole loop (send → report → Reply → ReplyConfirm → Reply
 * empty), the balance and the audit, on SQLite and MariaDB.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { DIALECTS, startTestGateway } from '../support/gateway';
import { anyExists, describeRun, run, skipOrFail } from './run';

const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(__dirname, 'ums', 'zeep_client.py');
const PYENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };

for (const dialect of DIALECTS) {
  test(`zeep goes through the UMS loop, ${dialect}`, { timeout: 120_000 }, async (t) => {
    if (!(await anyExists([PYTHON])) || (await run(PYTHON, ['-c', 'import zeep'], { env: PYENV })).code !== 0) {
      return skipOrFail(t, `zeep is missing from ${PYTHON}: install python3-zeep`);
    }
    const gw = await startTestGateway({ dialect });
    try {
      await gw.core.audit.addWord('代开发票');
      await gw.injectReply({ mobile: '13800000009', content: '好的，收到', username: 'demo' });
      const endpoint = `${gw.url}/sms_hb/services/Sms`;
      const r = await run(PYTHON, [CLIENT, `${endpoint}?wsdl`, endpoint, '00020261202120000001'], { env: PYENV, timeoutMs: 90_000 });
      assert.equal(r.code, 0, describeRun(r));
      const out = JSON.parse(r.stdout.toString('utf8'));
      assert.equal(out.sms, 'result=0&description=发送成功&faillist=12345');
      assert.ok(out.reports.includes('00020261202120000001,13800000001,0;'), out.reports);
      assert.equal(out.reply.result, 0);
      assert.equal(out.reply.confirm_time, null);
      assert.match(out.reply.id, /^\d+$/);
      assert.deepEqual(
        out.reply.replys.map((x: Record<string, string>) => [x.mdn, x.content]),
        [['13800000009', '好的，收到']],
      );
      assert.match(out.reply.replys[0].reply_time, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      assert.equal(out.confirm, 0);
      assert.equal(out.replyAfter.result, 0);
      assert.equal(out.replyAfter.id, null);
      assert.deepEqual(out.replyAfter.replys, []);
      assert.deepEqual(out.balance, { result: 0, number: (await gw.account()).balanceGateway });
      assert.equal(out.audit, 'result=0&description=短信内容审核通过');
      assert.equal(out.auditRefused, 'result=7&description=短信内容含有敏感词:代开发票');
    } finally {
      await gw.stop();
    }
  });
}
