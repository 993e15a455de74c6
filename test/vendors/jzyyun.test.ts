import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { Send, SendStatus } from '../../entities';
import {
  isRetryableReason,
  jzyyun,
  mapReportStatus,
  parseBalance,
  parseReplies,
  parseReports,
  parseSendAnswer,
  servletUrl,
} from '../../src/vendors/jzyyun';
import { parseVendorTime, withSignature } from '../../src/vendors/common';
import { DIALECTS, type TestGateway } from '../support/gateway';
import { call, DEMO_AUTH } from '../support/soap';
import { FAKE_PASSWORD, FAKE_USERNAME, type JzyyunFake, startJzyyunFake } from './jzyyun/fake';
import {
  CHINESE_TEXT,
  fetchReplies,
  fetchReports,
  outbound,
  reportsUntil,
  sendSms,
  silentContext,
  startGatewayWith,
  vendorConfigs,
  waitFor,
} from './support';

const A = '13800138000';
const B = '13900139000';
/** CHINESE_TEXT in GBK, percent-encoded: 镕 E9 46 (0x46 is "F"), 【 A1 BE, 测 B2 E2, 试 CA D4, 】 A1 BF, 验证码 D1E9 D6A4 C2EB. */
const CONTENT_ON_THE_WIRE = '%E9F%A1%BE%B2%E2%CA%D4%A1%BF%D1%E9%D6%A4%C2%EB123456';
/** BASE64("secret1"). */
const PASSWORD_ON_THE_WIRE = 'c2VjcmV0MQ==';
const REPLY_TEXT = '收到，谢谢！镕';

/** Waits until the fake's report and reply queues were handed out and the poll after that came, so what they held is stored. */
async function drained(fake: JzyyunFake): Promise<void> {
  await waitFor(() => fake.reports.length === 0 && fake.replies.length === 0, 15_000, 'queues handed out');
  const reportPolls = fake.seen('getSmsReport').length;
  const replyPolls = fake.seen('getRecvSMS').length;
  await waitFor(
    () => fake.seen('getSmsReport').length >= reportPolls + 2 && fake.seen('getRecvSMS').length >= replyPolls + 2,
    15_000,
    'two more polls',
  );
}

