/**
 * The built-in Montnets (梦网) wmgw.asmx contract called by a .NET ASMX proxy that mono's `wsdl`
 * generates from the served `?wsdl` for SOAP 1.2 (test/clients/contracts/montnets/MontnetsMain.cs;
 * Debian's mono-devel, libmono-system-web-services4.0-cil): the run and checks of the Axis caller
 * (contracts/montnetsCaller.ts), over the binding the Axis caller does not use.
 */
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { callThroughGateway } from './contracts/legacyContract';
import { MONTNETS } from './contracts/montnetsCaller';
import { anyExists, describeRun, monoAbortedAfterMain, onPath, run, runOk, skipOrFail } from './run';

test('a .NET wsdl proxy (mono, SOAP 1.2) calls the Montnets contract: sends, reports, replies, balance, vendor codes', {
  timeout: 300_000,
}, async (t) => {
  const tools = (await Promise.all(['mono', 'wsdl', 'mcs'].map(onPath))).every(Boolean);
  if (!tools || !(await anyExists(['/usr/lib/mono/4.5/System.Web.Services.dll', '/usr/lib/mono/gac/System.Web.Services']))) {
    return skipOrFail(t, '.NET client tools missing: install mono-devel libmono-system-web-services4.0-cil');
  }
  await callThroughGateway(MONTNETS, async (dir, wsdlUrl, callerArgs) => {
    await runOk('wsdl', ['-nologo', '-protocol:SOAP12', '-out:Proxy.cs', wsdlUrl], { cwd: dir, timeoutMs: 60_000 });
    await copyFile(path.join(__dirname, 'contracts', 'montnets', 'MontnetsMain.cs'), path.join(dir, 'MontnetsMain.cs'));
    await runOk('mcs', ['-r:System.Web.Services', 'Proxy.cs', 'MontnetsMain.cs', '-out:montnets.exe'], { cwd: dir, timeoutMs: 120_000 });
    const r = await run('mono', ['montnets.exe', ...callerArgs], { cwd: dir, timeoutMs: 90_000 });
    if (r.code === 0) return r;
    // mono sometimes aborts in its thread teardown after Main returned: every answer is out by then
    assert.ok(monoAbortedAfterMain(r) && /^done -$/m.test(r.stdout.toString('utf8')), describeRun(r));
    t.diagnostic(`mono aborted in its thread teardown after the run: ${describeRun(r).slice(0, 300)}`);
    return { ...r, code: 0 };
  });
});
