import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSoapCall, SoapClientError } from '../../src/soap/envelope';
import { renderFault, renderResponse } from '../../src/soap/render';
import { scanXml, TreeBuilder } from '../../src/soap/xml';

const ENV11 =
  'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

test('Axis rpc/encoded: in0… by position, multiRef resolved through href, xsi:type noticed', () => {
  const call = parseSoapCall(
    `<soapenv:Envelope ${ENV11}><soapenv:Body><ns1:sendSms soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="http://old.vendor">` +
      '<in0 xsi:type="xsd:string">demo</in0><in1 xsi:type="xsd:string">ZGVtbzEyMw==</in1><in2 href="#id0"/><in3 xsi:type="xsd:string">你好</in3>' +
      '<in4 xsi:type="xsd:string">13800138000</in4><in5 id="id1" soapenc:root="0" xsi:type="xsd:int" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">0</in5></ns1:sendSms>' +
      '<multiRef id="id0" soapenc:root="0" soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xsi:type="xsd:int" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">1</multiRef>' +
      '</soapenv:Body></soapenv:Envelope>',
    '1.1',
  );
  assert.equal(call.operation, 'sendSms');
  assert.equal(call.operationNs, 'http://old.vendor');
  assert.equal(call.version, '1.1');
  assert.equal(call.encoded, true);
  assert.equal(call.qualified, false);
  assert.deepEqual(
    call.params.map((p) => [p.name, p.value]),
    [
      ['in0', 'demo'],
      ['in1', 'ZGVtbzEyMw=='],
      ['in2', '1'],
      ['in3', '你好'],
      ['in4', '13800138000'],
      ['in5', '0'],
    ],
  );
});

test('the multiRef may come before the operation, and xsi:nil gives null', () => {
  const call = parseSoapCall(
    `<soapenv:Envelope ${ENV11} xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"><soapenv:Body>` +
      '<multiRef id="id0" soapenc:root="0">2</multiRef><op><a href="#id0"/><b xsi:nil="true"/></op></soapenv:Body></soapenv:Envelope>',
    '1.1',
  );
  assert.equal(call.operation, 'op');
  assert.deepEqual(call.params, [
    { name: 'a', value: '2', items: [] },
    { name: 'b', value: null, items: [] },
  ]);
});

test('document/literal SOAP 1.2, qualified parameters', () => {
  const call = parseSoapCall(
    '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Header/><e:Body><t:getRestMoney xmlns:t="urn:x"><t:username>demo</t:username><t:password>eA==</t:password></t:getRestMoney></e:Body></e:Envelope>',
    '1.1',
  );
  assert.equal(call.version, '1.2');
  assert.equal(call.encoded, false);
  assert.equal(call.qualified, true);
  assert.equal(
    renderResponse(call, 'getRestMoneyReturn', 'a<b&c'),
    '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      '<soap:Body><ns1:getRestMoneyResponse xmlns:ns1="urn:x"><ns1:getRestMoneyReturn>a&lt;b&amp;c</ns1:getRestMoneyReturn></ns1:getRestMoneyResponse></soap:Body></soap:Envelope>',
  );
});

test('refused: DOCTYPE (external entities, entity expansion), malformed XML, a non-SOAP root, a dangling href', () => {
  const cases = [
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><x>&xxe;</x>',
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><a>&lol2;</a></soapenv:Body></soapenv:Envelope>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><a>',
    '<Envelope><Body><a/></Body></Envelope>',
    `<soapenv:Envelope ${ENV11}><soapenv:Body><op><a href="#nowhere"/></op></soapenv:Body></soapenv:Envelope>`,
    `<soapenv:Envelope ${ENV11}><soapenv:Body></soapenv:Body></soapenv:Envelope>`,
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><a>&undeclared;</a></soapenv:Body></soapenv:Envelope>',
  ];
  for (const xml of cases) assert.throws(() => parseSoapCall(xml, '1.1'), SoapClientError, xml);
});

