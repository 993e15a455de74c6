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
import { Send } from '../../entities';
import { AXIS_JARS, missingJavaTools } from './java';
import { LEGACY_ACCOUNTS, OPENING_BALANCE, rawAnswerToReplies, runAxisCaller, startContractGateway } from './contracts/legacyContract';
import { skipOrFail } from './run';

const ENDPOINT = '/MWGate/wmgw.asmx';
const NS = 'http://tempuri.org/';
const TEXT = '验证码1234【测试】';
const BATCH_ID = /^\d{20}$/;

test('Axis 1.4 stubs call the Montnets contract: the three sends, reports, replies, balance, vendor codes', {
  timeout: 300_000,
}, async (t) => {
  const missing = await missingJavaTools(AXIS_JARS, 'libaxis-java');
  if (missing) return skipOrFail(t, missing);
  const gw = await startContractGateway('montnets', ENDPOINT);
  try {
    await gw.injectReply({ mobile: '13900000009', content: 'TD, <退订> & 好', username: LEGACY_ACCOUNTS.user });
    const endpoint = gw.url + ENDPOINT;
    const one = await runAxisCaller(
      `${endpoint}?wsdl`,
      endpoint,
      'montnets',
      path.join(__dirname, 'contracts', 'montnets', 'MontnetsAxisMain.java'),
    );

    assert.equal(one('balanceBefore'), String(OPENING_BALANCE));
    const batches = [one('send')!, one('sendSubmit')!, one('sendEx')!];
    for (const batchId of batches) assert.match(batchId, BATCH_ID, 'the message id: the 20-digit batch id');
    const { id: accountId } = await gw.account(LEGACY_ACCOUNTS.user);
    const rows = await gw.db.getRepository(Send).find({ where: { accountId }, order: { ID: 'ASC' } });
    assert.deepEqual(
      rows.map((row) => [row.batchId, row.infoto, row.content]),
      [
        [batches[0], '13800000001', TEXT],
        [batches[0], '13800000002', TEXT],
        [batches[1], '13800000003', TEXT],
        [batches[2], '13800000004', TEXT],
      ],
    );
    const reports = one('reports')!
      .split(';')
      .map((item) => item.split(','));
    assert.deepEqual(
      reports.map(([, , batchId, star, status, code]) => [batchId, star, status, code]).sort(),
      [
        [batches[0], '*', '0', 'DELIVRD'],
        [batches[0], '*', '0', 'DELIVRD'],
        [batches[1], '*', '0', 'DELIVRD'],
        [batches[2], '*', '0', 'DELIVRD'],
      ].sort(),
      '日期,时间,信息编号,*,状态,状态详细信息 with 0 received',
    );
    for (const [date, time] of reports) {
      assert.match(date!, /^\d{4}-\d\d-\d\d$/);
      assert.match(time!, /^\d\d:\d\d:\d\d$/);
    }
    // None left: an empty ArrayOfString (the vendor documents null; a caller looping over it sees none either way)
    assert.equal(one('reportsAgain'), '', 'reports are handed out once');
    assert.match(one('replies')!, /^\d{4}-\d\d-\d\d,\d\d:\d\d:\d\d,13900000009,[^,]*,\*,TD, <退订> & 好$/);
    assert.equal(one('deliver'), null);

    assert.equal(one('balanceAfter'), String(OPENING_BALANCE - 4));
    assert.equal(one('wrongPasswordSend'), '-1');
    assert.equal(one('wrongPasswordBalance'), '-1');
    assert.equal(one('emptyBalance'), '-10003');
    assert.equal(one('badNumber'), '-12');
    assert.equal(one('forbiddenWord'), '-10033');
    assert.equal(one('multix'), '-10008');
  } finally {
    await gw.stop();
  }
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
