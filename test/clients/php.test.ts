/**
 * Contract test with PHP's SoapClient in WSDL mode (php-cli + php-soap): SoapClient reads the WSDL
 * the gateway serves and php/client.php goes through the userApi scenario (scenario.ts) with it
 * (SOAP 1.1, document/literal wrapped: one array of named parameters in, an object with <op>Return
 * out).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { onPath, run, runOk, skipOrFail } from './run';
import { commandCall, runUserApiScenario } from './scenario';

const CLIENT = path.join(__dirname, 'php', 'client.php');

async function missingTools(): Promise<string | undefined> {
  if (!(await onPath('php'))) return 'php missing: install php-cli php-soap';
  const r = await run('php', ['-r', 'exit(extension_loaded("soap") ? 0 : 3);'], { timeoutMs: 30_000 });
  if (r.code !== 0) return 'the soap extension of php is missing: install php-soap';
  return undefined;
}

test('PHP SoapClient (WSDL mode) calls every userApi operation', { timeout: 300_000 }, async (t) => {
  const missing = await missingTools();
  if (missing) return skipOrFail(t, missing);

  await runUserApiScenario(t, 'userapi-php-', ({ dir, gw, wire }) => ({
    buildStep: 'SoapClient loads the served WSDL and sees the four operations',
    async build() {
      const script = '$c = new SoapClient($argv[1], ["cache_wsdl" => WSDL_CACHE_NONE]); echo implode("\\n", $c->__getFunctions()), "\\n";';
      const r = await runOk('php', ['-r', script, gw.wsdlUrl], { cwd: dir, timeoutMs: 60_000 });
      const functions = r.stdout.toString('utf8');
      for (const op of ['sendSms', 'getRestMoney', 'getSmsReport', 'getRecvSMS']) {
        assert.match(functions, new RegExp(`^${op}Response ${op}\\(${op} \\$parameters\\)$`, 'm'), functions);
      }
    },
    // SoapClient reads gw.wsdlUrl on every run (WSDL cache off) and posts to the recorder, which
    // relays byte for byte to gw.serviceUrl.
    call: commandCall('php', [CLIENT, gw.wsdlUrl, wire.url], { cwd: dir, timeoutMs: 60_000 }),
  }));
});
