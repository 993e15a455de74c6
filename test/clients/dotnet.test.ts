/**
 * Contract test with a real .NET ASMX client: mono's `wsdl` generates a SoapHttpClientProtocol
 * proxy from the WSDL the gateway serves, `mcs` compiles it with dotnet/Main.cs, and `mono` goes
 * through the userApi scenario (scenario.ts) with it (SOAP 1.1, document/literal wrapped).
 * Needs the Debian packages mono-devel and libmono-system-web-services4.0-cil.
 */
import { test } from 'node:test';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { anyExists, onPath, runOk, skipOrFail } from './run';
import { commandCall, runUserApiScenario } from './scenario';

async function missingTools(): Promise<string | undefined> {
  const missing: string[] = [];
  for (const cmd of ['mono', 'wsdl', 'mcs']) if (!(await onPath(cmd))) missing.push(cmd);
  const webServices = await anyExists(['/usr/lib/mono/4.5/System.Web.Services.dll', '/usr/lib/mono/gac/System.Web.Services']);
  if (!webServices) missing.push('System.Web.Services.dll');
  if (missing.length === 0) return undefined;
  return `.NET client tools missing (${missing.join(', ')}): install mono-devel libmono-system-web-services4.0-cil`;
}

test('.NET wsdl.exe proxy (mono) calls every userApi operation', { timeout: 300_000 }, async (t) => {
  const missing = await missingTools();
  if (missing) return skipOrFail(t, missing);

  await runUserApiScenario(t, 'userapi-dotnet-', ({ dir, gw, wire }) => ({
    buildStep: 'wsdl generates the proxy from the served WSDL and mcs compiles it',
    async build() {
      await runOk('wsdl', ['-nologo', '-out:Proxy.cs', gw.wsdlUrl], { cwd: dir, timeoutMs: 60_000 });
      await copyFile(path.join(__dirname, 'dotnet', 'Main.cs'), path.join(dir, 'Main.cs'));
      await runOk('mcs', ['-r:System.Web.Services', 'Proxy.cs', 'Main.cs', '-out:client.exe'], { cwd: dir, timeoutMs: 120_000 });
    },
    // The proxy posts to the recorder, which relays byte for byte to gw.serviceUrl.
    call: commandCall('mono', ['client.exe', wire.url], { cwd: dir, timeoutMs: 60_000 }),
  }));
});
