import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A contract a user would add for an old vendor, written by the test into a temporary folder: an
 * ASMX-shaped document/literal WSDL (qualified elements, SOAP 1.1 and 1.2 bindings, SOAPAction per
 * operation) and its mapping. SendSms takes the password's MD5 and a `|` separated number list and
 * answers a string (the batch id, or a negative code); GetBalance an int; GetReport an ArrayOfReport
 * of complex items; GetReply an XML document as a string; CheckContent an int (0, or the code of
 * the audit's refusal); GetVersion a fixed text.
 */
export const VENDOR_NS = 'http://sms.vendor.example/';

/** An element declaration as ASMX writes them; a string unless told. */
const el = (name: string, type = 's:string', min = 0, max = '1') =>
  `\n        <s:element minOccurs="${min}" maxOccurs="${max}" name="${name}" type="${type}"/>`;
/** A wrapper element: a complex type of these children in sequence. */
const wrapper = (name: string, ...children: string[]) =>
  `\n      <s:element name="${name}"><s:complexType><s:sequence>${children.join('')}\n      </s:sequence></s:complexType></s:element>`;
const CREDENTIALS = [el('account'), el('password')];

const SCHEMA = `
    <s:schema elementFormDefault="qualified" targetNamespace="${VENDOR_NS}">${[
      wrapper('SendSms', ...CREDENTIALS, el('mobiles'), el('content')),
      wrapper('SendSmsResponse', el('SendSmsResult')),
      wrapper('GetBalance', ...CREDENTIALS),
      wrapper('GetBalanceResponse', el('GetBalanceResult', 's:int', 1)),
      wrapper('GetReport', ...CREDENTIALS),
      wrapper('GetReportResponse', el('Code', 's:int', 1), el('GetReportResult', 'tns:ArrayOfReport')),
      wrapper('GetReply', ...CREDENTIALS),
      wrapper('GetReplyResponse', el('GetReplyResult')),
      wrapper('CheckContent', ...CREDENTIALS, el('content')),
      wrapper('CheckContentResponse', el('CheckContentResult', 's:int', 1)),
      wrapper('GetVersion'),
      wrapper('GetVersionResponse', el('GetVersionResult')),
    ].join('')}
      <s:complexType name="ArrayOfReport"><s:sequence>${el('Report', 'tns:Report', 0, 'unbounded')}
      </s:sequence></s:complexType>
      <s:complexType name="Report"><s:sequence>${[el('MsgId'), el('Mobile'), el('Status', 's:int', 1), el('Time')].join('')}
      </s:sequence></s:complexType>
    </s:schema>`;

const OPERATIONS = ['SendSms', 'GetBalance', 'GetReport', 'GetReply', 'CheckContent', 'GetVersion'];

const binding = (name: string, soap: string) => `
  <wsdl:binding name="${name}" type="tns:VendorSmsSoap">
    <${soap}:binding transport="http://schemas.xmlsoap.org/soap/http"/>${OPERATIONS.map(
      (op) => `
    <wsdl:operation name="${op}">
      <${soap}:operation soapAction="${VENDOR_NS}${op}" style="document"/>
      <wsdl:input><${soap}:body use="literal"/></wsdl:input>
      <wsdl:output><${soap}:body use="literal"/></wsdl:output>
    </wsdl:operation>`,
    ).join('')}
  </wsdl:binding>`;

export const VENDOR_WSDL = `<?xml version="1.0" encoding="utf-8"?>
<wsdl:definitions xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/"
    xmlns:s="http://www.w3.org/2001/XMLSchema" xmlns:tns="${VENDOR_NS}" xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/"
    targetNamespace="${VENDOR_NS}">
  <wsdl:types>${SCHEMA}
  </wsdl:types>${OPERATIONS.map(
    (op) => `
  <wsdl:message name="${op}SoapIn"><wsdl:part name="parameters" element="tns:${op}"/></wsdl:message>
  <wsdl:message name="${op}SoapOut"><wsdl:part name="parameters" element="tns:${op}Response"/></wsdl:message>`,
  ).join('')}
  <wsdl:portType name="VendorSmsSoap">${OPERATIONS.map(
    (op) => `
    <wsdl:operation name="${op}"><wsdl:input message="tns:${op}SoapIn"/><wsdl:output message="tns:${op}SoapOut"/></wsdl:operation>`,
  ).join('')}
  </wsdl:portType>${binding('VendorSmsSoap', 'soap')}${binding('VendorSmsSoap12', 'soap12')}
  <wsdl:service name="VendorSms">
    <wsdl:port name="VendorSmsSoap" binding="tns:VendorSmsSoap"><soap:address location="http://sms.vendor.example/Service.asmx"/></wsdl:port>
    <wsdl:port name="VendorSmsSoap12" binding="tns:VendorSmsSoap12"><soap12:address location="http://sms.vendor.example/Service.asmx"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;

/** The vendor's codes, as its manual would list them. */
export const VENDOR_CODES = {
  badCredentials: '-1',
  insufficientBalance: '-2',
  noValidMobile: '-3',
  forbiddenWord: '-4',
  tooManyMobiles: '-5',
  internal: '-9',
  other: '-10',
} as const;

export const VENDOR_MAPPING = `# The mapping of the test vendor's Service.asmx onto the gateway's core.
codes:
${Object.entries(VENDOR_CODES)
  .map(([reason, code]) => `  ${reason}: "${code}"`)
  .join('\n')}
operations:
  SendSms:
    call: send
    inputs:
      account: account
      password: { param: password, transform: md5 }
      mobiles: { param: 2, separator: "|" }
      content: content
    answer:
      SendSmsResult: "{batchId}"
  GetBalance:
    call: balance
    inputs: { account: account, password: { param: password, transform: md5 } }
    answer:
      GetBalanceResult: "{balance}"
  GetReport:
    call: reports
    inputs: { account: account, password: { param: password, transform: md5 } }
    statuses: { delivered: "1", failed: "2", unknown: "0" }
    answer:
      GetReportResult:
        items: { Mobile: "{mobile}", MsgId: "{batchId}", Status: "{status}", Time: "{reportTime:yyyyMMddHHmmss}" }
      Code: "0"
    refused:
      Code: "{code}"
  GetReply:
    call: replies
    inputs: { account: account, password: { param: password, transform: md5 } }
    answer:
      GetReplyResult:
        before: "<replies>"
        each: "<reply><mobile>{mobile}</mobile><content>{content}</content><time>{receivedAt}</time></reply>"
        after: "</replies>"
        escape: xml
  CheckContent:
    call: audit
    inputs: { account: account, password: { param: password, transform: md5 }, content: content }
    answer:
      CheckContentResult: "0"
  GetVersion:
    call: fixed
    answer:
      GetVersionResult: "VendorSms 2.1"
`;

/** Writes the contract into a new temporary folder (with `edit` applied to the mapping) and returns the folder. */
export function writeVendorContract(edit: (mapping: string) => string = (m) => m): string {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-contract-'));
  writeFileSync(join(dir, 'service.wsdl'), VENDOR_WSDL);
  writeFileSync(join(dir, 'contract.yaml'), edit(VENDOR_MAPPING));
  return dir;
}
