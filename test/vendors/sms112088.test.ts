import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { Reply, Send, SendStatus } from '../../entities';
import { localMobile, withSignature } from '../../src/vendors/common';
import { parseBalance, parseReplies, parseReports, parseSendAnswer, reportStatus, sms112088 } from '../../src/vendors/sms112088';
import { DIALECTS, type TestGateway } from '../support/gateway';
import {
  CHINESE_TEXT,
  fetchReplies,
  fetchReports,
  outbound,
  percentBytes,
  sendSms,
  silentContext,
  startGatewayWith,
  VENDOR_NAME,
  vendorConfigs,
  waitFor,
} from './support';
import { decodeGbkForm, FAKE_PASSWORD, FAKE_USER, type Fake112088, type FakeOptions, rawParam, startFake112088 } from './sms112088/fake';

const TYPED = 'sms112088.yaml';
const A = '13800138000';
const B = '13800138001';

/** The typed adapter's configuration with extra keys (YAML lines under `upstream:`) and extra vendors. */
const typedYaml = (extra: string[] = [], more = '', route = '[upstream]') =>
  [
    'vendors:',
    '  upstream:',
    '    type: sms112088',
    '    url: ${VENDOR_URL}/',
    `    username: ${FAKE_USER}`,
    `    password: '${FAKE_PASSWORD}'`,
    '    pollIntervalMs: 100',
    ...extra.map((l) => `    ${l}`),
    more,
    `route: ${route}`,
  ].join('\n');

/** The send requests' parameters, however the client sent them (query or form). */
const sendRequests = (fake: Fake112088) =>
  fake.requests('sendsms_txt.asp').map((req) => {
    const raw = req.method === 'POST' && req.body.length > 0 ? req.body.toString('latin1') : req.rawQuery;
    return { req, raw, params: fake.params(req) };
  });

/** Two readings of the seed: its send and reply sections as written, and its examples as shown. */
const VARIANTS: { label: string; options: FakeOptions }[] = [
  { label: 'one SMSID per number, `id;number;text` replies', options: { idStyle: 'per-number', replyIdSeparator: ';' } },
  { label: 'one 批次编号 shared by the numbers, `id,number;text` replies', options: { idStyle: 'batch', replyIdSeparator: ',' } },
];

