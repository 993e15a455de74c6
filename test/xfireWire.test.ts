/**
 * The answer's accessor follows the caller's stub (src/soap/render.ts, answerElementName): an
 * XFire-style document/literal call with parameters in0…inN is answered in <out>; our WSDL's
 * document/literal callers keep <opReturn>, and so do Axis 1.x rpc/encoded callers with in0…inN.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Send } from '../entities';
import { startTestGateway, type TestGateway } from './support/gateway';
import { DEMO_AUTH, docLiteral, post } from './support/soap';

const NS = 'http://userapi.ws.smsgateway';
const ENV_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>';
const ENV_CLOSE = '</soap:Body></soap:Envelope>';
const PROLOGUE =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** As an XFire stub writes a call: the wrapper in the default namespace, qualified in0…inN. */
function xfireCall(op: string, values: (string | number | null)[], ns = NS): string {
  const params = values
    .map((v, i) => (v === null ? `<in${i} xsi:nil="true"/>` : `<in${i}>${String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</in${i}>`))
    .join('');
  return `${ENV_OPEN}<${op} xmlns="${ns}">${params}</${op}>${ENV_CLOSE}`;
}

describe("answers in the element the caller's stub reads", () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ dialect: 'sqlite' });
  });
  after(async () => {
    await gw?.stop();
  });

  test('an XFire-style document/literal sendSms with in0…in5 gets <ns1:sendSmsResponse><ns1:out>success;…</ns1:out>', async () => {
    const res = await post(
      gw.serviceUrl,
      xfireCall('sendSms', [DEMO_AUTH.username, DEMO_AUTH.password, 1, '旧系统XFire', '13800138000', 0]),
      {
        soapaction: '""',
      },
    );
    assert.equal(res.status, 200);
    assert.equal(res.contentType, 'text/xml; charset=utf-8');
    const m = new RegExp(
      `^${esc(PROLOGUE)}<ns1:sendSmsResponse xmlns:ns1="${esc(NS)}"><ns1:out>(success;\\d{20})</ns1:out></ns1:sendSmsResponse>${esc(ENV_CLOSE)}$`,
    ).exec(res.body);
    assert.ok(m, res.body);
    const row = await gw.db.getRepository(Send).findOneByOrFail({ batchId: m[1]!.split(';')[1] });
    assert.equal(row.content, '旧系统XFire');
  });

  test('XFire-style queries, with a prefixed wrapper too, and a refusal, are answered in <out>', async () => {
    const prefixed = `${ENV_OPEN}<ns1:getRestMoney xmlns:ns1="${NS}"><ns1:in0>demo</ns1:in0><ns1:in1>${DEMO_AUTH.password}</ns1:in1></ns1:getRestMoney>${ENV_CLOSE}`;
    const money = await post(gw.serviceUrl, prefixed);
    assert.match(
      money.body,
      /<ns1:getRestMoneyResponse xmlns:ns1="http:\/\/userapi\.ws\.smsgateway"><ns1:out>memberSmsNum=\d+;gateSmsNum=\d+;kaSmsNum=\d+<\/ns1:out><\/ns1:getRestMoneyResponse>/,
    );
    const report = await post(gw.serviceUrl, xfireCall('getSmsReport', ['demo', DEMO_AUTH.password]));
    assert.match(
      report.body,
      /<ns1:getSmsReportResponse xmlns:ns1="http:\/\/userapi\.ws\.smsgateway"><ns1:out>&lt;\?xml [^<]*&lt;smsreport&gt;/,
    );
    // a nil string (XFire writes null as xsi:nil) is an empty content: the refusal, still in <out>
    const refused = await post(gw.serviceUrl, xfireCall('sendSms', ['demo', DEMO_AUTH.password, 1, null, '13800138000', 0]));
    assert.match(refused.body, /<ns1:out>failure;短信内容不能为空<\/ns1:out>/);
  });

  test('an unqualified in0…inN document/literal call gets an unqualified <out>', async () => {
    const body = `${ENV_OPEN}<ns1:getRecvSMS xmlns:ns1="${NS}"><in0>demo</in0><in1>${DEMO_AUTH.password}</in1></ns1:getRecvSMS>${ENV_CLOSE}`;
    const res = await post(gw.serviceUrl, body);
    assert.match(res.body, /<ns1:getRecvSMSResponse xmlns:ns1="http:\/\/userapi\.ws\.smsgateway"><out>&lt;\?xml[^<]*&lt;smsrerecv&gt;/);
  });

  test("our WSDL's document/literal callers still get <opReturn>", async () => {
    const res = await post(gw.serviceUrl, docLiteral('getRestMoney', DEMO_AUTH));
    assert.match(res.body, /<ns1:getRestMoneyResponse xmlns:ns1="http:\/\/userapi\.ws\.smsgateway"><ns1:getRestMoneyReturn>memberSmsNum=/);
    assert.doesNotMatch(res.body, /<(\w+:)?out>/);
  });

  test('an Axis 1.4 rpc/encoded call with in0…in5 still gets its rpc answer in <opReturn>', async () => {
    const ns = 'http://webservice.sms.oldvendor';
    const body =
      `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>` +
      `<ns1:sendSms soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="${ns}">` +
      '<in0 xsi:type="xsd:string">demo</in0><in1 xsi:type="xsd:string">ZGVtbzEyMw==</in1><in2 href="#id0"/><in3 xsi:type="xsd:string">旧系统</in3><in4 xsi:type="xsd:string">13800138000</in4><in5 href="#id1"/></ns1:sendSms>' +
      '<multiRef id="id0" soapenc:root="0" soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xsi:type="xsd:int" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">1</multiRef>' +
      '<multiRef id="id1" soapenc:root="0" soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xsi:type="xsd:int" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">0</multiRef>' +
      '</soapenv:Body></soapenv:Envelope>';
    const res = await post(gw.serviceUrl, body, { soapaction: '""' });
    assert.equal(res.status, 200);
    assert.match(
      res.body,
      new RegExp(
        `^${esc(PROLOGUE)}<ns1:sendSmsResponse xmlns:ns1="${esc(ns)}" soap:encodingStyle="http://schemas\\.xmlsoap\\.org/soap/encoding/"><sendSmsReturn xsi:type="xsd:string">success;\\d{20}</sendSmsReturn></ns1:sendSmsResponse>${esc(ENV_CLOSE)}$`,
      ),
    );
  });

  test('an rpc/encoded call marked only by xsi:type (no encodingStyle) keeps <opReturn>', async () => {
    const body = `${ENV_OPEN}<ns1:getRestMoney xmlns:ns1="${NS}"><in0 xsi:type="xsd:string">demo</in0><in1 xsi:type="xsd:string">${DEMO_AUTH.password}</in1></ns1:getRestMoney>${ENV_CLOSE}`;
    const res = await post(gw.serviceUrl, body);
    assert.match(res.body, /<getRestMoneyReturn xsi:type="xsd:string">memberSmsNum=/);
  });
});