// 1. The whole loop, for every configuration of this vendor (the typed adapter, and any generic one).
for (const { name, yaml } of vendorConfigs('jzyyun')) {
  describe(`jzyyun loop through ${name}`, () => {
    let fake: JzyyunFake;
    let gw: TestGateway;
    before(async () => {
      fake = await startJzyyunFake();
      fake.reportStatus = (mobile) => (mobile === B ? '0' : '1');
      gw = await startGatewayWith(yaml, fake.url);
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    test('sendSms reaches the vendor in GBK, the report and the reply come back once', async () => {
      const batchId = await sendSms(gw, `${A},${B}`);
      assert.deepEqual(await reportsUntil(gw, 2, 20_000), [
        { mobile: A, smslogid: batchId, status: '1' },
        { mobile: B, smslogid: batchId, status: '0' },
      ]);
      // Every sendSMS request (one for both numbers from the typed adapter; a generic one may send one per number).
      const sent = fake.seen('sendSMS');
      assert.ok(sent.length >= 1);
      for (const { request, params, raw } of sent) {
        assert.equal(request.method, 'POST');
        assert.equal(request.path, '/servlet/UserServiceAPI');
        assert.equal(raw.get('content'), CONTENT_ON_THE_WIRE, 'content: GBK bytes, percent-encoded');
        assert.equal(params.get('content'), CHINESE_TEXT);
        assert.equal(params.get('password'), PASSWORD_ON_THE_WIRE, 'password: BASE64');
        assert.equal(params.get('username'), FAKE_USERNAME);
        assert.equal(params.get('smstype'), '1');
        assert.equal(params.get('isLongSms'), '0');
      }
      assert.deepEqual(sent.flatMap((s) => s.params.get('mobile')!.split(',')).sort(), [A, B]);
      assert.deepEqual(await fetchReports(gw), [], 'a report is handed out once');

      fake.addReply(A, REPLY_TEXT);
      const replies: { mobile: string; content: string }[] = [];
      await waitFor(
        async () => {
          replies.push(...(await fetchReplies(gw)));
          return replies.length > 0;
        },
        20_000,
        'the reply',
      );
      assert.deepEqual(replies, [{ mobile: A, content: REPLY_TEXT }]);
      assert.deepEqual(await fetchReplies(gw), [], 'a reply is handed out once');
    });
  });
}

const typedYaml = vendorConfigs('jzyyun').find((c) => c.name === 'jzyyun.yaml')!.yaml;

// 2. Failover to the next vendor of the route.
const failoverYaml = `vendors:
  upstream:
    type: jzyyun
    url: \${VENDOR_URL}
    username: ${FAKE_USERNAME}
    password: ${FAKE_PASSWORD}
    timeoutMs: 200
    pollIntervalMs: 100
  backup:
    type: simulator
    # Not 50: on MariaDB a report stored while the dispatcher's transaction recording the vendor id
    # is still open is parked and then lost (see the report of this adapter); 500 ms keeps clear of it.
    delayMs: 500
    successRatio: 1
route: [upstream, backup]
`;

for (const dialect of DIALECTS) {
  describe(`jzyyun failover on ${dialect}`, () => {
    const cases: [string, 'busy' | 'http500' | { slowMs: number }][] = [
      ['a timeout', { slowMs: 700 }],
      ['failure;系统繁忙', 'busy'],
      ['HTTP 500', 'http500'],
    ];
    for (const [label, behaviour] of cases) {
      test(`${label}: the rows go out through backup, delivered, reported and charged once`, async () => {
        const fake = await startJzyyunFake();
        const gw = await startGatewayWith(failoverYaml, fake.url, { dialect, env: { DISPATCH_RETRY_BASE_MS: '10' } });
        try {
          fake.behave = (params) => (params.get('method') === 'sendSMS' ? behaviour : 'normal');
          const batchId = await sendSms(gw, `${A},${B}`);
          assert.deepEqual(await reportsUntil(gw, 2, 20_000), [
            { mobile: A, smslogid: batchId, status: '1' },
            { mobile: B, smslogid: batchId, status: '1' },
          ]);
          const rows = await gw.db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });
          assert.deepEqual(
            rows.map((r) => [r.infoto, r.vendor, r.STATUS, r.attempts]),
            [
              [A, 'backup', SendStatus.delivered, 2],
              [B, 'backup', SendStatus.delivered, 2],
            ],
          );
          assert.equal(fake.seen('sendSMS').length, 1, 'upstream was tried once');
          assert.equal((await gw.account()).balanceGateway, 100000 - 2);
          // A slow vendor that accepted after all reports too: those reports match no row and tell the caller nothing.
          await drained(fake);
          assert.deepEqual(await fetchReports(gw), []);
        } finally {
          await gw.stop();
          await fake.stop();
        }
      });
    }
  });
}

