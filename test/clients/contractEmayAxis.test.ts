/**
 * The built-in Emay (亿美) SDKService contract, served by a real gateway from its configuration at
 * the vendor's path, called by the vendor's kind of caller: Apache Axis 1.4 WSDL2Java stubs generated
 * from the served `?wsdl` (test/clients/contracts/emay/EmayAxisMain.java). registEx, send (rows
 * checked in `send`), both reports once, an injected reply, the balance as a double, and the vendor's
 * codes for a wrong key, an empty balance, a bad number and a schedule not in yyyyMMddHHmmss. Then one
 * answer's bytes on the wire: the unqualified `return` children of the WSDL.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { EMAY } from './contracts/emayCaller';
import { axisCaller, callThroughGateway, LEGACY_ACCOUNTS, rawAnswerToReplies } from './contracts/legacyContract';
import { AXIS_JARS, missingJavaTools } from './java';
import { skipOrFail } from './run';

const ENDPOINT = EMAY.endpoint;
const NS = 'http://sdkhttp.eucp.b2m.cn/';

test('Axis 1.4 stubs call the Emay contract: registEx, sendSMS, getReport, getMO, getBalance, vendor codes', {
  timeout: 300_000,
}, async (t) => {
  const missing = await missingJavaTools(AXIS_JARS, 'libaxis-java');
  if (missing) return skipOrFail(t, missing);
  await callThroughGateway(EMAY, axisCaller('emay', path.join(__dirname, 'contracts', 'emay', 'EmayAxisMain.java')));
});

test('the Emay answer on the wire: the wrapper in the WSDL namespace, the return children unqualified', async () => {
  const answer = await rawAnswerToReplies(
    'emay',
    ENDPOINT,
    { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' },
    `<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns1:getMO xmlns:ns1="${NS}"><arg0>${LEGACY_ACCOUNTS.user}</arg0><arg1>${LEGACY_ACCOUNTS.password}</arg1></ns1:getMO></soapenv:Body></soapenv:Envelope>`,
  );
  assert.equal(answer.status, 200);
  assert.match(
    answer.text,
    new RegExp(
      `^<\\?xml version="1.0" encoding="utf-8"\\?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><ns1:getMOResponse xmlns:ns1="${NS}"><return><addSerial></addSerial><addSerialRev></addSerialRev><channelnumber>[^<]*</channelnumber><mobileNumber>13900000009</mobileNumber><sentTime>20\\d{12}</sentTime><smsContent>好</smsContent></return></ns1:getMOResponse></soap:Body></soap:Envelope>$`,
    ),
  );
});
