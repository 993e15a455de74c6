/**
 * The shipped 吉信通 Winic contract (wsdl/contracts/winic), served by a real gateway by its built-in
 * name, called by zeep generated from the served `?WSDL`: a send to two numbers joined by `,`
 * answered by a 16-character id (rows checked, the simulator's delivery awaited), a scheduled send
 * (otime in milliseconds), the balance, a refused fax, the vendor's codes, a password change; then
 * one answer's bytes on the wire against the WSDL. The service has no report or reply operation.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { postSoap11, runZeep, soap11Answer, withContractGateway } from './contracts/builtin';
import { checkWinicCalls } from './contracts/winic/calls';

const ENDPOINT = '/Service.asmx';
const NS = 'http://tempuri.org/';
const CLIENT = path.join(__dirname, 'contracts', 'winic', 'zeep_client.py');

test('zeep calls the Winic contract: send, schedule, balance, refusals in the vendor codes', { timeout: 120_000 }, async (t) => {
  await withContractGateway('winic', ENDPOINT, async (gw) => {
    const out = await runZeep(t, gw, CLIENT, ENDPOINT);
    if (out) await checkWinicCalls(out, gw);
  });
});

test('the Winic answer on the wire: the tempuri namespace, a qualified <op>Result', async () => {
  await withContractGateway('winic', ENDPOINT, async (gw) => {
    assert.equal(
      await postSoap11(gw, ENDPOINT, `${NS}GetUserInfo`, `<GetUserInfo xmlns="${NS}"><uid>erp</uid><pwd>secret</pwd></GetUserInfo>`),
      soap11Answer(
        `<ns1:GetUserInfoResponse xmlns:ns1="${NS}"><ns1:GetUserInfoResult>100</ns1:GetUserInfoResult></ns1:GetUserInfoResponse>`,
      ),
    );
  });
});
