/**
 * The shipped 建周 Jianzhou contract (wsdl/contracts/jianzhou), served by a real gateway by its
 * built-in name, called by zeep generated from the served `?wsdl`: login, balance, a send to two
 * numbers joined by `;` (rows checked), its reports by task id until the simulator's delivery is
 * in, a reply injected and read back, a scheduled send, the refusals in the vendor's codes, a
 * password change; then one answer's bytes on the wire against the WSDL.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { postSoap11, runZeep, soap11Answer, withContractGateway } from './contracts/builtin';
import { checkJianzhouCalls, JIANZHOU_REPLY } from './contracts/jianzhou/calls';

const ENDPOINT = '/JianzhouSMSWSServer/services/BusinessService';
const NS = 'http://service.nineorange.com';
const CLIENT = path.join(__dirname, 'contracts', 'jianzhou', 'zeep_client.py');

test('zeep calls the Jianzhou contract: send, reports by task, replies, balance, schedule, vendor codes', {
  timeout: 120_000,
}, async (t) => {
  await withContractGateway('jianzhou', ENDPOINT, async (gw) => {
    await gw.injectReply(JIANZHOU_REPLY);
    const out = await runZeep(t, gw, CLIENT, ENDPOINT);
    if (out) await checkJianzhouCalls(out, gw);
  });
});

test('the Jianzhou answer on the wire: the WSDL namespace, qualified <op>Return and return children', async () => {
  await withContractGateway('jianzhou', ENDPOINT, async (gw) => {
    const ask = (body: string) => postSoap11(gw, ENDPOINT, '', body);
    assert.equal(
      await ask(`<ns:getUserInfo xmlns:ns="${NS}"><ns:account>erp</ns:account><ns:password>secret</ns:password></ns:getUserInfo>`),
      soap11Answer(
        `<ns1:getUserInfoResponse xmlns:ns1="${NS}"><ns1:getUserInfoReturn>&lt;userinfo&gt;&lt;balance&gt;100&lt;/balance&gt;&lt;/userinfo&gt;</ns1:getUserInfoReturn></ns1:getUserInfoResponse>`,
      ),
    );
    assert.equal(
      await ask(
        `<ns:sendGjBatchMessage xmlns:ns="${NS}"><ns:account>erp</ns:account><ns:password>bad</ns:password><ns:sendDateTime></ns:sendDateTime><ns:destmobile>13800000001</ns:destmobile><ns:msgText>x【测试】</ns:msgText></ns:sendGjBatchMessage>`,
      ),
      soap11Answer(`<ns1:sendGjBatchMessageResponse xmlns:ns1="${NS}"><ns1:return>-2</ns1:return></ns1:sendGjBatchMessageResponse>`),
    );
  });
});
