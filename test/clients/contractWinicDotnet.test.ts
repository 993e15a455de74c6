/**
 * The shipped 吉信通 Winic contract called by a .NET ASMX proxy that mono's `wsdl` generates from the
 * WSDL the gateway serves (Debian's mono-devel, libmono-system-web-services4.0-cil), as its ASMX
 * callers are: the calls of contracts/winic/WinicMain.cs, checked as the zeep client's are.
 */
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { startContractGateway } from './contracts/builtin';
import { checkWinicCalls } from './contracts/winic/calls';
import { anyExists, describeRun, monoAbortedAfterMain, onPath, removeDir, run, runOk, skipOrFail, tempDir } from './run';

const ENDPOINT = '/Service.asmx';

test('a .NET wsdl proxy (mono) calls the Winic contract: send, schedule, balance, refusals in the vendor codes', {
  timeout: 300_000,
}, async (t) => {
  const tools = (await Promise.all(['mono', 'wsdl', 'mcs'].map(onPath))).every(Boolean);
  if (!tools || !(await anyExists(['/usr/lib/mono/4.5/System.Web.Services.dll', '/usr/lib/mono/gac/System.Web.Services']))) {
    return skipOrFail(t, '.NET client tools missing: install mono-devel libmono-system-web-services4.0-cil');
  }
  const dir = await tempDir('winic-dotnet-');
  const gw = await startContractGateway('winic', ENDPOINT);
  try {
    const endpoint = gw.url + ENDPOINT;
    await runOk('wsdl', ['-nologo', '-out:Proxy.cs', `${endpoint}?WSDL`], { cwd: dir, timeoutMs: 60_000 });
    await copyFile(path.join(__dirname, 'contracts', 'winic', 'WinicMain.cs'), path.join(dir, 'WinicMain.cs'));
    await runOk('mcs', ['-r:System.Web.Services', 'Proxy.cs', 'WinicMain.cs', '-out:winic.exe'], { cwd: dir, timeoutMs: 120_000 });
    const r = await run('mono', ['winic.exe', endpoint], { cwd: dir, timeoutMs: 90_000 });
    const printed = r.stdout.toString('utf8');
    if (r.code !== 0) {
      // Every answer is checked below; only mono's teardown abort after the last line is let through.
      assert.ok(monoAbortedAfterMain(r) && /^done$/m.test(printed), describeRun(r));
      t.diagnostic(`mono aborted in its thread teardown after the calls: ${describeRun(r).slice(0, 300)}`);
    }
    await checkWinicCalls(JSON.parse(printed.split('\n')[0]), gw);
  } finally {
    await gw.stop();
    await removeDir(dir);
  }
});
