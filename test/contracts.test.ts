/**
 * Contracts by configuration, without a client: `smsgw contract:check` on a good and on broken
 * contracts, every mistake named by file, operation and key; a broken contract in the
 * configuration stops the start; and an rpc/encoded WSDL answered as an Axis 1.x server would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from '../src/configError';
import { loadContract } from '../src/contracts/contract';
import { startTestGateway } from './support/gateway';
import { VENDOR_MAPPING, VENDOR_WSDL, writeVendorContract } from './clients/contract/vendorSms';

const smsgw = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: join(__dirname, '..'),
    env: { ...process.env, LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 60_000,
  });

describe('smsgw contract:check', () => {
  test('a good contract: its bindings, each operation → core call, inputs and sample answers', () => {
    const dir = writeVendorContract();
    try {
      const r = smsgw('contract:check', dir);
      assert.equal(r.status, 0, r.stderr);
      const out = r.stdout;
      assert.match(out, /namespace http:\/\/sms\.vendor\.example\/, SOAP 1\.1 and 1\.2/);
      assert.match(out, /^SendSms → send \(pool 1\)$/m);
      assert.match(
        out,
        /document\/literal, qualified, SOAP 1\.1 "http:\/\/sms\.vendor\.example\/SendSms", SOAP 1\.2 "http:\/\/sms\.vendor\.example\/SendSms"/,
      );
      assert.match(out, /^ {4}password ← password \(md5\)$/m);
      assert.match(out, /^ {4}mobiles ← mobiles split by "\|"$/m);
      assert.match(
        out,
        /<ns1:GetBalanceResponse xmlns:ns1="http:\/\/sms\.vendor\.example\/"><ns1:GetBalanceResult>1000<\/ns1:GetBalanceResult><\/ns1:GetBalanceResponse>/,
      );
      // Items in the WSDL's order (MsgId before Mobile) though the mapping lists Mobile first; Code before the array.
      assert.match(
        out,
        /<ns1:Code>0<\/ns1:Code><ns1:GetReportResult><ns1:Report><ns1:MsgId>20260102110405000001<\/ns1:MsgId><ns1:Mobile>13800000001<\/ns1:Mobile><ns1:Status>1<\/ns1:Status><ns1:Time>20260102110405<\/ns1:Time><\/ns1:Report>/,
      );
      assert.match(
        out,
        /<ns1:GetReportResponse xmlns:ns1="http:\/\/sms\.vendor\.example\/"><ns1:Code>-1<\/ns1:Code><\/ns1:GetReportResponse> {2}\(wrong password\)/,
      );
      assert.match(out, /^GetVersion → fixed$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a broken contract: one line naming the file, the operation and the key, exit code 2', () => {
    const dir = writeVendorContract((m) => m.replace('      SendSmsResult: "{batchId}"', '      SendSmsReslt: "{batchId}"'));
    try {
      const r = smsgw('contract:check', dir);
      assert.equal(r.status, 2);
      assert.equal(r.stdout, '');
      assert.equal(
        r.stderr.trim(),
        `configuration error: ${join(dir, 'contract.yaml')}: operations.SendSms.answer.SendSmsReslt: the WSDL's SendSmsResponse has no child SendSmsReslt (it has SendSmsResult)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const broken: [string, (mapping: string) => string, string][] = [
    [
      'a wrong password transform',
      (m) => m.replace('transform: md5 }\n      mobiles', 'transform: md6 }\n      mobiles'),
      'operations.SendSms.inputs.password.transform: Invalid option: expected one of "plain"|"base64"|"md5"|"md5upper"',
    ],
    [
      'an MD5 on anything but the password',
      (m) =>
        m.replace(
          '      content: content\n    answer:\n      SendSmsResult',
          '      content: { param: content, transform: md5 }\n    answer:\n      SendSmsResult',
        ),
      'operations.SendSms.inputs.content.transform: md5 applies to passwords only',
    ],
    ['a missing input', (m) => m.replace('      content: content\n', ''), 'operations.SendSms.inputs.content: is required for call: send'],
    [
      'a parameter the WSDL does not have',
      (m) =>
        m.replace(
          '      account: account\n      password: { param: password, transform: md5 }\n      mobiles',
          '      account: acount\n      password: { param: password, transform: md5 }\n      mobiles',
        ),
      "operations.SendSms.inputs.account: the WSDL's SendSms has no parameter acount (it has account, password, mobiles, content)",
    ],
    [
      'a position past the last parameter',
      (m) => m.replace('param: 2,', 'param: 7,'),
      "operations.SendSms.inputs.mobiles: position 7 is past the last of SendSms's 4 parameters",
    ],
    [
      'a value the call does not have',
      (m) => m.replace('Status: "{status}"', 'Status: "{state}"'),
      'operations.GetReport.answer.GetReportResult.items.Status: {state} is not a value of call: reports here (known: mobile, batchId, taskId, serial, status, code, sendTime, reportTime)',
    ],
    ['a misspelt key', (m) => m.replace('    statuses:', '    statusses:'), 'operations.GetReport.statusses: unknown key'],
    [
      'an unknown call',
      (m) => m.replace('call: balance', 'call: balanse'),
      'operations.GetBalance.call: Invalid option: expected one of "send"|"balance"|"reports"|"replies"|"confirm"|"audit"|"login"|"password"|"fixed"',
    ],
    [
      'an operation the WSDL declares and the mapping leaves out',
      (m) => m.slice(0, m.indexOf('  GetVersion:')),
      'operations.GetVersion: the WSDL declares this operation and the mapping does not map it (map it, or answer it with call: fixed)',
    ],
    [
      'an operation the WSDL does not have',
      (m) => `${m}  SendMms:\n    call: fixed\n    answer: {}\n`,
      'operations.SendMms: the WSDL has no such operation (it has SendSms, GetBalance, GetReport, GetReply, CheckContent, GetVersion)',
    ],
    [
      'no code for the other reasons',
      (m) => m.replace('  other: "-10"\n', ''),
      'codes: must give "other", the code for every reason not listed',
    ],
    [
      'an unclosed placeholder',
      (m) => m.replace('"{balance}"', '"{balance"'),
      'operations.GetBalance.answer.GetBalanceResult: unclosed "{" at character 1 (write "{{" for a literal brace)',
    ],
    [
      'items on an element that does not repeat',
      (m) => m.replace('      Code: "0"', '      Code: { items: { x: "{mobile}" } }'),
      'operations.GetReport.answer.Code.items: Code does not repeat in the WSDL (no maxOccurs above 1, nor one repeated child)',
    ],
  ];
  for (const [what, edit, message] of broken) {
    test(`refused: ${what}`, () => {
      const dir = writeVendorContract(edit);
      try {
        assert.throws(
          () => loadContract(dir),
          (err: Error) => err instanceof ConfigError && err.message === `${join(dir, 'contract.yaml')}: ${message}`,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('a WSDL saved with a byte-order mark loads', () => {
    const dir = writeVendorContract();
    try {
      writeFileSync(join(dir, 'service.wsdl'), `\uFEFF${VENDOR_WSDL}`);
      assert.deepEqual(
        loadContract(dir).operations.map((op) => op.wsdl.name),
        ['SendSms', 'GetBalance', 'GetReport', 'GetReply', 'CheckContent', 'GetVersion'],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a WSDL that is not one', () => {
    const dir = writeVendorContract();
    try {
      writeFileSync(join(dir, 'service.wsdl'), '<html><body>404</body></html>');
      assert.throws(() => loadContract(dir), {
        message: `${join(dir, 'service.wsdl')}: not a WSDL 1.1 document (no wsdl:definitions root)`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('a broken contract in the configuration stops the start with its message', async () => {
  const dir = writeVendorContract((m) => m.replace('"{balance}"', '"{balanse}"'));
  try {
    await assert.rejects(
      startTestGateway({
        config: `vendors:\n  sim:\n    type: simulator\nroute: [sim]\ncontracts:\n  - contract: ${dir}\n    path: /Service.asmx\n`,
      }),
      {
        message: `${join(dir, 'contract.yaml')}: operations.GetBalance.answer.GetBalanceResult: {balanse} is not a value of call: balance here (known: balance)`,
      },
    );
    writeFileSync(join(dir, 'contract.yaml'), VENDOR_MAPPING);
    await assert.rejects(
      startTestGateway({
        config: `vendors:\n  sim:\n    type: simulator\nroute: [sim]\ncontracts:\n  - contract: ${dir}\n    path: /services/userApi\n`,
      }),
      /the path \/services\/userApi is a built-in contract's/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The same vendor as Axis 1.x would have published it: rpc/encoded, parts unqualified, the answer typed. */
