/**
 * The two SOAP stacks of the Node world, as callers: node-soap (also over SOAP 1.2) and
 * strong-soap, each building its client from the WSDL the gateway serves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as nodeSoap from 'soap';
import { startTestGateway, type TestGateway } from './support/gateway';
import { DEMO_AUTH } from './support/soap';
// strong-soap ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const strongSoap = require('strong-soap').soap as {
  createClient(
    url: string,
    options: object,
    cb: (
      err: Error | null,
      client: Record<string, (args: object, cb: (err: Error | null, result: Record<string, string>) => void) => void>,
    ) => void,
  ): void;
};

type Call = (op: string, args: object) => Promise<string>;

async function nodeSoapCaller(gw: TestGateway, soap12: boolean): Promise<Call> {
  const client = await nodeSoap.createClientAsync(gw.wsdlUrl, soap12 ? { forceSoap12Headers: true } : {});
  if (soap12) client.setEndpoint(gw.serviceUrl);
  let lastResponse = '';
  client.on('response', (body: string) => {
    lastResponse = body;
  });
  return async (op, args) => {
    const result = await invoke(op, args);
    // The answer must come back in the version asked in, not merely be readable.
    assert.ok(
      lastResponse.includes(soap12 ? 'http://www.w3.org/2003/05/soap-envelope' : 'http://schemas.xmlsoap.org/soap/envelope/'),
      lastResponse,
    );
    return result;
  };
  async function invoke(op: string, args: object): Promise<string> {
    const [result] = await (client as unknown as Record<string, (a: object) => Promise<[Record<string, string>]>>)[`${op}Async`]!(args);
    return result[`${op}Return`]!;
  }
}

async function strongSoapCaller(gw: TestGateway): Promise<Call> {
  const client = await new Promise<Parameters<Parameters<typeof strongSoap.createClient>[2]>[1]>((resolve, reject) =>
    strongSoap.createClient(gw.wsdlUrl, {}, (err, c) => (err ? reject(err) : resolve(c))),
  );
  return (op, args) =>
    new Promise((resolve, reject) => client[op]!(args, (err, result) => (err ? reject(err) : resolve(result[`${op}Return`]!))));
}

const clients: [string, (gw: TestGateway) => Promise<Call>][] = [
  ['node-soap', (gw) => nodeSoapCaller(gw, false)],
  ['node-soap over SOAP 1.2', (gw) => nodeSoapCaller(gw, true)],
  ['strong-soap', strongSoapCaller],
];

for (const [name, makeCaller] of clients) {
  describe(`${name} client`, () => {
    let gw: TestGateway;
    let call: Call;
    before(async () => {
      gw = await startTestGateway();
      call = await makeCaller(gw);
    });
    after(async () => {
      await gw?.stop();
    });

    test('calls all four operations', async () => {
      const sent = await call('sendSms', { ...DEMO_AUTH, smstype: 0, content: '您的验证码是8888', mobile: '13800138000', isLongSms: 0 });
      assert.match(sent, /^success;\d{20}$/);
      assert.equal(await call('getRestMoney', DEMO_AUTH), 'memberSmsNum=100000;gateSmsNum=100000;kaSmsNum=99999');
      await gw.waitForReports(1);
      assert.match(
        await call('getSmsReport', DEMO_AUTH),
        new RegExp(
          `<psreport><mobile>13800138000</mobile><username>demo</username><smslogid>${sent.slice(8)}</smslogid><status>1</status>`,
        ),
      );
      await gw.injectReply({ mobile: '13800138000', content: '收到', username: 'demo' });
      assert.match(await call('getRecvSMS', DEMO_AUTH), /<content>ytW1vQ==<\/content>/);
      assert.equal(
        await call('sendSms', { ...DEMO_AUTH, smstype: 9, content: 'x', mobile: '13800138000', isLongSms: 0 }),
        'failure;短信类型错误',
      );
    });
  });
}
