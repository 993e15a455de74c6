/**
 * The shipped 吉信通 Winic contract called by a .NET ASMX proxy that mono's `wsdl` generates from the
 * WSDL the gateway serves (Debian's mono-devel, libmono-system-web-services4.0-cil), as its ASMX
 * callers are: the calls of contracts/winic/WinicMain.cs, checked as the zeep client's are.
 */
import path from 'node:path';
import { test } from 'node:test';
import { runMonoClient, withContractGateway } from './contracts/builtin';
import { checkWinicCalls } from './contracts/winic/calls';

const ENDPOINT = '/Service.asmx';

test('a .NET wsdl proxy (mono) calls the Winic contract: send, schedule, balance, refusals in the vendor codes', {
  timeout: 300_000,
}, async (t) => {
  await withContractGateway('winic', ENDPOINT, async (gw) => {
    const out = await runMonoClient(t, gw, path.join(__dirname, 'contracts', 'winic', 'WinicMain.cs'), ENDPOINT);
    if (out) await checkWinicCalls(out, gw);
  });
});