for (const { name, yaml } of vendorConfigs('sms112088')) {
  for (const variant of VARIANTS) {
    describe(`sms112088 loop (${name}; ${variant.label})`, () => {
      let fake: Fake112088;
      let gw: TestGateway;
      before(async () => {
        fake = await startFake112088(variant.options);
        fake.reportStatus = (mobile) => (mobile === B ? '20' : '10');
        gw = await startGatewayWith(yaml, fake.url);
      });
      after(async () => {
        await gw?.stop();
        await fake?.stop();
      });

      test('send → the exact GBK bytes → pulled reports once → a pulled reply once', async () => {
        const batchId = await sendSms(gw, `${A},${B}`);
        await gw.waitForReports(2);

        const sends = sendRequests(fake);
        assert.ok(sends.length >= 1);
        const numbers: string[] = [];
        for (const { req, raw, params } of sends) {
          assert.deepEqual([...params.keys()].sort(), ['send_content', 'send_phone', 'us_name', 'us_pwd']);
          assert.equal(params.get('us_name'), FAKE_USER);
          assert.equal(params.get('us_pwd'), FAKE_PASSWORD, 'the password goes as it is');
          assert.equal(params.get('send_content'), CHINESE_TEXT);
          // 镕 is E9 46 in GBK (0x46 is "F"), 【 A1 BE, 】 A1 BF: the bytes, however they are escaped.
          const content = rawParam(raw, 'send_content');
          assert.ok(content, `send_content in ${raw}`);
          assert.deepEqual(percentBytes(content), Buffer.from('e946a1beb2e2cad4a1bfd1e9d6a4c2eb313233343536', 'hex'));
          assert.ok(/^%E9(F|%46)%A1%BE/i.test(content), content);
          numbers.push(...params.get('send_phone')!.split(','));
          if (name === TYPED) {
            assert.equal(req.method, 'GET');
            assert.equal(
              req.rawQuery,
              'us_name=gwtest&us_pwd=pw%26112088+x&send_phone=13800138000%2C13800138001' +
                '&send_content=%E9F%A1%BE%B2%E2%CA%D4%A1%BF%D1%E9%D6%A4%C2%EB123456',
            );
          }
        }
        assert.deepEqual(numbers.sort(), [A, B]);
        assert.equal(fake.accepted.length, 2);
        await waitFor(() => fake.pendingReports() === 0, 10_000, 'reports pulled');

        const reports = await fetchReports(gw);
        assert.deepEqual(reports.map((r) => [r.mobile, r.smslogid, r.status]).sort(), [
          [A, batchId, '1'],
          [B, batchId, '0'],
        ]);
        assert.deepEqual(await fetchReports(gw), []);

        fake.addReply(A, '收到，谢谢镕【好】');
        await waitFor(async () => (await gw.db.getRepository(Reply).count()) >= 1, 10_000, 'reply pulled');
        assert.equal(fake.pendingReplies(), 0);
        assert.deepEqual(await fetchReplies(gw), [{ mobile: A, content: '收到，谢谢镕【好】' }]);
        assert.deepEqual(await fetchReplies(gw), []);
      });

      test('a report or reply the vendor hands out again changes nothing', async () => {
        const given = fake.handedOut.reports;
        fake.repeatReports();
        fake.addReply(B, '再见', '900');
        fake.addReply(B, '再见', '900');
        await waitFor(() => fake.handedOut.reports > given && fake.pendingReplies() === 0, 10_000, 'repeats pulled');
        // One more poll of each after the repeats were pulled: the poller stores a poll's news before it polls again.
        const polled = {
          reports: fake.requests('get_report_txt.asp').length,
          replies: fake.requests('get_receive_message_txt.asp').length,
        };
        await waitFor(
          () =>
            fake.requests('get_report_txt.asp').length > polled.reports &&
            fake.requests('get_receive_message_txt.asp').length > polled.replies,
          10_000,
          'one more poll',
        );
        assert.deepEqual(await fetchReports(gw), []);
        assert.deepEqual(await fetchReplies(gw), [{ mobile: B, content: '再见' }]);
        assert.equal(await gw.db.getRepository(Reply).count(), 2);
      });
    });
  }
}

describe('sms112088 failover to the next vendor', () => {
  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      let fake: Fake112088;
      let gw: TestGateway;
      before(async () => {
        fake = await startFake112088();
        fake.slowMs = 800;
        gw = await startGatewayWith(
          typedYaml(['timeoutMs: 200'], '  backup: { type: simulator, delayMs: 50, successRatio: 1 }', '[upstream, backup]'),
          fake.url,
          { dialect, env: { DISPATCH_RETRY_BASE_MS: '10' } },
        );
      });
      after(async () => {
        await gw?.stop();
        await fake?.stop();
      });

      const cases: { mode: Fake112088['sendMode']; mobile: string }[] = [
        { mode: 'slow', mobile: '13900139001' },
        { mode: 'busy', mobile: '13900139002' },
        { mode: 'http500', mobile: '13900139003' },
      ];
      for (const { mode, mobile } of cases) {
        test(`the vendor ${mode === 'slow' ? 'answers after the timeout' : `answers ${mode}`}: sent by backup, reported and charged once`, async () => {
          fake.sendMode = mode;
          const before = (await gw.account()).balanceGateway;
          const tried = sendRequests(fake).length;
          const batchId = await sendSms(gw, mobile);
          await gw.waitForReports(1 + cases.findIndex((c) => c.mode === mode));
          const rows = await gw.db.getRepository(Send).findBy({ batchId });
          assert.deepEqual(
            rows.map((r) => [r.infoto, r.vendor, r.STATUS, r.attempts]),
            [[mobile, 'backup', SendStatus.delivered, 2]],
          );
          assert.equal(sendRequests(fake).length, tried + 1, 'upstream was tried once');
          assert.equal(fake.accepted.length, 0);
          const reports = await fetchReports(gw);
          assert.deepEqual(
            reports.map((r) => [r.mobile, r.smslogid, r.status]),
            [[mobile, batchId, '1']],
          );
          assert.deepEqual(await fetchReports(gw), []);
          assert.equal((await gw.account()).balanceGateway, before - 1);
        });
      }
    });
  }
});

