/**
 * The built-in Montnets (梦网) wmgw.asmx contract, served by a real gateway from its configuration at
 * the vendor's path, called by the vendor's kind of caller: Apache Axis 1.4 WSDL2Java stubs generated
 * from the served `?wsdl` (test/clients/contracts/montnets/MontnetsAxisMain.java, SOAP 1.1). The three
 * sends (rows checked in `send`), their reports once as ArrayOfString items, an injected reply, the
 * balance, and the vendor's codes for a wrong password, an empty balance, a bad number, a forbidden word
 * and MULTIXSend. Then one answer's bytes on the wire over SOAP 1.2: qualified `<op>Result` and `string`.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { MONTNETS } from './contracts/montnetsCaller';
import { axisCaller, callThroughGateway, LEGACY_ACCOUNTS, rawAnswerToReplies } from './contracts/legacyContract';
import { AXIS_JARS, missingJavaTools } from './java';
import { skipOrFail } from './run';

const ENDPOINT = MONTNETS.endpoint;
const NS = 'http://tempuri.org/';

test('Axis 1.4 stubs call the Montnets contract: the three sends, reports, replies, balance, vendor codes', {
  timeout: 300_000,
}, async (t) => {
  const missing = await missingJavaTools(AXIS_JARS, 'libaxis-java');
  if (missing) return skipOrFail(t, missing);
  await callThroughGateway(MONTNETS, axisCaller('montnets', path.join(__dirname, 'contracts', 'montnets', 'MontnetsAxisMain.java')));
});

test('the Montnets answer on the wire, SOAP 1.2: qualified <op>Result and ArrayOfString string items', async () => {
  const answer = await rawAnswerToReplies(
    'montnets',
    ENDPOINT,
    { 'content-type': `application/soap+xml; charset=utf-8; action="${NS}MongateCsGetSmsExEx"` },
    `<?xml version="1.0" encoding="utf-8"?><soap12:Envelope xmlns:soap12="http://www.w3.org/2003/05/soap-envelope"><soap12:Body><MongateCsGetSmsExEx xmlns="${NS}"><userId>${LEGACY_ACCOUNTS.user}</userId><password>${LEGACY_ACCOUNTS.password}</password></MongateCsGetSmsExEx></soap12:Body></soap12:Envelope>`,
  );
  assert.equal(answer.contentType, 'application/soap+xml; charset=utf-8');
  assert.match(
    answer.text,
    new RegExp(
      `^<\\?xml version="1.0" encoding="utf-8"\\?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><ns1:MongateCsGetSmsExExResponse xmlns:ns1="${NS}"><ns1:MongateCsGetSmsExExResult><ns1:string>\\d{4}-\\d\\d-\\d\\d,\\d\\d:\\d\\d:\\d\\d,13900000009,[^,<]*,\\*,好</ns1:string></ns1:MongateCsGetSmsExExResult></ns1:MongateCsGetSmsExExResponse></soap:Body></soap:Envelope>$`,
    ),
  );
});
