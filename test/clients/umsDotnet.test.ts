/**
 * The UMS `Sms` web service called by a .NET ASMX proxy that mono's `wsdl` generates from the
 * WSDL the gateway serves (Debian's mono-devel, libmono-system-web-services4.0-cil): the whole
 * loop, as ums/UmsMain.cs runs it.
 */
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { DIALECTS, startTestGateway } from '../support/gateway';
import { anyExists, describeRun, monoAbortedAfterMain, onPath, removeDir, run, runOk, skipOrFail, tempDir } from './run';
import { checkUmsLoop, prepareUmsLoop, UMS_SERIAL } from './umsLoop';

for (const dialect of DIALECTS) {
  test(`a .NET wsdl proxy (mono) goes through the UMS loop, ${dialect}`, { timeout: 300_000 }, async (t) => {
    const tools = (await Promise.all(['mono', 'wsdl', 'mcs'].map(onPath))).every(Boolean);
    if (!tools || !(await anyExists(['/usr/lib/mono/4.5/System.Web.Services.dll', '/usr/lib/mono/gac/System.Web.Services']))) {
      return skipOrFail(t, '.NET client tools missing: install mono-devel libmono-system-web-services4.0-cil');
    }
    const dir = await tempDir('ums-dotnet-');
    const gw = await startTestGateway({ dialect });
    try {
      await prepareUmsLoop(gw);
      const endpoint = `${gw.url}/sms_hb/services/Sms`;
      await runOk('wsdl', ['-nologo', '-out:Proxy.cs', `${endpoint}?wsdl`], { cwd: dir, timeoutMs: 60_000 });
      await copyFile(path.join(__dirname, 'ums', 'UmsMain.cs'), path.join(dir, 'UmsMain.cs'));
      await runOk('mcs', ['-r:System.Web.Services', 'Proxy.cs', 'UmsMain.cs', '-out:ums.exe'], { cwd: dir, timeoutMs: 120_000 });
      const r = await run('mono', ['ums.exe', endpoint, UMS_SERIAL], { cwd: dir, timeoutMs: 90_000 });
      const printed = r.stdout.toString('utf8');
      if (r.code !== 0) {
        // Every answer is checked below; only mono's teardown abort after the last line is let through.
        assert.ok(monoAbortedAfterMain(r) && /^done -$/m.test(printed), describeRun(r));
        t.diagnostic(`mono aborted in its thread teardown after the loop: ${describeRun(r).slice(0, 300)}`);
      }
      await checkUmsLoop(printed, gw);
    } finally {
      await gw.stop();
      await removeDir(dir);
    }
  });
}
