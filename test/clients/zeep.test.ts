/**
 * Contract test with zeep (Debian's python3-zeep under /usr/bin/python3, not the python3 first on
 * PATH): zeep reads the WSDL the gateway serves and zeep/client.py goes through the userApi
 * scenario (scenario.ts) on the SOAP 1.1 port (document/literal wrapped, unwrapped to keyword
 * arguments).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { anyExists, run, runOk, skipOrFail } from './run';
import { commandCall, runUserApiScenario } from './scenario';

const PYTHON = '/usr/bin/python3'; // Debian's python, where python3-zeep lives
const CLIENT = path.join(__dirname, 'zeep', 'client.py');
const PYENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };

async function missingTools(): Promise<string | undefined> {
  if (!(await anyExists([PYTHON]))) return `${PYTHON} missing: install python3 python3-zeep`;
  const r = await run(PYTHON, ['-c', 'import zeep'], { env: PYENV, timeoutMs: 30_000 });
  if (r.code !== 0) return `zeep is missing from ${PYTHON}: install python3-zeep`;
  return undefined;
}

test('zeep calls every userApi operation', { timeout: 300_000 }, async (t) => {
  const missing = await missingTools();
  if (missing) return skipOrFail(t, missing);

  await runUserApiScenario(t, 'userapi-zeep-', ({ dir, gw, wire }) => ({
    buildStep: 'zeep loads the served WSDL (python -m zeep)',
    async build() {
      const r = await runOk(PYTHON, ['-m', 'zeep', gw.wsdlUrl], { cwd: dir, env: PYENV, timeoutMs: 60_000 });
      const dump = r.stdout.toString('utf8');
      assert.match(dump, /userApiSoap/, dump);
      assert.match(
        dump,
        /sendSms\(username: xsd:string, password: xsd:string, smstype: xsd:int, content: xsd:string, mobile: xsd:string, isLongSms: xsd:int\) -> sendSmsReturn: xsd:string/,
        dump,
      );
      for (const op of ['getRestMoney', 'getSmsReport', 'getRecvSMS']) {
        assert.match(dump, new RegExp(`${op}\\(username: xsd:string, password: xsd:string\\) -> ${op}Return: xsd:string`), dump);
      }
    },
    // zeep reads gw.wsdlUrl on every run and posts to the recorder, which relays byte for byte to
    // gw.serviceUrl.
    call: commandCall(PYTHON, [CLIENT, gw.wsdlUrl, wire.url], { cwd: dir, env: PYENV, timeoutMs: 60_000 }),
  }));
});
