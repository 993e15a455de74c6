/**
 * The shipped 漫道 entinfo contract (wsdl/contracts/entinfo), served by a real gateway by its built-in
 * name, called by zeep generated from the served `?wsdl` with pwd = MD5(sn + password): the calls
 * and checks of contracts/entinfo/calls.ts; then answers' bytes on the wire against the WSDL.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { postSoap11, runZeep, soap11Answer } from './contracts/builtin';
import { checkEntinfoCalls, ENDPOINT, withEntinfoGateway } from './contracts/entinfo/calls';

const NS = 'http://tempuri.org/';
const CLIENT = path.join(__dirname, 'contracts', 'entinfo', 'zeep_client.py');

test('zeep calls the entinfo contract: sends, report, report2, RECSMS, schedule, balance, vendor codes, UDPPwd', {
  timeout: 120_000,
}, async (t) => {
  await withEntinfoGateway(async (gw) => {
    const out = await runZeep(t, gw, CLIENT, ENDPOINT);
    if (out) await checkEntinfoCalls(out, gw);
  });
});

test('the entinfo answers on the wire: the tempuri namespace, a qualified <op>Result, an empty ArrayOfMOBody refused', async () => {
  const pwd = createHash('md5').update('erpsecret').digest('hex').toUpperCase();
  await withEntinfoGateway(async (gw) => {
    const call = (op: string, password: string) =>
      postSoap11(gw, ENDPOINT, `${NS}${op}`, `<${op} xmlns="${NS}"><sn>erp</sn><pwd>${password}</pwd></${op}>`);
    assert.equal(
      await call('balance', pwd),
      soap11Answer(`<ns1:balanceResponse xmlns:ns1="${NS}"><ns1:balanceResult>100</ns1:balanceResult></ns1:balanceResponse>`),
    );
    assert.equal(await call('RECSMS', 'wrong'), soap11Answer(`<ns1:RECSMSResponse xmlns:ns1="${NS}"></ns1:RECSMSResponse>`));
  });
});