describe('jzyyun through the gateway (typed configuration)', () => {
  let fake: JzyyunFake;
  let gw: TestGateway;
  before(async () => {
    fake = await startJzyyunFake();
    gw = await startGatewayWith(typedYaml, fake.url);
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });

  // 3. A permanent refusal.
  test('a forbidden word fails the row for good: refunded, reported 0, not retried', async () => {
    const before = fake.pools[1];
    const batchId = await sendSms(gw, A, '您的赌博验证码123456');
    assert.deepEqual(await reportsUntil(gw, 1, 20_000), [{ mobile: A, smslogid: batchId, status: '0' }]);
    const [row] = await gw.db.getRepository(Send).find({ where: { batchId } });
    assert.equal(row!.STATUS, SendStatus.failed);
    assert.equal(row!.lastError, 'upstream: failure;短信内容含有非法关键字:赌博');
    assert.equal(fake.seen('sendSMS').filter((s) => s.params.get('content')?.includes('赌博')).length, 1, 'not retried');
    assert.equal(fake.pools[1], before, 'the vendor charged nothing');
    const money = await call(gw.serviceUrl, 'getRestMoney', DEMO_AUTH);
    assert.match(money, /gateSmsNum=100000;/, 'the charge was refunded');
  });

  test('the vendor pushes nothing: its callback URLs do not exist', async () => {
    for (const kind of ['reports', 'replies'] as const) {
      const res = await fetch(gw.callbackUrl('upstream', kind), { method: 'POST', body: 'mobile=13800138000&status=1' });
      assert.equal(res.status, 404, kind);
    }
  });

  // 4. This vendor does not push; the same questions for its pulls: a report or reply handed out again changes nothing.
  test('a repeated report or reply changes nothing; an unknown status stays open for the final one', async () => {
    const C = '13700137000';
    fake.reportStatus = (mobile) => (mobile === C ? '2' : '1');
    const batchId = await sendSms(gw, `${A},${C}`, '验证码654321');
    assert.deepEqual(await reportsUntil(gw, 2, 20_000), [
      { mobile: C, smslogid: batchId, status: '2' },
      { mobile: A, smslogid: batchId, status: '1' },
    ]);
    const vendorMsgId = (await gw.db.getRepository(Send).findOneByOrFail({ batchId, infoto: A })).vendorMsgId!;
    const sendtime = '2024-01-02 03:04:05.0';
    fake.reports.push(
      { mobile: A, smslogid: vendorMsgId, status: '0', sendtime },
      { mobile: C, smslogid: vendorMsgId, status: '1', sendtime },
    );
    await drained(fake);
    assert.deepEqual(await fetchReports(gw), [{ mobile: C, smslogid: batchId, status: '1' }], 'only the final report of C');
    fake.reports.push({ mobile: C, smslogid: vendorMsgId, status: '0', sendtime });
    await drained(fake);
    assert.deepEqual(await fetchReports(gw), []);
    const rows = await gw.db.getRepository(Send).find({ where: { batchId }, order: { infoto: 'ASC' } });
    assert.deepEqual(
      rows.map((r) => [r.infoto, r.STATUS, r.reportStatus]),
      [
        [C, SendStatus.delivered, '1'],
        [A, SendStatus.delivered, '1'],
      ],
    );

    const reply = fake.addReply(A, '好的');
    await drained(fake);
    fake.replies.push({ ...reply });
    await drained(fake);
    assert.deepEqual(await fetchReplies(gw), [{ mobile: A, content: '好的' }]);
    assert.deepEqual(await fetchReplies(gw), []);
  });
});

// 5. Configuration mistakes.
describe('jzyyun configuration', () => {
  const rejects = (yaml: string, pattern: RegExp) => assert.rejects(startGatewayWith(yaml, 'http://127.0.0.1:9'), pattern);
  test('a misspelt key is named', () => rejects(typedYaml.replace('smstype: 1', 'smsType: 1'), /vendors\.upstream\.smsType: unknown key/));
  test('a missing key is named', () => rejects(typedYaml.replace(/^ {4}password:.*\n/m, ''), /vendors\.upstream\.password: is required/));
  test('a pool that does not exist is named', () => rejects(typedYaml.replace('smstype: 1', 'smstype: 3'), /vendors\.upstream\.smstype/));
  test('the defaults', () => {
    const s = jzyyun.settings.parse({ url: 'http://smsapi.jzyyun.com:9003', username: 'u', password: 'p' });
    assert.deepEqual(
      [s.smstype, s.charset, s.maxNumbersPerRequest, s.signaturePlacement, s.pollIntervalMs],
      [1, 'gbk', 20000, 'prefix', 10000],
    );
  });
});

