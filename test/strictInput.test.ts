/** Input the gateway refuses rather than guess at: nothing is stored or charged for garbage. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BalanceLedger, Send } from '../entities';
import { startTestGateway, type TestGateway } from './support/gateway';
import { DEMO_AUTH, docLiteral, gbk, post, returnValue } from './support/soap';

describe('strict input', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw?.stop();
  });

  const stored = async () => [await gw.db.getRepository(Send).count(), await gw.db.getRepository(BalanceLedger).count()];
  const sendSms = (content: string, extra: Record<string, string | number> = {}) =>
    docLiteral('sendSms', { ...DEMO_AUTH, smstype: 1, content, mobile: '13800138000', isLongSms: 0, ...extra });

  /** The call is refused with a client fault of this HTTP status, and nothing is stored or charged. */
  const refused = async (body: string | Buffer, contentType: string, status: number, message: RegExp) => {
    const before = await stored();
    const res = await post(gw.serviceUrl, body, { 'content-type': contentType });
    assert.equal(res.status, status, res.body);
    assert.match(res.body, /<faultcode>soap:Client<\/faultcode>/);
    assert.match(res.body, message);
    assert.deepEqual(await stored(), before, 'nothing stored or charged');
  };

  test('bytes that are not valid in the declared charset are a client fault', async () => {
    const latin1 = Buffer.concat([
      Buffer.from(sendSms('caf').split('caf')[0]!),
      Buffer.from([0x63, 0x61, 0x66, 0xe9]),
      Buffer.from(sendSms('caf').split('caf')[1]!),
    ]);
    await refused(latin1, 'text/xml', 400, /the request body is not valid utf-8/);
    await refused(Buffer.from(sendSms('你谁啊?')), 'text/xml; charset=GBK', 400, /the request body is not valid GBK/);
  });

  test('the Content-Type charset wins over the XML declaration, whichever way they disagree', async () => {
    const text = '镕【测试】';
    const gbkBodyUtf8Declaration = gbk(sendSms(text));
    const utf8BodyGbkDeclaration = Buffer.from(sendSms(text).replace('encoding="utf-8"', 'encoding="GBK"'));
    for (const [body, contentType] of [
      [gbkBodyUtf8Declaration, 'text/xml; charset=GBK'],
      [utf8BodyGbkDeclaration, 'text/xml; charset=utf-8'],
    ] as const) {
      const answer = returnValue((await post(gw.serviceUrl, body, { 'content-type': contentType })).body);
      assert.match(answer, /^success;/);
      assert.equal((await gw.db.getRepository(Send).findOneByOrFail({ batchId: answer.split(';')[1] })).content, text);
    }
  });

  test('an unsupported charset is 415', async () => {
    await refused(Buffer.from(sendSms('x')), 'text/xml; charset=bogus-xyz', 415, /unsupported charset bogus-xyz/);
  });

  test('a Body with two operations is refused, not half carried out', async () => {
    const one = /<soap:Body>(.*)<\/soap:Body>/.exec(sendSms('第一条'))![1]!;
    const two = sendSms('第一条').replace('</soap:Body>', `${one.replace('第一条', '第二条')}</soap:Body>`);
    await refused(
      Buffer.from(two),
      'text/xml; charset=utf-8',
      500,
      /the Body holds 2 operations \(sendSms, sendSms\); send one per request/,
    );
  });

  test('isLongSms is 0 or 1 (or absent, the int default); anything else is refused', async () => {
    for (const value of ['abc', '5', '', '-1']) {
      const before = await stored();
      const answer = returnValue((await post(gw.serviceUrl, sendSms('测试', { isLongSms: value }))).body);
      assert.equal(answer, 'failure;长短信参数错误', `isLongSms=${JSON.stringify(value)}`);
      assert.deepEqual(await stored(), before);
    }
    const absent = sendSms('测试').replace(/<tns:isLongSms>0<\/tns:isLongSms>/, '');
    assert.match(returnValue((await post(gw.serviceUrl, absent)).body), /^success;/);
    assert.match(returnValue((await post(gw.serviceUrl, sendSms('测试', { isLongSms: ' 1 ' }))).body), /^success;/);
  });
});