test('faults in both versions carry only the message', () => {
  assert.match(
    renderFault('1.1', true, 'bad <thing>'),
    /<soap:Fault><faultcode>soap:Client<\/faultcode><faultstring>bad &lt;thing&gt;<\/faultstring><\/soap:Fault>/,
  );
  assert.match(
    renderFault('1.2', false, 'x'),
    /<soap:Code><soap:Value>soap:Receiver<\/soap:Value><\/soap:Code><soap:Reason><soap:Text xml:lang="en">x<\/soap:Text>/,
  );
});

test('tolerated as ever: CDATA, references, CRLF, a BOM, comments, pretty-printing, any prefixes, a default namespace', () => {
  const call = parseSoapCall(
    '\uFEFF<?xml version="1.0" encoding="UTF-8"?>\r\n<!-- generated -->\r\n<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">\r\n' +
      '  <S:Header><h:trace xmlns:h="urn:h">1</h:trace></S:Header>\r\n  <S:Body>\r\n' +
      '    <sendSms xmlns="http://userapi.ws.smsgateway">\r\n' +
      '      <username>de&#109;o</username>\r\n' +
      '      <content><![CDATA[<b>5 > 3 & 2 < 4</b>]]> &amp; &lt;more&gt; &#x4e2d;&#25991; 😀</content>\r\n' +
      '      <mobile>line1\r\nline2</mobile>\r\n' +
      '      <!-- no isLongSms -->\r\n' +
      '    </sendSms>\r\n  </S:Body>\r\n</S:Envelope>\r\n',
    '1.2',
  );
  assert.equal(call.version, '1.1');
  assert.equal(call.operation, 'sendSms');
  assert.equal(call.operationNs, 'http://userapi.ws.smsgateway');
  assert.equal(call.qualified, true);
  assert.deepEqual(call.params, [
    { name: 'username', value: 'demo', items: [] },
    { name: 'content', value: '<b>5 > 3 & 2 < 4</b> & <more> 中文 😀', items: [] },
    { name: 'mobile', value: 'line1\nline2', items: [] },
  ]);
});

test('an envelope the one-pass scanner leaves to saxes (a processing instruction, a non-ASCII name) reads the same', () => {
  const envelopes = [
    `<soapenv:Envelope ${ENV11}><soapenv:Body><ns1:op soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="urn:o"><in0 href="#id0"/><in1 xsi:nil="1"/><in2>a&amp;b</in2></ns1:op><multiRef id="id0" soapenc:root="0" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/"><![CDATA[x<y]]></multiRef></soapenv:Body></soapenv:Envelope>`,
    '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><t:getRestMoney xmlns:t="urn:x"><t:username>demo</t:username><t:password>eA==</t:password></t:getRestMoney></e:Body></e:Envelope>',
  ];
  for (const xml of envelopes) {
    assert.ok(scanXml(xml, new TreeBuilder()));
    const fast = parseSoapCall(xml, '1.1');
    const afterBody = xml.indexOf('Body>') + 'Body>'.length;
    const withPi = `${xml.slice(0, afterBody)}<?trace on?>${xml.slice(afterBody)}`;
    const withHeader = xml.replace(/<(\w+):Body>/, '<h:Header xmlns:h="urn:h"><h:名字/></h:Header><$1:Body>');
    for (const variant of [withPi, withHeader]) {
      assert.equal(scanXml(variant, new TreeBuilder()), false, variant);
      assert.deepEqual(parseSoapCall(variant, '1.1'), fast);
    }
  }
});

test('an array parameter keeps the text of each of its items; a repeated one is a parameter per occurrence', () => {
  const call = parseSoapCall(
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><t:send xmlns:t="urn:x">' +
      '<t:tos><t:string>13800000001</t:string> <t:string>13800000002</t:string></t:tos><t:arg3>1</t:arg3><t:arg3>2</t:arg3></t:send></s:Body></s:Envelope>',
    '1.1',
  );
  assert.deepEqual(
    call.params.map((p) => [p.name, p.items]),
    [
      ['tos', ['13800000001', '13800000002']],
      ['arg3', []],
      ['arg3', []],
    ],
  );
  assert.deepEqual(
    call.params.filter((p) => p.name === 'arg3').map((p) => p.value),
    ['1', '2'],
  );
});