// 6. The pure functions, with the seed's own examples.
describe('jzyyun parsing', () => {
  test('sendSMS answers', () => {
    assert.deepEqual(parseSendAnswer('success;66'), { ok: true, batchId: '66' });
    assert.deepEqual(parseSendAnswer('success;67\r\n'), { ok: true, batchId: '67' });
    assert.match((parseSendAnswer('success') as { batchId: string }).batchId, /^noid-/);
    assert.deepEqual(parseSendAnswer('failure;余额不足'), { ok: false, retryable: true, reason: 'failure;余额不足' });
    assert.deepEqual(parseSendAnswer('failure;短信内容含有非法关键字:赌博'), {
      ok: false,
      retryable: false,
      reason: 'failure;短信内容含有非法关键字:赌博',
    });
    assert.deepEqual(parseSendAnswer('<html>Bad Gateway</html>'), {
      ok: false,
      retryable: true,
      reason: 'unexpected answer: <html>Bad Gateway</html>',
    });
  });

  test('failure reasons: account and load are retried elsewhere, text and numbers are final, unknown is retried', () => {
    const retried = [
      '用户名或密码错误',
      '账号已停用',
      'IP地址不在白名单内',
      '短信类型错误',
      '余额不足',
      '系统繁忙,请稍后再试',
      '签名未报备',
      '帐号被锁定',
      '',
      '未知错误',
    ];
    const final = [
      '短信内容含有非法关键字:赌博',
      '短信内容过长',
      '短信内容不能为空',
      '手机号码不能为空',
      '没有有效的手机号码',
      '手机号码格式错误:1380',
      '系统检测到敏感词',
      '用户已退订',
    ];
    for (const reason of retried) assert.equal(isRetryableReason(reason), true, reason);
    for (const reason of final) assert.equal(isRetryableReason(reason), false, reason);
  });

  test("the seed's report XML, as printed (browser dashes, <?xmlversion)", () => {
    const seed = `  <?xmlversion="1.0" encoding="utf-8" ?>

-<smsreport>

-<psreport>

  <mobile>15275427712</mobile>

  <username>admin</username>

  <smslogid>66</smslogid>

  <status>1</status>

  <sendtime>2012-08-16 01:05:39.0</sendtime>

  </psreport>

-<psreport>

  <mobile>13865193295</mobile>

  <username>admin</username>

  <smslogid>66</smslogid>

  <status>0</status>

  <sendtime>2012-08-16 01:04:07.0</sendtime>

  </psreport>

-<psreport>

  <mobile>8615375427702</mobile>

  <username>admin</username>

  <smslogid>67</smslogid>

  <status>2</status>

  <sendtime>2012-08-16 01:03:07.0</sendtime>

  </psreport>

  </smsreport>`;
    const at = new Date('2024-01-01T00:00:00Z');
    assert.deepEqual(parseReports(seed, 'upstream', at), [
      { vendor: 'upstream', vendorMsgId: '66', mobile: '15275427712', status: 'delivered', code: '1', at },
      { vendor: 'upstream', vendorMsgId: '66', mobile: '13865193295', status: 'undelivered', code: '0', at },
      { vendor: 'upstream', vendorMsgId: '67', mobile: '15375427702', status: 'unknown', code: '2', at },
    ]);
    assert.deepEqual(parseReports('<?xml version="1.0" encoding="utf-8"?><smsreport></smsreport>', 'upstream'), []);
    assert.deepEqual(parseReports('<smsreport/>', 'upstream'), []);
    assert.throws(() => parseReports('failure;用户名或密码错误', 'upstream'), /failure;用户名或密码错误/);
    assert.throws(() => parseReports('<html>500</html>', 'upstream'), /unexpected answer/);
  });

  test('report statuses', () => {
    assert.deepEqual(['1', '0', '2', '9', ''].map(mapReportStatus), ['delivered', 'undelivered', 'unknown', 'unknown', 'unknown']);
  });

  test("the seed's reply XML: content is BASE64 of GBK", () => {
    const seed = `<?xmlversion="1.0" encoding="utf-8" ?>
-<smsrerecv>
-<psrerecv>
  <mobile>15256560065</mobile>
  <receiver>admin</receiver>
  <content>xOPLrbChPw==</content>
  <sendtime>2012-06-18 14:56:00.0</sendtime>
  </psrerecv>
-<psrerecv>
  <mobile>13866194285</mobile>
  <receiver>admin</receiver>
  <content>u9jP8w==</content>
  <sendtime>2012-06-15 21:43:25.0</sendtime>
  </psrerecv>
  </smsrerecv>`;
    assert.deepEqual(parseReplies(seed, 'upstream'), [
      {
        vendor: 'upstream',
        mobile: '15256560065',
        content: '你谁啊?',
        extNo: null,
        at: new Date('2012-06-18T06:56:00Z'),
        vendorKey: '15256560065|2012-06-18 14:56:00.0|xOPLrbChPw==',
      },
      {
        vendor: 'upstream',
        mobile: '13866194285',
        content: iconv.decode(Buffer.from('u9jP8w==', 'base64'), 'gbk'),
        extNo: null,
        at: new Date('2012-06-15T13:43:25Z'),
        vendorKey: '13866194285|2012-06-15 21:43:25.0|u9jP8w==',
      },
    ]);
    assert.throws(() => parseReplies('failure;用户名或密码错误', 'upstream'), /failure/);
  });

  test("the seed's balance string", () => {
    assert.deepEqual(parseBalance('memberSmsNum=684;gateSmsNum=49919;kaSmsNum=49964'), { 0: 49964, 1: 49919, 2: 684 });
    assert.throws(() => parseBalance('failure;用户名或密码错误'), /failure;/);
    assert.throws(() => parseBalance('gateSmsNum=1'), /unexpected answer/);
  });

  test('times, URLs and signatures', () => {
    // java.sql.Timestamp's form, in China time whatever the gateway's own zone.
    assert.deepEqual(parseVendorTime('2012-08-16 01:05:39.0'), new Date('2012-08-15T17:05:39Z'));
    assert.equal(parseVendorTime('yesterday'), null);
    assert.equal(servletUrl('http://smsapi.jzyyun.com:9003'), 'http://smsapi.jzyyun.com:9003/servlet/UserServiceAPI');
    assert.equal(
      servletUrl('http://smsapi.jzyyun.com:9003/servlet/UserServiceAPI'),
      'http://smsapi.jzyyun.com:9003/servlet/UserServiceAPI',
    );
    assert.equal(withSignature('验证码1', '嘉之元', 'prefix'), '【嘉之元】验证码1');
    assert.equal(withSignature('验证码1', '【嘉之元】', 'suffix'), '验证码1【嘉之元】');
    assert.equal(withSignature('【嘉之元】验证码1', '嘉之元', 'prefix'), '【嘉之元】验证码1');
    assert.equal(withSignature('验证码1', '嘉之元', 'none'), '验证码1');
    assert.equal(withSignature('验证码1', null, 'prefix'), '验证码1');
  });
});

