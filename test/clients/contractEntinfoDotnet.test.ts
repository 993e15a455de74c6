/**
 * The shipped 漫道 entinfo contract called by a .NET ASMX proxy that mono's `wsdl` generates from the
 * WSDL the gateway serves (Debian's mono-devel, libmono-system-web-services4.0-cil), as its ASMX
 * callers are: the calls of contracts/entinfo/EntinfoMain.cs, checked as the zeep client's are.
 */
import path from 'node:path';
import { test } from 'node:test';
import { runMonoClient } from './contracts/builtin';
import { checkEntinfoCalls, ENDPOINT, withEntinfoGateway } from './contracts/entinfo/calls';

test('a .NET wsdl proxy (mono) calls the entinfo contract: sends, report, report2, RECSMS, schedule, balance, vendor codes, UDPPwd', {
  timeout: 300_000,
}, async (t) => {
  await withEntinfoGateway(async (gw) => {
    const out = await runMonoClient(t, gw, path.join(__dirname, 'contracts', 'entinfo', 'EntinfoMain.cs'), ENDPOINT);
    if (out) await checkEntinfoCalls(out, gw);
  });
});