describe('sms112088 refusals and settings', () => {
  let fake: Fake112088;
  let gw: TestGateway;
  before(async () => {
    fake = await startFake112088();
    gw = await startGatewayWith(typedYaml(), fake.url, { env: { DISPATCH_RETRY_BASE_MS: '10' } });
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });

  test('a forbidden word fails the row for good: refunded, reported as status 0, not retried', async () => {
    const before = (await gw.account()).balanceGateway;
    const batchId = await sendSms(gw, A, '赌博【测试】');
    await gw.waitForReports(1);
    const rows = await gw.db.getRepository(Send).findBy({ batchId });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.STATUS, SendStatus.failed);
    assert.equal(rows[0]!.attempts, 1);
    assert.match(rows[0]!.lastError ?? '', /^upstream: -3\|赌博 \(forbidden word/);
    assert.equal(sendRequests(fake).length, 1);
    assert.equal((await gw.account()).balanceGateway, before);
    assert.deepEqual(
      (await fetchReports(gw)).map((r) => [r.mobile, r.smslogid, r.status]),
      [[A, batchId, '0']],
    );
  });

  test('balance() asks Get_Account_Balance.asp', async () => {
    fake.balance = 4321;
    const vendor = gw.vendors.get(VENDOR_NAME)!;
    assert.deepEqual(await vendor.balance!(), { balance: 4321, raw: '4321' });
    const [req] = fake.requests('Get_Account_Balance.asp');
    assert.equal(req!.rawQuery, 'us_name=gwtest&us_pwd=pw%26112088+x');
  });

  test('a misspelt or missing key is refused, naming it', async () => {
    await assert.rejects(startGatewayWith(typedYaml(['pollIntervalMS: 100']), fake.url), /vendors\.upstream\.pollIntervalMS: unknown key/);
    await assert.rejects(startGatewayWith(typedYaml(['charset: big5']), fake.url), /vendors\.upstream\.charset/);
    await assert.rejects(
      startGatewayWith(typedYaml().replace(/^ {4}password:.*\n/m, ''), fake.url),
      /vendors\.upstream\.password: is required/,
    );
  });
});

