/**
 * A contract a user adds with no code: the test writes an old vendor's WSDL and a mapping into a
 * temporary folder, a real gateway serves it from its configuration file, and zeep (Debian's
 * python3-zeep), generated from the served `?wsdl`, sends, reads reports and replies, the balance
 * over SOAP 1.1 and 1.2, and the vendor's codes for a wrong password, an empty balance and a bad
 * number. Then one answer's bytes on the wire: the WSDL's namespace, qualification and child order.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Send } from '../../entities';
import { startTestGateway, type TestGateway } from '../support/gateway';
import { VENDOR_CODES, VENDOR_NS, writeVendorContract } from './contract/vendorSms';
import { anyExists, describeRun, run, skipOrFail } from './run';

const PYTHON = '/usr/bin/python3';
const CLIENT = path.join(__dirname, 'contract', 'zeep_client.py');
const PYENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' };
const ENDPOINT = '/VendorSms/Service.asmx';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** A gateway serving the written contract at ENDPOINT, with the simulator as its vendor. */
async function startVendorGateway(dir: string): Promise<TestGateway> {
  const gw = await startTestGateway({
    config: `vendors:\n  sim:\n    type: simulator\n    delayMs: 20\n    successRatio: 1\nroute: [sim]\ncontracts:\n  - contract: ${dir}\n    path: ${ENDPOINT}\n`,
  });
  // The vendor's clients send MD5(password): such an account holds that digest as its password (docs/contracts.md).
  await gw.core.accounts.create('erp', md5('secret'), { 1: 100 });
  await gw.core.accounts.create('broke', md5('secret'), { 1: 0 });
  await gw.core.audit.addWord('赌博');
  return gw;
}

test('zeep calls a contract written by the test: send, reports, replies, balance, vendor codes, SOAP 1.2', {
  timeout: 120_000,
}, async (t) => {
  if (!(await anyExists([PYTHON])) || (await run(PYTHON, ['-c', 'import zeep'], { env: PYENV })).code !== 0) {
    return skipOrFail(t, `zeep is missing from ${PYTHON}: install python3-zeep`);
  }
  const dir = writeVendorContract();
  const gw = await startVendorGateway(dir);
  try {
    await gw.injectReply({ mobile: '13900000009', content: 'TD <退订> & 好', username: 'erp' });
    const endpoint = gw.url + ENDPOINT;
    const r = await run(PYTHON, [CLIENT, `${endpoint}?wsdl`, endpoint], { env: PYENV, timeoutMs: 90_000 });
    assert.equal(r.code, 0, describeRun(r));
    const out = JSON.parse(r.stdout.toString('utf8'));

    assert.equal(out.version, 'VendorSms 2.1');
    assert.equal(out.balanceBefore, 100);
    assert.match(out.send, /^\d{18,20}$/, 'SendSms answers the batch id');
    const rows = await gw.db.getRepository(Send).find({ where: { batchId: out.send }, order: { ID: 'ASC' } });
    assert.deepEqual(
      rows.map((row) => [row.infoto, row.content]),
      [
        ['13800000001', '验证码1234【测试】'],
        ['13800000002', '验证码1234【测试】'],
      ],
    );
    assert.equal(out.reportCode, 0);
    assert.deepEqual(
      out.reports.map((rep: Record<string, unknown>) => [rep.MsgId, rep.Mobile, rep.Status]).sort(),
      [
        [out.send, '13800000001', 1],
        [out.send, '13800000002', 1],
      ],
      'both reports, delivered in the vendor word 1',
    );
    for (const rep of out.reports) assert.match(String(rep.Time), /^20\d{12}$/, 'Time in the mapping format yyyyMMddHHmmss');
    assert.equal(out.reportsAgain, null, 'reports are handed out once');
    assert.match(
      out.replies,
      /^<replies><reply><mobile>13900000009<\/mobile><content>TD &lt;退订&gt; &amp; 好<\/content><time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d<\/time><\/reply><\/replies>$/,
    );
    assert.equal(out.balanceAfter, 98);
    assert.equal(out.wrongPasswordSend, VENDOR_CODES.badCredentials);
    assert.equal(out.wrongPasswordBalance, Number(VENDOR_CODES.badCredentials));
    assert.equal(out.wrongPasswordReport.Code, Number(VENDOR_CODES.badCredentials));
    assert.equal(out.wrongPasswordReport.GetReportResult, null);
    assert.equal(out.emptyBalance, VENDOR_CODES.insufficientBalance);
    assert.equal(out.badNumber, VENDOR_CODES.noValidMobile);
    assert.equal(out.auditOk, 0);
    assert.equal(out.auditForbidden, Number(VENDOR_CODES.forbiddenWord), 'the audit refuses the forbidden word in the vendor code');
    assert.equal(out.balance12, 98, 'the SOAP 1.2 port, the MD5 in upper case');
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the answer on the wire: the WSDL namespace, qualified children in schema order, SOAP 1.1 and 1.2', async () => {
  const dir = writeVendorContract();
  const gw = await startVendorGateway(dir);
  try {
    const call = (version: '1.1' | '1.2', body: string) =>
      fetch(gw.url + ENDPOINT, {
        method: 'POST',
        headers:
          version === '1.1'
            ? { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${VENDOR_NS}GetReport"` }
            : { 'content-type': `application/soap+xml; charset=utf-8; action="${VENDOR_NS}GetReport"` },
        body: `<?xml version="1.0" encoding="utf-8"?><e:Envelope xmlns:e="${version === '1.1' ? 'http://schemas.xmlsoap.org/soap/envelope/' : 'http://www.w3.org/2003/05/soap-envelope'}"><e:Body>${body}</e:Body></e:Envelope>`,
      });
    // Asked without namespaces at all, as a hand-written client might: the answer is still the WSDL's shape.
    const wrong = await call('1.1', `<GetReport><account>erp</account><password>${md5('nope')}</password></GetReport>`);
    assert.equal(wrong.status, 200);
    assert.equal(wrong.headers.get('content-type'), 'text/xml; charset=utf-8');
    assert.equal(
      await wrong.text(),
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><ns1:GetReportResponse xmlns:ns1="${VENDOR_NS}"><ns1:Code>-1</ns1:Code></ns1:GetReportResponse></soap:Body></soap:Envelope>`,
    );
    const ok = await call(
      '1.2',
      `<GetBalance xmlns="${VENDOR_NS}"><account>erp</account><password>${md5('secret')}</password></GetBalance>`,
    );
    assert.equal(ok.headers.get('content-type'), 'application/soap+xml; charset=utf-8');
    assert.equal(
      await ok.text(),
      `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body><ns1:GetBalanceResponse xmlns:ns1="${VENDOR_NS}"><ns1:GetBalanceResult>100</ns1:GetBalanceResult></ns1:GetBalanceResponse></soap:Body></soap:Envelope>`,
    );
    const wsdl = await (await fetch(`${gw.url}${ENDPOINT}?wsdl`)).text();
    assert.ok(wsdl.includes(`<soap:address location="${gw.url}${ENDPOINT}"/>`), 'the address is rewritten to the gateway');
    assert.ok(wsdl.includes(`<soap12:address location="${gw.url}${ENDPOINT}"/>`));
    assert.ok(!wsdl.includes('sms.vendor.example/Service.asmx'), 'the vendor address is gone');
  } finally {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