const RPC_WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions targetNamespace="urn:VendorSms" xmlns:impl="urn:VendorSms" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    xmlns:wsdlsoap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <wsdl:message name="getBalanceRequest"><wsdl:part name="user" type="xsd:string"/><wsdl:part name="pwd" type="xsd:string"/></wsdl:message>
  <wsdl:message name="getBalanceResponse"><wsdl:part name="getBalanceReturn" type="xsd:int"/></wsdl:message>
  <wsdl:portType name="VendorSms">
    <wsdl:operation name="getBalance" parameterOrder="user pwd">
      <wsdl:input message="impl:getBalanceRequest" name="getBalanceRequest"/>
      <wsdl:output message="impl:getBalanceResponse" name="getBalanceResponse"/>
    </wsdl:operation>
  </wsdl:portType>
  <wsdl:binding name="VendorSmsSoapBinding" type="impl:VendorSms">
    <wsdlsoap:binding style="rpc" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="getBalance">
      <wsdlsoap:operation soapAction=""/>
      <wsdl:input name="getBalanceRequest"><wsdlsoap:body encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" namespace="urn:VendorSms" use="encoded"/></wsdl:input>
      <wsdl:output name="getBalanceResponse"><wsdlsoap:body encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" namespace="urn:VendorSms" use="encoded"/></wsdl:output>
    </wsdl:operation>
  </wsdl:binding>
  <wsdl:service name="VendorSmsService">
    <wsdl:port binding="impl:VendorSmsSoapBinding" name="VendorSms"><wsdlsoap:address location="http://sms.vendor.example/services/VendorSms"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;