describe('sms112088 adapter against the fake', () => {
  let fake: Fake112088;
  before(async () => {
    fake = await startFake112088({ balance: 100_000 });
  });
  after(async () => {
    await fake?.stop();
  });

  const vendorWith = (extra: Record<string, unknown> = {}) =>
    sms112088.create(sms112088.settings.parse({ url: fake.url, username: FAKE_USER, password: FAKE_PASSWORD, ...extra }), silentContext());
  const messages = (count: number, first = 1, content = '通知') =>
    Array.from({ length: count }, (_, i) => outbound(first + i, String(13700000000 + first + i), content));

  test('more than 100 numbers go in requests of 100; every id is the one recorded for its number', async () => {
    const from = sendRequests(fake).length;
    const batch = messages(150);
    const outcomes = await vendorWith().send(batch);
    const made = sendRequests(fake).slice(from);
    assert.deepEqual(made.map((s) => s.params.get('send_phone')!.split(',').length).sort(), [100, 50]);
    assert.equal(outcomes.length, 150);
    const byMobile = new Map(fake.accepted.map((a) => [a.mobile, a.smsid]));
    for (const [i, o] of outcomes.entries()) {
      assert.ok(o.ok);
      assert.equal(o.id, batch[i]!.id);
      assert.equal(o.vendorMsgId, byMobile.get(batch[i]!.mobile));
    }
  });

  test('a request cut off keeps the other requests’ acceptances; all cut off throws', async () => {
    const batch = [...messages(2, 500, '甲'), ...messages(2, 600, '乙')];
    fake.dropFor = new Set([batch[2]!.mobile]);
    const outcomes = await vendorWith().send(batch);
    assert.deepEqual(
      outcomes.map((o) => [o.id, o.ok, o.ok ? '' : o.retryable]),
      [
        [500, true, ''],
        [501, true, ''],
        [600, false, true],
        [601, false, true],
      ],
    );
    fake.dropFor = new Set([batch[0]!.mobile, batch[2]!.mobile]);
    await assert.rejects(vendorWith().send(batch));
    fake.dropFor = new Set();
  });

  test('the base URL may be given with or without its slash, or as a page of the site', async () => {
    for (const url of [fake.url, `${fake.url}/`, `${fake.url}/sendsms_txt.asp`]) {
      const [outcome] = await vendorWith({ url }).send(messages(1, 900));
      assert.ok(outcome!.ok, url);
      assert.equal(fake.received.at(-1)!.path, '/sendsms_txt.asp');
    }
  });

  test('method POST sends the same parameters as a GBK form', async () => {
    const from = sendRequests(fake).length;
    const [outcome] = await vendorWith({ method: 'POST' }).send(messages(1, 700, '镕'));
    assert.ok(outcome!.ok);
    const [sent] = sendRequests(fake).slice(from);
    assert.equal(sent!.req.method, 'POST');
    assert.match(String(sent!.req.headers['content-type']), /^application\/x-www-form-urlencoded/);
    assert.equal(sent!.req.body.toString('latin1'), 'us_name=gwtest&us_pwd=pw%26112088+x&send_phone=13700000700&send_content=%E9F');
  });

  test('an account signature is written into the text; the errors map as the brief says', async () => {
    const from = sendRequests(fake).length;
    await vendorWith().send([{ ...messages(1, 800, '您的验证码1234')[0]!, signature: '某公司' }]);
    assert.equal(sendRequests(fake).slice(from)[0]!.params.get('send_content'), '【某公司】您的验证码1234');
    fake.sendMode = 'locked';
    const [locked] = await vendorWith().send(messages(1, 801));
    fake.sendMode = 'normal';
    assert.deepEqual(locked, { id: 801, ok: false, retryable: true, error: 'upstream: -10 (account locked)' });
    const [login] = await vendorWith({ password: 'wrong' }).send(messages(1, 802));
    assert.deepEqual(login, { id: 802, ok: false, retryable: true, error: 'upstream: -7 (login failed)' });
    const [long] = await vendorWith().send(messages(1, 803, '长'.repeat(336)));
    assert.deepEqual(long, { id: 803, ok: false, retryable: false, error: 'upstream: -8 (content longer than 335 characters)' });
  });

  test('the pulls throw the vendor’s own errors; balance too', async () => {
    const wrong = vendorWith({ password: 'wrong' });
    await assert.rejects(wrong.polls![0]!.fetch(), /upstream reports: -7 \(login failed\)/);
    await assert.rejects(wrong.polls![1]!.fetch(), /upstream replies: -7 \(login failed\)/);
    await assert.rejects(wrong.balance!(), /upstream balance: -7 \(login failed\)/);
    await assert.rejects(vendorWith({ username: 'nobody' }).balance!(), /-1 \(account does not exist\)/);
  });

  test('a full page of reports is followed by the next page in the same poll', async () => {
    const start = fake.handedOut.reports;
    await vendorWith().polls![0]!.fetch(); // drain what earlier tests left
    const batch = messages(130, 1000);
    await vendorWith().send(batch);
    const { reports } = await vendorWith().polls![0]!.fetch();
    assert.equal(reports!.length, 130);
    assert.ok(fake.handedOut.reports >= start + 130);
    assert.equal(fake.pendingReports(), 0);
  });
});

