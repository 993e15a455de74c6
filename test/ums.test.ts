import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Send } from '../entities';
import { DIALECTS, startTestGateway, type TestGateway } from './support/gateway';

const NS = 'http://ws.flaginfo.com.cn';

/** A call as an Axis2/XFire stub generated from the UMS WSDL sends it: document/literal, in0…inN qualified. */
function umsCall(element: string, params: (string | null)[], version: '1.1' | '1.2' = '1.1'): string {
  const env = version === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope';
  const body = params
    .map((v, i) =>
      v === null ? `<ns:in${i} xsi:nil="true"/>` : `<ns:in${i}>${v.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</ns:in${i}>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${env}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><ns:${element} xmlns:ns="${NS}">${body}</ns:${element}></soapenv:Body></soapenv:Envelope>`;
}

const DEMO = ['100001', 'demo', 'demo123'];
const ENVELOPE =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>';

for (const dialect of DIALECTS) {
  describe(`UMS Sms web service on ${dialect}`, () => {
    let gw: TestGateway;
    const post = async (xml: string, path = '/sms_hb/services/Sms', contentType = 'text/xml; charset=utf-8') => {
      const res = await fetch(`${gw.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': contentType, soapaction: '""' },
        body: xml,
      });
      return { status: res.status, text: await res.text() };
    };

    before(async () => {
      gw = await startTestGateway({ dialect });
    });
    after(() => gw?.stop());

    test('the WSDL is served at both paths with its address rewritten', async () => {
      for (const path of ['/sms_hb/services/Sms', '/services/Sms']) {
        const wsdl = await (await fetch(`${gw.url}${path}?wsdl`)).text();
        assert.match(wsdl, /targetNamespace="http:\/\/ws\.flaginfo\.com\.cn"/);
        assert.ok(wsdl.includes(`<soap:address location="${gw.url}${path}"/>`));
      }
    });

    test('Sms answers in SmsResponse/out, byte for byte; SmsRequest is the same call', async () => {
      const answer = await post(
        umsCall('Sms', [...DEMO, '您的验证码是1234【一信通】', '13800000001,12345', '00020261202100000001', '', '1']),
      );
      assert.equal(answer.status, 200);
      assert.equal(
        answer.text,
        `${ENVELOPE}<ns1:SmsResponse xmlns:ns1="${NS}"><ns1:out>result=0&amp;description=发送成功&amp;faillist=12345</ns1:out></ns1:SmsResponse></soap:Body></soap:Envelope>`,
      );
      const again = await post(
        umsCall('SmsRequest', [...DEMO, '您的验证码是1234【一信通】', '13800000001,12345', '00020261202100000001', '', '1']),
      );
      assert.equal(again.text, answer.text, 'the other wrapper name, and the same serial: answered like the first');
      assert.equal(await gw.db.getRepository(Send).countBy({ serial: '00020261202100000001' }), 2);
    });

    test('refusals are UMS codes in out; a nil parameter is an empty one', async () => {
      const out = async (xml: string) => /<ns1:out>([^<]*)<\/ns1:out>/.exec((await post(xml)).text)?.[1];
      assert.equal(
        await out(umsCall('Sms', ['100001', 'demo', 'wrong', '内容', '13800000001', '', '', '1'])),
        'result=3&amp;description=用户名或密码错误',
      );
      assert.equal(
        await out(umsCall('Sms', ['999', 'demo', 'demo123', '内容', '13800000001', '', '', '1'])),
        'result=2&amp;description=企业编号错误',
      );
      assert.equal(await out(umsCall('Sms', [...DEMO, null, '13800000001', null, null, null])), 'result=1&amp;description=短信内容为空');
      assert.equal(await out(umsCall('Sms', [...DEMO, '内容', '13800000001', 'x1', '', '1'])), 'result=14&amp;description=流水号格式错误');
    });

    test('Report hands out each report once as serial,mobile,status;', async () => {
      const serial = '00020261202100000002';
      await post(umsCall('Sms', [...DEMO, '回执测试', '13800000011', serial, '', '1']));
      // The demo account has the reports of the other tests' sends too: gather until this one's comes, once.
      let handedOut = '';
      for (let i = 0; i < 200 && !handedOut.includes(serial); i++) {
        handedOut += /<ns1:out>([^<]*)<\/ns1:out>/.exec((await post(umsCall('Report', DEMO))).text)?.[1] ?? '';
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(handedOut.includes(`${serial},13800000011,0;`), handedOut);
      assert.match(handedOut, /^([^,;]*,\d+,[012];)+$/);
      assert.equal(handedOut.split(serial).length, 2, 'once');
      const second = (await post(umsCall('ReportRequest', DEMO))).text;
      assert.ok(!second.includes(serial), 'handed out once');
    });

    test('SearchSmsNum answers result and number as children; SOAP 1.2 too', async () => {
      const left = (await gw.account()).balanceGateway;
      const answer = await post(umsCall('SearchSmsNumRequest', DEMO, '1.2'), '/services/Sms', 'application/soap+xml; charset=utf-8');
      assert.equal(
        answer.text,
        `${ENVELOPE.replace('http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope')}<ns1:SearchSmsNumResponse xmlns:ns1="${NS}"><ns1:result>0</ns1:result><ns1:number>${left}</ns1:number></ns1:SearchSmsNumResponse></soap:Body></soap:Envelope>`,
      );
      const refused = await post(umsCall('SearchSmsNum', ['100001', 'demo', 'bad']));
      assert.ok(refused.text.includes('<ns1:result>3</ns1:result><ns1:number xsi:nil="true"/>'), refused.text);
    });

    test('Reply hands replies out until ReplyConfirm confirms them by the id it gave', async () => {
      await gw.injectReply({ mobile: '13800000021', content: '收到<谢谢>&再见', username: 'demo' });
      const first = (await post(umsCall('ReplyRequest', DEMO))).text;
      const id = /<ns1:id>(\d+)<\/ns1:id>/.exec(first)?.[1];
      assert.ok(id, first);
      assert.match(
        first,
        new RegExp(
          `<ns1:ReplyResponse xmlns:ns1="${NS}"><ns1:result>0</ns1:result><ns1:confirm_time xsi:nil="true"/><ns1:id>${id}</ns1:id><ns1:replys><ns1:callMdn>[^<]*</ns1:callMdn><ns1:mdn>13800000021</ns1:mdn><ns1:content>收到&lt;谢谢&gt;&amp;再见</ns1:content><ns1:reply_time>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d</ns1:reply_time></ns1:replys></ns1:ReplyResponse>`,
        ),
      );
      assert.equal((await post(umsCall('Reply', DEMO))).text, first, 'not confirmed yet: handed out again');
      const confirmed = await post(umsCall('ReplyConfirmRequest', [...DEMO, null, id!]));
      assert.ok(
        confirmed.text.includes(`<ns1:ReplyConfirmResponse xmlns:ns1="${NS}"><ns1:result>0</ns1:result></ns1:ReplyConfirmResponse>`),
        confirmed.text,
      );
      const after = (await post(umsCall('Reply', DEMO))).text;
      assert.match(
        after,
        /<ns1:result>0<\/ns1:result><ns1:confirm_time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<\/ns1:confirm_time><ns1:id xsi:nil="true"\/><\/ns1:ReplyResponse>/,
      );
      const bad = await post(umsCall('ReplyConfirm', [...DEMO, '', 'abc']));
      assert.ok(bad.text.includes('<ns1:result>1</ns1:result>'), bad.text);
    });

    test('Auditing passes a clean text and names a forbidden word', async () => {
      const out = async (content: string) =>
        /<ns1:out>([^<]*)<\/ns1:out>/.exec((await post(umsCall('AuditingRequest', [...DEMO, content]))).text)?.[1];
      assert.equal(await out('您的验证码是1234'), 'result=0&amp;description=短信内容审核通过');
      await gw.core.audit.addWord('代开发票');
      assert.equal(await out('本公司代开发票'), 'result=7&amp;description=短信内容含有敏感词:代开发票');
      assert.equal(await out('select * from account'), 'result=7&amp;description=短信内容含有非法字符');
    });
  });
}