// 7. The adapter on its own against the fake: requests, outcomes, polls, balance.
describe('jzyyun adapter against the fake', () => {
  let fake: JzyyunFake;
  before(async () => {
    fake = await startJzyyunFake();
  });
  after(async () => fake?.stop());
  const make = (extra: Record<string, unknown> = {}) =>
    jzyyun.create(
      jzyyun.settings.parse({ url: fake.url, username: FAKE_USERNAME, password: FAKE_PASSWORD, timeoutMs: 300, ...extra }),
      silentContext(),
    );

  test('balance() reports the configured pool', async () => {
    assert.deepEqual(await make().balance!(), { balance: 49919, raw: 'memberSmsNum=684;gateSmsNum=49919;kaSmsNum=49964' });
    assert.equal((await make({ smstype: 0 }).balance!()).balance, 49964);
    assert.equal((await make({ smstype: 2 }).balance!()).balance, 684);
    await assert.rejects(make({ password: 'wrong' }).balance!(), /failure;用户名或密码错误/);
  });

  test('requests: one per text, long apart, never a number twice; extension and signature passed', async () => {
    const first = fake.seen('sendSMS').length;
    const sig = { extNo: '123', signature: '嘉之元' };
    const outcomes = await make({ smstype: 2 }).send([
      outbound(1, A, '您好', sig),
      outbound(2, B, '您好', sig),
      outbound(3, A, '您好', sig),
      outbound(4, B, '长'.repeat(80), { isLong: true, segments: 2 }),
    ]);
    const sent = fake.seen('sendSMS').slice(first);
    assert.deepEqual(
      sent.map((s) => ['mobile', 'content', 'extenno', 'isLongSms', 'smstype'].map((k) => s.params.get(k))),
      [
        [`${A},${B}`, '【嘉之元】您好', '123', '0', '2'],
        [A, '【嘉之元】您好', '123', '0', '2'],
        [B, '长'.repeat(80), '', '1', '2'],
      ],
    );
    assert.deepEqual(
      sent.map((s) => [...s.params.keys()]),
      sent.map(() => ['method', 'isLongSms', 'username', 'password', 'smstype', 'extenno', 'mobile', 'content']),
    );
    assert.ok(outcomes.every((o) => o.ok));
    const ids = outcomes.map((o) => (o.ok ? o.vendorMsgId : ''));
    assert.equal(ids[0], ids[1]);
    assert.equal(new Set(ids).size, 3);
  });

  test('outcomes: account problems retryable, bad numbers final, the raw answer kept', async () => {
    const [login] = await make({ password: 'wrong' }).send([outbound(1, A, '您好')]);
    assert.deepEqual(login, { id: 1, ok: false, retryable: true, error: 'upstream: failure;用户名或密码错误' });
    const [bad] = await make().send([outbound(2, '1380013800', '您好')]);
    assert.deepEqual(bad, { id: 2, ok: false, retryable: false, error: 'upstream: failure;手机号码格式错误:1380013800' });
    const saved = fake.pools[1];
    fake.pools[1] = 0;
    const [broke] = await make().send([outbound(3, A, '您好')]);
    fake.pools[1] = saved;
    assert.deepEqual(broke, { id: 3, ok: false, retryable: true, error: 'upstream: failure;余额不足' });
  });

  test('one request timing out or failing with HTTP 500 leaves the others accepted; all timing out throws', async () => {
    fake.behave = (p) => (p.get('content') === 'slow' ? { slowMs: 800 } : p.get('content') === 'broken' ? 'http500' : 'normal');
    try {
      const outcomes = await make().send([outbound(1, A, 'slow'), outbound(2, A, 'fast'), outbound(3, B, 'broken')]);
      assert.equal(outcomes.length, 3);
      const [slow, fast, broken] = [1, 2, 3].map((id) => outcomes.find((o) => o.id === id));
      assert.equal(fast?.ok, true);
      assert.ok(slow && !slow.ok && slow.retryable && slow.error.startsWith('upstream: '), JSON.stringify(slow));
      assert.ok(broken && !broken.ok && broken.retryable && /^upstream: HTTP 500/.test(broken.error), JSON.stringify(broken));
      // Two requests (the same number twice), both timing out: nothing is known, so send throws.
      await assert.rejects(make().send([outbound(4, A, 'slow'), outbound(5, A, 'slow')]), /aborted|timeout/i);
    } finally {
      fake.behave = () => 'normal';
    }
  });

  test('polls hand out reports and replies once', async () => {
    fake.reports.splice(0);
    const vendor = make();
    const [accepted] = await vendor.send([outbound(1, A, '报告')]);
    assert.ok(accepted?.ok);
    const reports = vendor.polls!.find((p) => p.name === 'reports')!;
    const replies = vendor.polls!.find((p) => p.name === 'replies')!;
    const news = await reports.fetch();
    assert.deepEqual(
      news.reports?.map((r) => [r.vendorMsgId, r.mobile, r.status, r.code]),
      [[accepted.vendorMsgId, A, 'delivered', '1']],
    );
    assert.deepEqual((await reports.fetch()).reports, []);
    fake.addReply(B, REPLY_TEXT, new Date(2024, 0, 2, 3, 4, 5));
    const got = (await replies.fetch()).replies!;
    assert.deepEqual(
      got.map((r) => [r.mobile, r.content, r.at.getTime()]),
      [[B, REPLY_TEXT, new Date(2024, 0, 2, 3, 4, 5).getTime()]],
    );
    assert.deepEqual((await replies.fetch()).replies, []);
    await assert.rejects(make({ password: 'wrong' }).polls![0]!.fetch(), /failure;用户名或密码错误/);
  });
});