describe('sms112088 parsing (the seed’s own examples)', () => {
  const one = [{ id: 1 }];
  const two = [{ id: 1 }, { id: 2 }];

  test('send answers', () => {
    assert.deepEqual(parseSendAnswer('up', one, 200, '0|1|0|SMSID'), [{ id: 1, ok: true, vendorMsgId: 'SMSID' }]);
    assert.deepEqual(parseSendAnswer('up', two, 200, '0|2|0|6408676,6408677\r\n'), [
      { id: 1, ok: true, vendorMsgId: '6408676' },
      { id: 2, ok: true, vendorMsgId: '6408677' },
    ]);
    // One 批次编号 for the request: every number carries it, and the report's number tells them apart.
    assert.deepEqual(
      parseSendAnswer('up', two, 200, '0|2|0|6408649').map((o) => o.ok && o.vendorMsgId),
      ['6408649', '6408649'],
    );
    assert.deepEqual(parseSendAnswer('up', one, 200, '-3|赌博'), [
      { id: 1, ok: false, retryable: false, error: 'up: -3|赌博 (forbidden word: 赌博)' },
    ]);
    assert.deepEqual(parseSendAnswer('up', two, 200, '0|0|2|'), [
      { id: 1, ok: false, retryable: false, error: 'up: 0|0|2| (every number refused)' },
      { id: 2, ok: false, retryable: false, error: 'up: 0|0|2| (every number refused)' },
    ]);
    const retryable = (text: string, status = 200) => parseSendAnswer('up', one, status, text).map((o) => !o.ok && o.retryable)[0];
    for (const code of ['-1', '-2', '-8']) assert.equal(retryable(code), false, code);
    for (const code of ['-4', '-7', '-9', '-10', '-99', '<html>error</html>']) assert.equal(retryable(code), true, code);
    assert.equal(retryable('', 503), true);
    assert.deepEqual(parseSendAnswer('up', one, 500, 'oops'), [{ id: 1, ok: false, retryable: true, error: 'up: oops (HTTP 500)' }]);
  });

  test('reports', () => {
    const at = new Date(0);
    assert.deepEqual(parseReports('up', '3|6408676;13682250950;20|6408649;13711147169;20|6408649;13719445093;20', at), [
      { vendor: 'up', vendorMsgId: '6408676', mobile: '13682250950', status: 'undelivered', code: '20', at },
      { vendor: 'up', vendorMsgId: '6408649', mobile: '13711147169', status: 'undelivered', code: '20', at },
      { vendor: 'up', vendorMsgId: '6408649', mobile: '13719445093', status: 'undelivered', code: '20', at },
    ]);
    assert.deepEqual(parseReports('up', '0'), []);
    assert.deepEqual(
      parseReports('up', '1|7;8613800138000;10', at).map((r) => [r.mobile, r.status]),
      [['13800138000', 'delivered']],
    );
    assert.deepEqual(['10', '20', '-1', '99'].map(reportStatus), ['delivered', 'undelivered', 'unknown', 'unknown']);
    assert.throws(() => parseReports('up', '-1'), /up reports: -1 \(user does not exist\)/);
    assert.throws(() => parseReports('up', '-3'), /system busy/);
    assert.throws(() => parseReports('up', '-7'), /login failed/);
  });

  test('replies, with either separator, and text holding | or ;', () => {
    const at = new Date(0);
    assert.deepEqual(parseReplies('up', '2|133,13798361236;我回复一条|134,13826588212;我也回复一条', at), [
      { vendor: 'up', mobile: '13798361236', content: '我回复一条', at, vendorKey: '133' },
      { vendor: 'up', mobile: '13826588212', content: '我也回复一条', at, vendorKey: '134' },
    ]);
    assert.deepEqual(
      parseReplies('up', '2|133;13798361236;a|b;c|134;13826588212;好', at).map((r) => [r.vendorKey, r.mobile, r.content]),
      [
        ['133', '13798361236', 'a|b;c'],
        ['134', '13826588212', '好'],
      ],
    );
    assert.deepEqual(parseReplies('up', '0'), []);
    assert.throws(() => parseReplies('up', '-7'), /up replies: -7 \(login failed\)/);
  });

  test('balance, numbers, signature', () => {
    assert.deepEqual(parseBalance('up', '100'), { balance: 100, raw: '100' });
    assert.deepEqual(parseBalance('up', '0'), { balance: 0, raw: '0' });
    assert.throws(() => parseBalance('up', '-7'), /login failed/);
    assert.throws(() => parseBalance('up', '-1'), /account does not exist/);
    assert.equal(localMobile('+8613800138000'), '13800138000');
    assert.equal(localMobile('075580808080'), '075580808080');
    assert.equal(withSignature('你好', '某公司', 'prefix'), '【某公司】你好');
    assert.equal(withSignature('你好', '【某公司】', 'suffix'), '你好【某公司】');
    assert.equal(withSignature('【某公司】你好', '某公司', 'prefix'), '【某公司】你好');
    assert.equal(withSignature('你好', '某公司', 'none'), '你好');
    assert.equal(withSignature('你好', null, 'prefix'), '你好');
    assert.equal(iconv.encode('镕', 'gbk').toString('hex'), 'e946');
    assert.deepEqual([...decodeGbkForm('a=%E9F%A1%BE+x').entries()], [['a', '镕【 x']]);
  });
});
