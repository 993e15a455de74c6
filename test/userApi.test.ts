import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { Account, BalanceLedger, Report, Send, SendStatus } from '../entities';
import { inTransaction } from '../src/db/transaction';
import { DIALECTS, startTestGateway, type TestGateway } from './support/gateway';
import { B64, call, DEMO_AUTH, docLiteral, gbk, getWithHost, post, returnValue } from './support/soap';

const TWO = '13800138000,13900139000';
const CONTENT = '验证码123456【测试】';

async function balances(gw: TestGateway, username = 'demo') {
  const a = await gw.account(username);
  return [a.balanceCard, a.balanceGateway, a.balanceMember];
}

async function counts(gw: TestGateway) {
  return {
    sends: await gw.db.getRepository(Send).count(),
    ledger: await gw.db.getRepository(BalanceLedger).count(),
    reports: await gw.db.getRepository(Report).count(),
  };
}

for (const dialect of DIALECTS) {
  describe(`userApi on ${dialect}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway({ dialect });
    });
    after(async () => {
      await gw?.stop();
    });

    test('the full loop: send, reports once, reply once, balances', async () => {
      const sent = await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 1, content: CONTENT, mobile: TWO, isLongSms: 0 });
      assert.match(sent, /^success;\d{20}$/);
      const batchId = sent.split(';')[1];
      assert.equal(await call(gw.serviceUrl, 'getRestMoney', DEMO_AUTH), 'memberSmsNum=100000;gateSmsNum=99998;kaSmsNum=100000');

      await gw.waitForReports(2);
      const report = await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH);
      const items = [
        ...report.matchAll(
          /<psreport><mobile>(\d+)<\/mobile><username>demo<\/username><smslogid>(\d+)<\/smslogid><status>(\d)<\/status><sendtime>(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,3})<\/sendtime><\/psreport>/g,
        ),
      ];
      assert.ok(report.startsWith('<?xml version="1.0" encoding="utf-8"?><smsreport><psreport>'), report);
      assert.ok(report.endsWith('</psreport></smsreport>'), report);
      assert.deepEqual(items.map((m) => m[1]).sort(), ['13800138000', '13900139000']);
      assert.ok(items.every((m) => m[2] === batchId && m[3] === '1'));
      assert.equal(await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH), '<?xml version="1.0" encoding="utf-8"?><smsreport></smsreport>');

      const rows = await gw.db.getRepository(Send).findBy({ batchId });
      assert.equal(rows.length, 2);
      for (const row of rows) {
        assert.equal(row.STATUS, SendStatus.delivered);
        assert.equal(row.content, CONTENT);
        assert.equal(row.contentsize, CONTENT.length);
        assert.equal(row.infotype, 8);
        assert.equal(row.vendor, 'simulator');
        assert.equal(row.reportStatus, 'DELIVRD');
        assert.equal(row.msgType, 1);
      }

      await gw.injectReply({ mobile: '13800138000', content: '你谁啊?', username: 'demo' });
      const recv = await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH);
      assert.match(
        recv,
        /^<\?xml version="1\.0" encoding="utf-8"\?><smsrerecv><psrerecv><mobile>13800138000<\/mobile><receiver>demo<\/receiver><content>xOPLrbChPw==<\/content><sendtime>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,3}<\/sendtime><\/psrerecv><\/smsrerecv>$/,
      );
      assert.equal(await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH), '<?xml version="1.0" encoding="utf-8"?><smsrerecv></smsrerecv>');

      const ledger = await gw.db.getRepository(BalanceLedger).findOneByOrFail({ businessNumber: batchId });
      assert.deepEqual([ledger.pool, ledger.original, ledger.amount, ledger.remaining, ledger.business], [1, 100000, -2, 99998, 'send']);
    });

    test('a reply with no account named goes to the account that last sent to the number', async () => {
      await gw.injectReply({ mobile: '13900139000', content: '好的' });
      assert.match(
        await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH),
        /<mobile>13900139000<\/mobile><receiver>demo<\/receiver><content>usO1xA==<\/content>/,
      );
    });

    test('each pool is charged segments × numbers; long messages cost 67 characters a part', async () => {
      const before = await balances(gw);
      const text = '长'.repeat(140);
      assert.match(
        await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 0, content: text, mobile: TWO, isLongSms: 1 }),
        /^success;/,
      );
      assert.match(
        await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 2, content: text, mobile: '13800138000', isLongSms: 0 }),
        /^success;/,
      );
      assert.deepEqual(await balances(gw), [before[0]! - 6, before[1], before[2]! - 2]);
      assert.equal(
        await call(gw.serviceUrl, 'getRestMoney', DEMO_AUTH),
        `memberSmsNum=${before[2]! - 2};gateSmsNum=${before[1]};kaSmsNum=${before[0]! - 6}`,
      );
    });

    test('Chinese and astral content is stored byte for byte', async () => {
      const text = '尊敬的客户𠀀😀：您的验证码为 <123&456>，请勿泄露。';
      const sent = await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 1, content: text, mobile: '13800138000', isLongSms: 0 });
      const row = await gw.db.getRepository(Send).findOneByOrFail({ batchId: sent.split(';')[1] });
      assert.equal(Buffer.from(row.content).toString('hex'), Buffer.from(text).toString('hex'));
    });

    test('numbers: duplicates merged, invalid ones stored as failed and reported, not charged', async () => {
      await gw.waitForReports(0);
      await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH); // drain
      const before = await balances(gw);
      const sent = await call(gw.serviceUrl, 'sendSms', {
        ...DEMO_AUTH,
        smstype: 1,
        content: 'x',
        mobile: '13800138000, 0-13800138000,abc,013900139000',
        isLongSms: 0,
      });
      const batchId = sent.split(';')[1]!;
      const rows = await gw.db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });
      assert.deepEqual(
        rows.map((r) => [r.infoto, r.charged, r.STATUS === SendStatus.failed]),
        [
          ['13800138000', 1, false],
          ['13900139000', 1, false],
          ['abc', 0, true],
        ],
      );
      assert.deepEqual(await balances(gw), [before[0], before[1]! - 2, before[2]]);
      const reportCount = await gw.db.getRepository(Report).count();
      await gw.waitForReports(reportCount + 2);
      const report = await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH);
      assert.match(
        report,
        new RegExp(`<psreport><mobile>abc</mobile><username>demo</username><smslogid>${batchId}</smslogid><status>0</status>`),
      );
    });

    test('every refusal answers failure;<reason> and charges and stores nothing', async () => {
      await gw.core.accounts.create('poor', 'poor123', { 1: 1 });
      const cases: [Record<string, string | number>, string][] = [
        [
          { username: 'nobody', password: B64('demo123'), smstype: 1, content: 'x', mobile: '13800138000', isLongSms: 0 },
          'failure;用户名或密码错误',
        ],
        [
          { username: 'demo', password: B64('wrong'), smstype: 1, content: 'x', mobile: '13800138000', isLongSms: 0 },
          'failure;用户名或密码错误',
        ],
        [
          { username: 'demo', password: 'demo123', smstype: 1, content: 'x', mobile: '13800138000', isLongSms: 0 },
          'failure;用户名或密码错误',
        ],
        [{ ...DEMO_AUTH, smstype: 3, content: 'x', mobile: '13800138000', isLongSms: 0 }, 'failure;短信类型错误'],
        [{ ...DEMO_AUTH, smstype: 'a', content: 'x', mobile: '13800138000', isLongSms: 0 }, 'failure;短信类型错误'],
        [{ ...DEMO_AUTH, smstype: 1, content: '', mobile: '13800138000', isLongSms: 0 }, 'failure;短信内容不能为空'],
        [{ ...DEMO_AUTH, smstype: 1, content: '   ', mobile: '13800138000', isLongSms: 0 }, 'failure;短信内容不能为空'],
        [{ ...DEMO_AUTH, smstype: 1, content: '字'.repeat(1006), mobile: '13800138000', isLongSms: 1 }, 'failure;短信内容过长'],
        [{ ...DEMO_AUTH, smstype: 1, content: 'x', mobile: '', isLongSms: 0 }, 'failure;手机号码不能为空'],
        [{ ...DEMO_AUTH, smstype: 1, content: 'x', mobile: 'abc,123,0371-86687083', isLongSms: 0 }, 'failure;没有有效的手机号码'],
        [
          {
            ...DEMO_AUTH,
            smstype: 1,
            content: 'x',
            mobile: Array.from({ length: 20001 }, (_, i) => String(13000000000 + i)).join(','),
            isLongSms: 0,
          },
          'failure;手机号码数量超过20000个',
        ],
        [{ username: 'poor', password: B64('poor123'), smstype: 1, content: 'x', mobile: TWO, isLongSms: 0 }, 'failure;余额不足'],
        [{ username: 'poor', password: B64('poor123'), smstype: 0, content: 'x', mobile: '13800138000', isLongSms: 0 }, 'failure;余额不足'],
      ];
      const before = await counts(gw);
      const demoBefore = await balances(gw);
      for (const [params, expected] of cases) {
        assert.equal(await call(gw.serviceUrl, 'sendSms', params), expected, JSON.stringify(params).slice(0, 200));
      }
      for (const op of ['getRestMoney', 'getSmsReport', 'getRecvSMS']) {
        assert.equal(await call(gw.serviceUrl, op, { username: 'demo', password: B64('nope') }), 'failure;用户名或密码错误');
      }
      assert.deepEqual(await counts(gw), before);
      assert.deepEqual(await balances(gw), demoBefore);
      assert.deepEqual(await balances(gw, 'poor'), [0, 1, 0]);
    });

    test('20,000 numbers in one call are accepted and stored in one transaction', async () => {
      const mobiles = Array.from({ length: 20000 }, (_, i) => String(13000000000 + i)).join(',');
      const before = await balances(gw);
      const sent = await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 2, content: 'bulk', mobile: mobiles, isLongSms: 0 });
      assert.match(sent, /^success;\d{20}$/);
      assert.equal(await gw.db.getRepository(Send).countBy({ batchId: sent.split(';')[1] }), 20000);
      assert.equal((await balances(gw))[2], before[2]! - 20000);
    });
  });
}

describe('userApi wire tolerance', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({ env: { MAX_BODY_BYTES: String(256 * 1024) } });
  });
  after(async () => {
    await gw?.stop();
  });

  const axisSendSms = (ns: string) =>
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>' +
    `<ns1:sendSms soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xmlns:ns1="${ns}">` +
    '<in0 xsi:type="xsd:string">demo</in0><in1 xsi:type="xsd:string">ZGVtbzEyMw==</in1><in2 href="#id0"/><in3 xsi:type="xsd:string">旧系统</in3><in4 xsi:type="xsd:string">13800138000</in4><in5 href="#id1"/></ns1:sendSms>' +
    '<multiRef id="id0" soapenc:root="0" soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xsi:type="xsd:int" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">1</multiRef>' +
    '<multiRef id="id1" soapenc:root="0" soapenv:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/" xsi:type="xsd:int" xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/">0</multiRef>' +
    '</soapenv:Body></soapenv:Envelope>';

  test('an Axis 1.4 rpc/encoded call with in0…in5 and multiRef gets the rpc answer in its own namespace', async () => {
    const res = await post(gw.serviceUrl, axisSendSms('http://webservice.sms.oldvendor'), { soapaction: '""' });
    assert.equal(res.status, 200);
    assert.equal(res.contentType, 'text/xml; charset=utf-8');
    assert.match(
      res.body,
      /^<\?xml version="1\.0" encoding="utf-8"\?><soap:Envelope xmlns:soap="http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\/" xmlns:xsd="http:\/\/www\.w3\.org\/2001\/XMLSchema" xmlns:xsi="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance"><soap:Body><ns1:sendSmsResponse xmlns:ns1="http:\/\/webservice\.sms\.oldvendor" soap:encodingStyle="http:\/\/schemas\.xmlsoap\.org\/soap\/encoding\/"><sendSmsReturn xsi:type="xsd:string">success;\d{20}<\/sendSmsReturn><\/ns1:sendSmsResponse><\/soap:Body><\/soap:Envelope>$/,
    );
    const row = await gw.db.getRepository(Send).findOneByOrFail({ batchId: returnValue(res.body).split(';')[1] });
    assert.equal(row.content, '旧系统');
    assert.equal(row.msgType, 1);
    assert.equal(row.hostname, '127.0.0.1', 'the caller address, as legacy reports show it');
  });

  test('any SOAPAction, or none, reaches the operation in the body', async () => {
    for (const headers of [
      {} as Record<string, string>,
      { soapaction: '' },
      { soapaction: '"http://userapi.ws.smsgateway/getRestMoney"' },
      { soapaction: 'whatever' },
    ]) {
      const res = await post(gw.serviceUrl, docLiteral('getRestMoney', DEMO_AUTH), headers);
      assert.equal(res.status, 200);
      assert.match(returnValue(res.body), /^memberSmsNum=\d+;gateSmsNum=\d+;kaSmsNum=\d+$/);
    }
  });

  test('SOAP 1.2 is answered in SOAP 1.2', async () => {
    const body = docLiteral('getRestMoney', DEMO_AUTH).replace(
      'http://schemas.xmlsoap.org/soap/envelope/',
      'http://www.w3.org/2003/05/soap-envelope',
    );
    const res = await post(gw.serviceUrl, body, { 'content-type': 'application/soap+xml; charset=utf-8; action="getRestMoney"' });
    assert.equal(res.status, 200);
    assert.equal(res.contentType, 'application/soap+xml; charset=utf-8');
    assert.match(
      res.body,
      /<soap:Envelope xmlns:soap="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope"[^>]*><soap:Body><ns1:getRestMoneyResponse xmlns:ns1="http:\/\/userapi\.ws\.smsgateway"><ns1:getRestMoneyReturn>memberSmsNum=/,
    );
  });

  test('GBK request bodies, by Content-Type or by the XML declaration', async () => {
    const text = '您好，明天下午三点开会';
    for (const [xml, contentType] of [
      [docLiteral('sendSms', { ...DEMO_AUTH, smstype: 1, content: text, mobile: '13800138000', isLongSms: 0 }), 'text/xml; charset=GBK'],
      [
        docLiteral('sendSms', { ...DEMO_AUTH, smstype: 1, content: text, mobile: '13800138000', isLongSms: 0 }).replace(
          'encoding="utf-8"',
          'encoding="GB2312"',
        ),
        'text/xml',
      ],
    ] as const) {
      const res = await post(gw.serviceUrl, gbk(xml), { 'content-type': contentType });
      const sent = returnValue(res.body);
      assert.match(sent, /^success;/);
      assert.equal((await gw.db.getRepository(Send).findOneByOrFail({ batchId: sent.split(';')[1] })).content, text);
    }
  });

  test('the WSDL answers ?wsdl in any case, with the address the caller used or PUBLIC_URL', async () => {
    for (const q of ['wsdl', 'WSDL', 'Wsdl']) {
      const { status, body: text } = await getWithHost(`${gw.serviceUrl}?${q}`, 'sms.example.com:9003');
      assert.equal(status, 200);
      assert.match(text, /<soap:address location="http:\/\/sms\.example\.com:9003\/services\/userApi"\/>/);
      assert.match(text, /<soap12:address location="http:\/\/sms\.example\.com:9003\/services\/userApi"\/>/);
    }
    const other = await startTestGateway({ env: { PUBLIC_URL: 'https://sms.example.net/gw/' } });
    try {
      assert.match(await (await fetch(other.wsdlUrl)).text(), /location="https:\/\/sms\.example\.net\/gw\/services\/userApi"/);
    } finally {
      await other.stop();
    }
  });

  const assertFault = (res: { status: number; body: string; contentType: string }, pattern: RegExp) => {
    assert.equal(res.status, 500, res.body);
    assert.equal(res.contentType, 'text/xml; charset=utf-8');
    assert.match(res.body, /<soap:Fault><faultcode>soap:Client<\/faultcode><faultstring>[^<]+<\/faultstring><\/soap:Fault>/);
    assert.match(res.body, pattern);
    assert.doesNotMatch(res.body, /\bat .*\.(js|ts):\d+|TypeError|node_modules/);
  };

  test('malformed XML, an unknown operation, a non-SOAP body: a SOAP fault, never a trace', async () => {
    assertFault(
      await post(gw.serviceUrl, '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><sendSms>'),
      /malformed XML/,
    );
    assertFault(
      await post(gw.serviceUrl, docLiteral('deleteEverything', DEMO_AUTH)),
      /unknown operation deleteEverything; this service has sendSms, getRestMoney, getSmsReport, getRecvSMS/,
    );
    assertFault(await post(gw.serviceUrl, 'hello'), /malformed XML/);
    assertFault(await post(gw.serviceUrl, '<a/>'), /not a SOAP envelope/);
    const soap12 = await post(gw.serviceUrl, '<x', { 'content-type': 'application/soap+xml' });
    assert.equal(soap12.status, 500);
    assert.match(soap12.body, /<soap:Value>soap:Sender<\/soap:Value>/);
  });

  test('external entities and entity expansion are refused', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
      docLiteral('getRestMoney', { username: '&xxe;', password: 'x' }).replace(/^<\?xml[^>]*\?>/, '');
    const res = await post(gw.serviceUrl, xxe);
    assertFault(res, /DOCTYPE is not allowed/);
    assert.doesNotMatch(res.body, /root:/);
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><getRestMoney><username>&lol2;</username></getRestMoney></soap:Body></soap:Envelope>';
    assertFault(await post(gw.serviceUrl, bomb), /DOCTYPE is not allowed/);
  });

  test('a body over the size limit gets 413 and a fault', async () => {
    const res = await post(
      gw.serviceUrl,
      docLiteral('sendSms', { ...DEMO_AUTH, smstype: 1, content: 'x'.repeat(300 * 1024), mobile: '13800138000', isLongSms: 0 }),
    );
    assert.equal(res.status, 413);
    assert.match(res.body, /<faultstring>request body larger than 262144 bytes<\/faultstring>/);
  });

  test('concurrent polls hand each report out exactly once', async () => {
    await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH);
    const mobiles = Array.from({ length: 50 }, (_, i) => String(15000000000 + i));
    // Counted before the send: the simulator may report within milliseconds of the answer.
    const { id } = await gw.account();
    const already = await gw.db.getRepository(Report).countBy({ accountId: id });
    assert.match(
      await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 1, content: 'x', mobile: mobiles.join(','), isLongSms: 0 }),
      /^success;/,
    );
    await gw.waitForReports(already + 50);
    const answers = await Promise.all(Array.from({ length: 6 }, () => call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH)));
    const seen = answers.flatMap((a) => [...a.matchAll(/<mobile>(\d+)<\/mobile>/g)].map((m) => m[1]));
    assert.deepEqual(seen.sort(), mobiles.sort());
  });

  test('when the gateway itself fails the caller gets the legacy "try later", not a fault', async () => {
    const broken = await startTestGateway();
    try {
      assert.equal((await fetch(`${broken.url}/healthz`)).status, 200);
      await broken.db.destroy();
      assert.deepEqual(await (await fetch(`${broken.url}/healthz`)).json(), { status: 'unavailable', reason: 'database unreachable' });
      const res = await post(
        broken.serviceUrl,
        docLiteral('sendSms', { ...DEMO_AUTH, smstype: 1, content: 'x', mobile: '13800138000', isLongSms: 0 }),
      );
      assert.equal(res.status, 200);
      assert.equal(returnValue(res.body), 'failure;系统繁忙,请稍后再试');
    } finally {
      await broken.stop();
    }
  });

  test('a message the vendor never reports on is reported unknown (2) once, and a late report still counts', async () => {
    const silent = await startTestGateway({ simulator: { delayMs: 3_600_000 }, env: { REPORT_TIMEOUT_MS: '300' } });
    try {
      const sent = await call(silent.serviceUrl, 'sendSms', {
        ...DEMO_AUTH,
        smstype: 1,
        content: 'x',
        mobile: '13800138000',
        isLongSms: 0,
      });
      await silent.waitForReports(1);
      const batchId = sent.split(';')[1];
      assert.match(
        await call(silent.serviceUrl, 'getSmsReport', DEMO_AUTH),
        new RegExp(`<smslogid>${batchId}</smslogid><status>2</status>`),
      );
      await new Promise((r) => setTimeout(r, 700));
      assert.equal(
        await call(silent.serviceUrl, 'getSmsReport', DEMO_AUTH),
        '<?xml version="1.0" encoding="utf-8"?><smsreport></smsreport>',
        'told once',
      );
      const row = await silent.db.getRepository(Send).findOneByOrFail({ batchId });
      assert.deepEqual([row.STATUS, row.reportStatus], [SendStatus.submitted, 'TIMEOUT']);
      assert.equal(
        await silent.core.reports.record({
          vendor: 'simulator',
          vendorMsgId: row.vendorMsgId!,
          mobile: row.infoto,
          status: 'delivered',
          code: 'DELIVRD',
          at: new Date(),
        }),
        'applied',
      );
      assert.match(
        await call(silent.serviceUrl, 'getSmsReport', DEMO_AUTH),
        new RegExp(`<smslogid>${batchId}</smslogid><status>1</status>`),
      );
    } finally {
      await silent.stop();
    }
  });

  test('a disabled account and an IP allow-list refuse in the legacy format', async () => {
    await gw.core.accounts.create('locked', 'pw');
    await gw.db.getRepository(Account).update({ username: 'locked' }, { enabled: 0 });
    assert.equal(await call(gw.serviceUrl, 'getRestMoney', { username: 'locked', password: B64('pw') }), 'failure;账号已停用');
    await gw.core.accounts.create('fenced', 'pw');
    await gw.db.getRepository(Account).update({ username: 'fenced' }, { ipAllow: '10.1.1.1' });
    assert.equal(await call(gw.serviceUrl, 'getRestMoney', { username: 'fenced', password: B64('pw') }), 'failure;IP地址不在白名单内');
    const spoofed = await post(gw.serviceUrl, docLiteral('getRestMoney', { username: 'fenced', password: B64('pw') }), {
      'x-forwarded-for': '10.1.1.1',
    });
    assert.equal(returnValue(spoofed.body), 'failure;IP地址不在白名单内', 'X-Forwarded-For is not believed unless TRUST_PROXY is set');
    await gw.db.getRepository(Account).update({ username: 'fenced' }, { ipAllow: '10.1.1.1, 127.0.0.1' });
    assert.equal(
      await call(gw.serviceUrl, 'getRestMoney', { username: 'fenced', password: B64('pw') }),
      'memberSmsNum=0;gateSmsNum=0;kaSmsNum=0',
    );
  });
});

test('GBK helper sanity: the seed example decodes to 你谁啊?', () => {
  assert.equal(iconv.decode(Buffer.from('xOPLrbChPw==', 'base64'), 'gbk'), '你谁啊?');
});

test("on SQLite, writes never ride along in another caller's transaction that rolls back", async () => {
  // SQLite gives TypeORM one connection: a write issued while another caller's transaction is
  // open would join it, and that transaction's rollback would silently take the write with it.
  const gw = await startTestGateway();
  try {
    const demo = await gw.account();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const doomed = inTransaction(gw.db, async (m) => {
      await m.query('SELECT 1');
      entered();
      await held;
      throw new Error('rolled back');
    });
    await inside;
    const writes = Promise.all([
      gw.injectReply({ mobile: '13800138000', content: '回复', username: 'demo' }),
      gw.core.accounts.create('newcomer', 'pw', { 1: 5 }),
      gw.core.reports.fetch(demo.id),
    ]);
    await new Promise((r) => setTimeout(r, 50));
    release();
    await assert.rejects(doomed, /rolled back/);
    await writes;
    assert.match(await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH), /<content>u9i4tA==<\/content>/, 'the reply was kept');
    assert.equal(
      await call(gw.serviceUrl, 'getRestMoney', { username: 'newcomer', password: B64('pw') }),
      'memberSmsNum=0;gateSmsNum=5;kaSmsNum=0',
    );
  } finally {
    await gw.stop();
  }
});
