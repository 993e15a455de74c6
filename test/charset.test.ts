/**
 * The same Chinese text through every face: 【】, 镕 (in GBK, not in GB2312) and, where the contract
 * is UTF-8, an emoji. What is stored is checked character for character, what comes back byte for
 * byte; a vendor whose charset cannot carry a text refuses that message for good instead of
 * sending question marks.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { Send } from '../entities';
import { sendInRequests } from '../src/vendors/request';
import type { OutboundMessage } from '../src/vendors/types';
import { DIALECTS, startTestGateway, type TestGateway } from './support/gateway';
import { B64, docLiteral, returnValue } from './support/soap';

const TEXT = '【测试】镕😀';
/** What a GBK contract can carry of it. */
const GBK_TEXT = '【测试】镕';

/** Every byte percent-encoded, as a legacy form caller writes it. */
const percent = (bytes: Buffer) => [...bytes].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

for (const dialect of DIALECTS) {
  describe(`one Chinese text through every face, ${dialect}`, () => {
    let gw: TestGateway;
    const stored = async (mobile: string) => (await gw.db.getRepository(Send).findOneByOrFail({ infoto: mobile })).content;
    const post = (path: string, body: string | Buffer, contentType: string) =>
      fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': contentType, soapaction: '""' }, body }).then((r) => r.text());

    before(async () => {
      gw = await startTestGateway({ dialect });
    });
    after(() => gw?.stop());

    test('userApi web service: UTF-8 with the emoji, and a GBK-declared envelope', async () => {
      const send = (content: string, mobile: string) =>
        docLiteral('sendSms', { username: 'demo', password: B64('demo123'), smstype: 1, content, mobile, isLongSms: 0 });
      assert.match(returnValue(await post('/services/userApi', send(TEXT, '13800000101'), 'text/xml; charset=utf-8')), /^success;/);
      const gbk = iconv.encode(send(GBK_TEXT, '13800000102').replace('encoding="utf-8"', 'encoding="GBK"'), 'gbk');
      assert.match(returnValue(await post('/services/userApi', gbk, 'text/xml; charset=GBK')), /^success;/);
      assert.equal(await stored('13800000101'), TEXT);
      assert.equal(await stored('13800000102'), GBK_TEXT);
    });

    test('userApi servlet: GBK as the seed sends it, UTF-8 when the Content-Type says so', async () => {
      const form = (bytes: Buffer, mobile: string) =>
        `method=sendSMS&username=demo&password=${B64('demo123')}&smstype=1&mobile=${mobile}&isLongSms=0&content=${percent(bytes)}`;
      assert.match(
        await post('/servlet/UserServiceAPI', form(iconv.encode(GBK_TEXT, 'gbk'), '13800000103'), 'application/x-www-form-urlencoded'),
        /^success;/,
      );
      assert.match(
        await post('/servlet/UserServiceAPI', form(Buffer.from(TEXT), '13800000104'), 'application/x-www-form-urlencoded; charset=utf-8'),
        /^success;/,
      );
      assert.equal(await stored('13800000103'), GBK_TEXT);
      assert.equal(await stored('13800000104'), TEXT);
    });

    test('UMS web service (UTF-8) and Send.do (GB2312, read as GBK; UTF-8 when declared)', async () => {
      const sms = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:Sms xmlns:ns="http://ws.flaginfo.com.cn"><ns:in0>100001</ns:in0><ns:in1>demo</ns:in1><ns:in2>demo123</ns:in2><ns:in3>${TEXT}</ns:in3><ns:in4>13800000105</ns:in4><ns:in5></ns:in5><ns:in6></ns:in6><ns:in7>1</ns:in7></ns:Sms></soapenv:Body></soapenv:Envelope>`;
      assert.match(await post('/sms_hb/services/Sms', sms, 'text/xml; charset=utf-8'), /result=0&amp;/);
      const form = (bytes: Buffer, mobile: string) =>
        `SpCode=100001&LoginName=demo&Password=demo123&UserNumber=${mobile}&MessageContent=${percent(bytes)}`;
      assert.match(
        await post('/sms/Api/Send.do', form(iconv.encode(GBK_TEXT, 'gbk'), '13800000106'), 'application/x-www-form-urlencoded'),
        /^result=0&/,
      );
      assert.match(
        await post('/sms/Api/Send.do', form(Buffer.from(TEXT), '13800000107'), 'application/x-www-form-urlencoded; charset=utf-8'),
        /^result=0&/,
      );
      assert.equal(await stored('13800000105'), TEXT);
      assert.equal(await stored('13800000106'), GBK_TEXT);
      assert.equal(await stored('13800000107'), TEXT);
    });

    test('a reply comes back whole: getRecvSMS in GB18030 (GBK bytes for GBK characters), UMS Reply in UTF-8', async () => {
      await gw.injectReply({ mobile: '13800000108', content: TEXT, username: 'demo' });
      const xml = returnValue(
        await post(
          '/services/userApi',
          docLiteral('getRecvSMS', { username: 'demo', password: B64('demo123') }),
          'text/xml; charset=utf-8',
        ),
      );
      const bytes = Buffer.from(/<content>([^<]*)<\/content>/.exec(xml)![1]!, 'base64');
      assert.deepEqual(bytes.subarray(0, iconv.encode(GBK_TEXT, 'gbk').length), iconv.encode(GBK_TEXT, 'gbk'), 'what GBK has is GBK bytes');
      assert.equal(iconv.decode(bytes, 'gb18030'), TEXT, 'and the emoji is not a question mark');
      await gw.injectReply({ mobile: '13800000109', content: TEXT, username: 'demo' });
      const reply = await post(
        '/sms_hb/services/Sms',
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:ReplyRequest xmlns:ns="http://ws.flaginfo.com.cn"><ns:in0>100001</ns:in0><ns:in1>demo</ns:in1><ns:in2>demo123</ns:in2></ns:ReplyRequest></soapenv:Body></soapenv:Envelope>',
        'text/xml; charset=utf-8',
      );
      assert.ok(reply.includes(`<ns1:mdn>13800000109</ns1:mdn><ns1:content>${TEXT}</ns1:content>`), reply);
    });

    test('pushes in GB2312: the MO GET in GB18030 bytes, the UMS packet with a character reference for the emoji', async () => {
      const got: { path: string; raw: Buffer; query: string }[] = [];
      const site = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          got.push({ path: (req.url ?? '').split('?')[0]!, query: (req.url ?? '').split('?')[1] ?? '', raw: Buffer.concat(chunks) });
          res.end(req.url?.startsWith('/ums') ? '<returncode>0</returncode>' : 'OK');
        });
      });
      await new Promise<void>((r) => site.listen(0, '127.0.0.1', r));
      try {
        const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
        await gw.core.accounts.create('pushed', 'pw', { 1: 10 });
        await gw.core.accounts.setPushUrl('pushed', 'mo', `${url}/mo`);
        await gw.core.accounts.setPushUrl('pushed', 'ums-reply', `${url}/ums`);
        await gw.injectReply({ mobile: '13800000110', content: TEXT, username: 'pushed' });
        for (let i = 0; i < 400 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
        const mo = got.find((g) => g.path === '/mo')!;
        const msg = /(?:^|&)msg=([^&]*)/.exec(mo.query)![1]!;
        assert.equal(
          msg,
          iconv
            .encode(TEXT, 'gb18030')
            .toString('latin1')
            .replace(/[^A-Za-z0-9.*_-]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`),
        );
        const packet = got.find((g) => g.path === '/ums')!.raw;
        assert.ok(packet.includes(iconv.encode('<msg>【测试】镕&#x1f600;</msg>', 'gbk')), iconv.decode(packet, 'gbk'));
      } finally {
        await new Promise((r) => site.close(r));
      }
    });
  });
}

test('a vendor whose charset cannot carry a text refuses that message for good, and sends the others', async () => {
  const message = (id: number, content: string): OutboundMessage =>
    ({ id, mobile: `1380000020${id}`, content, isLong: false, extNo: null, signature: null }) as OutboundMessage;
  const sent: number[] = [];
  const outcomes = await sendInRequests(
    'gbk-vendor',
    [message(1, GBK_TEXT), message(2, TEXT)],
    { maxNumbers: 10, concurrency: 1, charset: 'gb2312' },
    async (ms) => {
      sent.push(...ms.map((m) => m.id));
      return ms.map((m) => ({ id: m.id, ok: true, vendorMsgId: `v${m.id}` }));
    },
  );
  assert.deepEqual(sent, [1]);
  assert.deepEqual(
    outcomes.sort((a, b) => a.id - b.id),
    [
      { id: 1, ok: true, vendorMsgId: 'v1' },
      { id: 2, ok: false, retryable: false, error: 'the text holds characters gb2312 cannot carry: 😀' },
    ],
  );
});
