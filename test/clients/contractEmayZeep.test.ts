/**
 * The built-in Emay (亿美) SDKService contract called by zeep (Debian's python3-zeep) generated from
 * the served `?wsdl` (test/clients/contracts/emay/zeep_client.py): the run and checks of the Axis
 * caller (contracts/emayCaller.ts), from a client that reads the unqualified `return` children by
 * the schema rather than by generated classes.
 */
import path from 'node:path';
import { test } from 'node:test';
import { EMAY } from './contracts/emayCaller';
import { callThroughGateway } from './contracts/legacyContract';
import { run, skipOrFail } from './run';

const PYTHON = '/usr/bin/python3';
const PYENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };

test('zeep calls the Emay contract: registEx, sendSMS, getReport, getMO, getBalance, vendor codes', { timeout: 120_000 }, async (t) => {
  if ((await run(PYTHON, ['-c', 'import zeep'], { env: PYENV })).code !== 0) {
    return skipOrFail(t, `zeep is missing from ${PYTHON}: install python3-zeep`);
  }
  await callThroughGateway(EMAY, (dir, wsdlUrl, callerArgs) =>
    run(PYTHON, [path.join(__dirname, 'contracts', 'emay', 'zeep_client.py'), wsdlUrl, ...callerArgs], {
      cwd: dir,
      env: PYENV,
      timeoutMs: 90_000,
    }),
  );
});
