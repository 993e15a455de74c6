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
import { checkUmsLoop, prepareUmsLoop, UMS_SERIAL } from './umsLoop';

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
      await prepareUmsLoop(gw);
      const endpoint = `${gw.url}/sms_hb/services/Sms`;
      const r = await run(PYTHON, [CLIENT, `${endpoint}?wsdl`, endpoint, UMS_SERIAL], { env: PYENV, timeoutMs: 90_000 });
      assert.equal(r.code, 0, describeRun(r));
      await checkUmsLoop(r.stdout.toString('utf8'), gw);
    } finally {
      await gw.stop();
    }
  });
}