test('an rpc/encoded contract: called by position as Axis stubs call, answered typed in the soap:body namespace', async () => {
  const dir = writeVendorContract();
  writeFileSync(join(dir, 'service.wsdl'), RPC_WSDL);
  writeFileSync(
    join(dir, 'contract.yaml'),
    `codes: { badCredentials: 101, other: 199 }\noperations:\n  getBalance:\n    call: balance\n    inputs: { account: 0, password: { param: 1, transform: base64 } }\n    answer: { getBalanceReturn: "{balance}" }\n`,
  );
  const gw = await startTestGateway({
    config: `vendors:\n  sim:\n    type: simulator\nroute: [sim]\ncontracts:\n  - contract: ${dir}\n    path: /services/VendorSms\n`,
  });
  try {
    const call = async (password: string) => {
      const res = await fetch(`${gw.url}/services/VendorSms`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
        body: `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><ns1:getBalance soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="urn:VendorSms"><in0 xsi:type="xsd:string">demo</in0><in1 xsi:type="xsd:string">${Buffer.from(password).toString('base64')}</in1></ns1:getBalance></soapenv:Body></soapenv:Envelope>`,
      });
      const text = await res.text();
      return text.slice(text.indexOf('<soap:Body>') + 11, text.indexOf('</soap:Body>'));
    };
    assert.equal(
      await call('demo123'),
      '<ns1:getBalanceResponse xmlns:ns1="urn:VendorSms" soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><getBalanceReturn xsi:type="xsd:int">100000</getBalanceReturn></ns1:getBalanceResponse>',
    );
    assert.equal(
      await call('wrong'),
      '<ns1:getBalanceResponse xmlns:ns1="urn:VendorSms" soap:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><getBalanceReturn xsi:type="xsd:int">101</getBalanceReturn></ns1:getBalanceResponse>',
    );
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
