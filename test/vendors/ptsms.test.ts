import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Account, ParkedReport, Reply, Report, Send, SendStatus } from '../../entities';
import { localMobile, parseVendorTime } from '../../src/vendors/common';
import {
  deliveryStatus,
  parseBalanceAnswer,
  parseReplyPush,
  parseReportPush,
  parseSendAnswer,
  ptsms,
  pushFields,
} from '../../src/vendors/ptsms';
import type { Vendor } from '../../src/vendors/types';
import { DIALECTS, type TestGateway } from '../support/gateway';
import { call, DEMO_AUTH } from '../support/soap';
import { FAKE_PTSMS, FakePtsms } from './ptsms/fake';
import {
  chinaTime,
  CHINESE_TEXT,
  fetchReplies,
  fetchReports,
  formPairs,
  outbound,
  sendSms,
  silentContext,
  startGatewayWith,
  VENDOR_NAME,
  vendorConfigs,
  waitFor,
} from './support';

/*
 * The name/pwd/type=pt vendor (seed 003) against its fake (test/vendors/ptsms/fake.ts).
 *
 * The fake pushes each report the moment it has answered the send (FakePtsms.reportDelayMs 0), so
 * on both databases reports race the dispatcher recording the sendid: a push that finds no row yet
 * parks the report, and the locking reads on both sides (src/core/queues/mysql.ts) make the
 * dispatcher's look at parked reports see it. A report lost to that race fails waitForRows.
 */

const A = '13800138000';
const B = '13900139000';
/** CHINESE_TEXT as UTF-8 bytes, percent-encoded: 镕 E9 95 95, 【 E3 80 90, 】 E3 80 91. */
const CONTENT_ON_WIRE = '%E9%95%95%E3%80%90%E6%B5%8B%E8%AF%95%E3%80%91%E9%AA%8C%E8%AF%81%E7%A0%81123456';
/** 网关测试, the `sign` of ptsms.yaml, in UTF-8. */
const SIGN_ON_WIRE = '%E7%BD%91%E5%85%B3%E6%B5%8B%E8%AF%95';
const REPLY_TEXT = '回复镕【好】 ok';
const TYPED_YAML = vendorConfigs('ptsms').find((c) => c.name === 'ptsms.yaml')!.yaml;
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

/** A form body's fields as they were on the wire, values still percent-encoded. */
const rawFields = (body: Buffer): Map<string, string> => new Map(formPairs(body.toString('latin1')));

const sentMobiles = (fake: FakePtsms) => fake.sends.flatMap((s) => (s.fields.get('mobile') ?? '').split(',')).sort();

async function startPair(
  yaml: string,
  options: Parameters<typeof startGatewayWith>[2] = {},
): Promise<{ fake: FakePtsms; gw: TestGateway }> {
  const fake = await FakePtsms.start();
  try {
    const gw = await startGatewayWith(yaml, fake.url, options);
    fake.reportUrl = gw.callbackUrl(VENDOR_NAME, 'reports');
    fake.replyUrl = gw.callbackUrl(VENDOR_NAME, 'replies');
    return { fake, gw };
  } catch (err) {
    await fake.stop();
    throw err;
  }
}

/** Waits until the batch's rows satisfy `done`; on failure tells their state and the parked reports, to tell a lost report from a lost send. */
async function waitForRows(gw: TestGateway, batchId: string, done: (rows: Send[]) => boolean, timeoutMs = 10_000): Promise<Send[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await gw.db.getRepository(Send).findBy({ batchId });
    if (done(rows)) return rows;
    if (Date.now() > deadline) {
      const parked = await gw.db.getRepository(ParkedReport).find();
      assert.fail(
        `batch ${batchId} after ${timeoutMs} ms: ${JSON.stringify(rows.map((r) => [r.infoto, r.vendor, r.vendorMsgId, r.STATUS, r.attempts, r.lastError]))}; parked: ${JSON.stringify(parked.map((p) => [p.vendor, p.vendorMsgId, p.mobile, p.outcome]))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function stopPair(pair: { fake?: FakePtsms; gw?: TestGateway }): Promise<void> {
  await pair.fake?.stop();
  await pair.gw?.stop();
}

// 1. The whole loop, over the wire only, for every configuration of this vendor.
for (const { name, yaml } of vendorConfigs('ptsms')) {
  describe(`ptsms loop through ${name}`, () => {
    const pair: { fake?: FakePtsms; gw?: TestGateway } = {};
    before(async () => Object.assign(pair, await startPair(yaml)));
    after(() => stopPair(pair));

    test('sendSms → the exact bytes at the vendor → pushed reports told once → a pushed reply told once', async () => {
      const { fake, gw } = pair as { fake: FakePtsms; gw: TestGateway };
      fake.states.set(B, 'UNDELIV');
      await sendSms(gw, `${A},${B}`, CHINESE_TEXT);
      await waitFor(() => sentMobiles(fake).length >= 2, 10_000, 'both numbers at the vendor');
      assert.deepEqual(sentMobiles(fake), [A, B]);

      const sends = fake.received.filter((r) => rawFields(r.body).get('type') === 'pt');
      assert.ok(sends.length >= 1);
      for (const req of sends) {
        assert.equal(req.method, 'POST');
        assert.equal(req.path, FAKE_PTSMS.path);
        assert.match(String(req.headers['content-type']), /^application\/x-www-form-urlencoded/);
        const raw = rawFields(req.body);
        assert.equal(raw.get('name'), FAKE_PTSMS.name);
        assert.equal(raw.get('pwd'), FAKE_PTSMS.pwd, 'the 接口密码 goes as it is');
        assert.equal(raw.get('content'), CONTENT_ON_WIRE);
        assert.equal(raw.get('sign'), SIGN_ON_WIRE);
      }
      for (const s of fake.sends) assert.match(s.answer, /^0, \d{26},0,\d+,0,提交成功$/);

      await gw.waitForReports(2);
      assert.ok(fake.pushes.filter((p) => p.kind === 'reports').every((p) => p.status === 200));
      const reports = await fetchReports(gw);
      assert.deepEqual(reports.map((r) => [r.mobile, r.status]).sort(), [
        [A, '1'],
        [B, '0'],
      ]);
      assert.deepEqual(await fetchReports(gw), [], 'a report is told once');

      const push = await fake.pushReplies([{ mobile: A, content: REPLY_TEXT, time: chinaTime(), ext: FAKE_PTSMS.systemExt }]);
      assert.equal(push.status, 200);
      assert.deepEqual(await fetchReplies(gw), [{ mobile: A, content: REPLY_TEXT }]);
      assert.deepEqual(await fetchReplies(gw), [], 'a reply is told once');
    });
  });
}

// 2.–4. and 7. The typed configuration with a backup vendor, on both dialects: refusals, the account's
// signature and extension, repeated and refused pushes, balance(), then failover (last: the slow
// vendor's late pushes come after it).
const TYPED_WITH_BACKUP = TYPED_YAML.replace('    systemExtLength: 3\n', '    systemExtLength: 3\n    timeoutMs: 200\n').replace(
  'route: [upstream]',
  '  backup:\n    type: simulator\n    delayMs: 50\n    successRatio: 1\nroute: [upstream, backup]',
);
assert.match(TYPED_WITH_BACKUP, /timeoutMs: 200\n[\s\S]*backup:\n {4}type: simulator[\s\S]*route: \[upstream, backup\]/);

for (const dialect of DIALECTS) {
  describe(`ptsms typed adapter against the fake, on ${dialect}`, () => {
    const pair: { fake?: FakePtsms; gw?: TestGateway } = {};
    before(async () => Object.assign(pair, await startPair(TYPED_WITH_BACKUP, { dialect, env: { DISPATCH_RETRY_BASE_MS: '10' } })));
    after(() => stopPair(pair));
    const fake = () => pair.fake!;
    const gw = () => pair.gw!;
    const restMoney = () => call(gw().serviceUrl, 'getRestMoney', DEMO_AUTH);
    const reportCount = () => gw().db.getRepository(Report).count();

    test('a forbidden word is refused for good: the row fails, the charge is refunded, the caller is told 0', async () => {
      const sendsBefore = fake().sends.length;
      const batchId = await sendSms(gw(), A, '镕测试赌博内容');
      await gw().waitForReports(1);
      const [row] = await gw().db.getRepository(Send).findBy({ batchId });
      assert.equal(row!.STATUS, SendStatus.failed);
      assert.equal(row!.attempts, 1, 'not retried');
      assert.equal(row!.lastError, 'upstream: 1,含有敏感词汇 (sensitive words)');
      assert.equal(fake().sends.length, sendsBefore + 1);
      assert.deepEqual(
        (await fetchReports(gw())).map((r) => [r.mobile, r.status]),
        [[A, '0']],
      );
      assert.match(await restMoney(), /gateSmsNum=100000;/, 'refunded');
      assert.equal((await gw().account()).balanceGateway, 100000);
    });

    test('a blacklisted number (accepted with successcount 0, blackcount 1) fails for good too', async () => {
      const batchId = await sendSms(gw(), '13700137000');
      await waitFor(async () => (await gw().db.getRepository(Send).findOneByOrFail({ batchId })).STATUS === SendStatus.failed);
      const row = await gw().db.getRepository(Send).findOneByOrFail({ batchId });
      assert.match(row.lastError ?? '', /^upstream: 0, \d{26},0,0,1,提交成功 \(no number accepted/);
      assert.deepEqual(
        (await fetchReports(gw())).map((r) => [r.mobile, r.status]),
        [['13700137000', '0']],
      );
      assert.equal((await gw().account()).balanceGateway, 100000);
    });

    test("the account's signature and extension go as sign and extno; a reply to the extension finds the account", async () => {
      await gw().db.getRepository(Account).update({ username: 'demo' }, { signature: '公司签名', extNo: '123' });
      try {
        const before = fake().sends.length;
        const reports = await reportCount();
        await sendSms(gw(), A);
        await waitFor(() => fake().sends.length > before);
        const sent = fake().sends[before]!.fields;
        assert.equal(sent.get('sign'), '公司签名');
        assert.equal(sent.get('extno'), '123');
        await waitFor(async () => (await reportCount()) > reports, 5000, 'the report');
        await fetchReports(gw());
        const push = await fake().pushReplies([
          { mobile: '13600136000', content: '退订', time: '2013-08-21 21:20:11', ext: `${FAKE_PTSMS.systemExt}123` },
        ]);
        assert.equal(push.answer, '0');
        const reply = await gw().db.getRepository(Reply).findOneByOrFail({ mobile: '13600136000' });
        assert.equal(reply.extNo, '123');
        assert.equal(reply.receiver, 'demo', 'found by its extension: demo never sent to 13600136000');
        assert.deepEqual(await fetchReplies(gw()), [{ mobile: '13600136000', content: '退订' }]);
      } finally {
        await gw().db.getRepository(Account).update({ username: 'demo' }, { signature: null, extNo: null });
      }
    });

    test('a repeated push changes nothing; malformed or wrongly signed pushes get -1', async () => {
      const before = fake().sends.length;
      await sendSms(gw(), B);
      await waitFor(() => fake().sends.length > before);
      const sendid = /^0, (\d+),/.exec(fake().sends[before]!.answer)![1]!;
      await waitFor(
        async () => (await gw().db.getRepository(Send).findOneBy({ vendorMsgId: sendid, STATUS: SendStatus.delivered })) !== null,
      );
      const count = await reportCount();
      assert.deepEqual(
        (await fetchReports(gw())).map((r) => [r.mobile, r.status]),
        [[B, '1']],
      );

      const again = await fake().pushReport({ sendid, mobiles: [B], state: 'DELIVRD' });
      assert.deepEqual([again.status, again.answer], [200, '0']);
      const contrary = await fake().pushReport({ sendid, mobiles: [B], state: 'UNDELIV' });
      assert.deepEqual([contrary.status, contrary.answer], [200, '0']);
      assert.equal(await reportCount(), count, 'no second report');
      assert.deepEqual(await fetchReports(gw()), []);

      const reply = { mobile: B, content: '好的镕', time: '2013-08-21 21:20:30', ext: FAKE_PTSMS.systemExt };
      assert.equal((await fake().pushReplies([reply])).answer, '0');
      assert.equal((await fake().pushReplies([reply])).answer, '0');
      assert.deepEqual(await fetchReplies(gw()), [{ mobile: B, content: '好的镕' }]);

      const refused = [
        await fake().pushReport({ sendid, mobiles: [B], state: 'UNDELIV', name: md5('wrong secret') }),
        await fake().pushReport({ sendid, mobiles: [B], state: 'UNDELIV', pwd: 'wrong' }),
        await fake().post('reports', fake().reportUrl, `name=x&pwd=${FAKE_PTSMS.pushPassword}&mobile=${B}&state=DELIVRD`),
        await fake().pushReplies([reply], { pwd: 'wrong' }),
        await fake().pushReplies([reply], { name: 'someone' }),
        await fake().post('replies', fake().replyUrl, `name=${FAKE_PTSMS.replyName}&pwd=${FAKE_PTSMS.replyPassword}`),
      ];
      for (const push of refused) assert.deepEqual([push.status, push.answer], [400, '-1'], push.body);
      assert.equal(await reportCount(), count);
      assert.equal(await gw().db.getRepository(Reply).countBy({ mobile: B }), 1);
    });

    test('a report pushed by GET, as the seed writes its example, is taken too', async () => {
      const before = fake().sends.length;
      fake().reportUrl = null; // no automatic push: this test pushes by hand
      try {
        await sendSms(gw(), A);
        await waitFor(() => fake().sends.length > before);
        const sendid = /^0, (\d+),/.exec(fake().sends[before]!.answer)![1]!;
        await waitFor(async () => (await gw().db.getRepository(Send).findOneBy({ vendorMsgId: sendid })) !== null);
        const random = '482913';
        const timestamp = '1376999494';
        const query = new URLSearchParams({
          name: md5(FAKE_PTSMS.accessSecret + random + timestamp),
          pwd: FAKE_PTSMS.pushPassword,
          sendid,
          time: '2013-08-20 20:11:34',
          mobile: A,
          state: 'EXPIRED',
          random,
          timestamp,
        });
        const res = await fetch(`${gw().callbackUrl(VENDOR_NAME, 'reports')}?${query}`);
        assert.deepEqual([res.status, await res.text()], [200, '0']);
        const row = await gw().db.getRepository(Send).findOneByOrFail({ vendorMsgId: sendid });
        assert.equal(row.STATUS, SendStatus.failed);
        assert.equal(row.reportStatus, 'EXPIRED');
        assert.equal(row.reportTime?.toISOString(), '2013-08-20T12:11:34.000Z');
        assert.deepEqual(
          (await fetchReports(gw())).map((r) => [r.mobile, r.status]),
          [[A, '0']],
        );
      } finally {
        fake().reportUrl = gw().callbackUrl(VENDOR_NAME, 'reports');
      }
    });

    // 7. balance()
    test('balance() asks type=balance and reads code,balance', async () => {
      const vendor = gw().vendors.get(VENDOR_NAME)!;
      fake().balance = 4321;
      const balance = await vendor.balance!();
      assert.deepEqual(balance, { balance: 4321, raw: '0,4321' });
      const req = fake().received.at(-1)!;
      assert.equal(req.body.toString('latin1'), `name=${FAKE_PTSMS.name}&pwd=${FAKE_PTSMS.pwd}&type=balance`);
    });

    // 2. Failover to the next vendor of the route.
    const modes = { busy: 'answers -1 系统异常', http500: 'answers HTTP 500', slow: 'answers after the timeout' } as const;

    for (const [mode, what] of Object.entries(modes) as [keyof typeof modes, string][]) {
      test(`the vendor ${what}: backup sends, the rows are reported and charged once`, async () => {
        const { fake, gw } = pair as { fake: FakePtsms; gw: TestGateway };
        try {
          fake.mode = mode;
          fake.slowMs = 400;
          const tried = fake.received.length;
          const pushed = fake.pushes.length;
          const balance = (await gw.account()).balanceGateway;
          const batchId = await sendSms(gw, `${A},${B}`);
          await waitForRows(gw, batchId, (rows) => rows.length === 2 && rows.every((r) => r.STATUS === SendStatus.delivered));
          const rows = await gw.db.getRepository(Send).findBy({ batchId });
          for (const row of rows) {
            assert.equal(row.vendor, 'backup');
            assert.equal(row.attempts, 2, 'one try at upstream, then backup');
          }
          assert.ok(
            fake.received.slice(tried).some((r) => rawFields(r.body).get('type') === 'pt'),
            'upstream was tried first',
          );
          if (mode === 'slow') {
            // The slow vendor accepts late and pushes reports for a sendid no row has: nothing changes.
            await waitFor(() => fake.pushes.length > pushed, 5000, 'the late report push');
          }
          await waitFor(async () => (await gw.db.getRepository(Report).countBy({ batchId })) >= 2, 5000, 'the reports');
          const reports = await fetchReports(gw);
          assert.deepEqual(reports.map((r) => [r.mobile, r.status]).sort(), [
            [A, '1'],
            [B, '1'],
          ]);
          assert.deepEqual(await fetchReports(gw), []);
          assert.equal((await gw.account()).balanceGateway, balance - 2, 'charged once');
        } finally {
          fake.mode = 'ok';
        }
      });
    }
  });
}

describe('ptsms adapter send() and balance() directly', () => {
  let fake: FakePtsms;
  before(async () => {
    fake = await FakePtsms.start();
  });
  after(() => fake.stop());
  const make = (extra: Record<string, unknown> = {}): Vendor =>
    ptsms.create(
      ptsms.settings.parse({
        url: fake.url,
        username: FAKE_PTSMS.name,
        password: FAKE_PTSMS.pwd,
        sign: '网关测试',
        timeoutMs: 200,
        ...extra,
      }),
      silentContext(),
    );
  const message = (id: number, mobile: string, content = '验证码123456') => outbound(id, mobile, content);

  test('numbers of one text share a request and its one sendid', async () => {
    const before = fake.sends.length;
    const outcomes = await make().send([message(1, A), message(2, B), message(3, A, '另一条')]);
    assert.equal(fake.sends.length, before + 2);
    const [o1, o2, o3] = outcomes;
    assert.ok(o1?.ok && o2?.ok && o3?.ok);
    assert.equal(o1.vendorMsgId, o2.vendorMsgId);
    assert.notEqual(o1.vendorMsgId, o3.vendorMsgId);
    assert.equal(fake.sends[before]!.fields.get('mobile'), `${A},${B}`);
  });

  test('one request timing out keeps the other requests’ acceptances; all timing out throws', async () => {
    fake.slowMs = 600;
    fake.modeOf = (fields) => (fields.get('mobile') === B ? 'slow' : 'ok');
    try {
      const outcomes = await make({ maxNumbersPerRequest: 1 }).send([message(1, A), message(2, B)]);
      const byId = new Map(outcomes.map((o) => [o.id, o]));
      assert.equal(outcomes.length, 2);
      assert.ok(byId.get(1)?.ok);
      const slow = byId.get(2)!;
      assert.ok(!slow.ok && slow.retryable, JSON.stringify(slow));
      await assert.rejects(make().send([message(3, B)]));
    } finally {
      fake.modeOf = () => fake.mode;
    }
  });

  test('the vendor’s codes: 3 no number is for good, 10 (our account) and -1 go to the next vendor', async () => {
    const bad = await make().send([message(1, '')]);
    assert.deepEqual(bad, [{ id: 1, ok: false, retryable: false, error: 'upstream: 3,没有号码 (no number)' }]);
    const login = await make({ password: 'wrong' }).send([message(2, A)]);
    assert.deepEqual(login, [{ id: 2, ok: false, retryable: true, error: 'upstream: 10,账号不存在 (account does not exist)' }]);
    fake.mode = 'busy';
    try {
      assert.deepEqual(await make().send([message(3, A)]), [
        { id: 3, ok: false, retryable: true, error: 'upstream: -1,系统异常 (system error)' },
      ]);
    } finally {
      fake.mode = 'ok';
    }
    const long = await make().send([message(4, A, '字'.repeat(501))]);
    assert.equal(long[0]!.ok, false);
    assert.equal((long[0] as { retryable: boolean }).retryable, false);
  });

  test('balance() with a refused login throws with the vendor’s answer', async () => {
    await assert.rejects(make({ password: 'wrong' }).balance!(), /10,账号不存在 \(account does not exist\)/);
  });
});

// 5. Configuration mistakes.
describe('ptsms configuration mistakes', () => {
  test('a misspelt key is named', async () => {
    await assert.rejects(
      startGatewayWith(TYPED_YAML.replace('accessSecret:', 'acessSecret:'), 'http://127.0.0.1:9/sms'),
      /vendors\.upstream\.acessSecret: unknown key \(did you mean "accessSecret"\?\)/,
    );
  });
  test('a missing required key is named', async () => {
    await assert.rejects(
      startGatewayWith(TYPED_YAML.replace(/^ {4}password: .*\n/m, ''), 'http://127.0.0.1:9/sms'),
      /vendors\.upstream\.password: is required/,
    );
  });
  test('a negative systemExtLength is named', async () => {
    await assert.rejects(
      startGatewayWith(TYPED_YAML.replace('systemExtLength: 3', 'systemExtLength: -1'), 'http://127.0.0.1:9/sms'),
      /vendors\.upstream\.systemExtLength: /,
    );
  });
});

// 6. The pure functions, with the seed's own examples.
describe('ptsms parse functions', () => {
  test('send answers (1.7.2 example with its space, 1.7.3 codes)', () => {
    assert.deepEqual(parseSendAnswer('0, 20140821110353234137876543,0,500,0,提交成功'), {
      ok: true,
      sendId: '20140821110353234137876543',
      invalid: 0,
      accepted: 500,
      blacklisted: 0,
      message: '提交成功',
    });
    const permanent = ['1', '2', '3', '4', '14'].map((c) => parseSendAnswer(`${c},msg`));
    assert.ok(permanent.every((a) => !a.ok && !a.retryable));
    const transient = ['10', '11', '12', '13', '-1'].map((c) => parseSendAnswer(`${c},msg`));
    assert.ok(transient.every((a) => !a.ok && a.retryable));
    assert.deepEqual(parseSendAnswer('13,IP鉴权失败\r\n'), {
      ok: false,
      code: '13',
      message: 'IP鉴权失败',
      meaning: 'IP authentication failed',
      retryable: true,
    });
    assert.throws(() => parseSendAnswer('<html>502 Bad Gateway</html>'), /unreadable/);
    assert.throws(() => parseSendAnswer('0,,0,1,0,提交成功'), /unreadable/);
  });

  test('balance answers (2.3 code,balance; 2.4 codes)', () => {
    assert.deepEqual(parseBalanceAnswer('0,12345\n'), { balance: 12345, raw: '0,12345' });
    assert.deepEqual(parseBalanceAnswer('0, 88.5'), { balance: 88.5, raw: '0, 88.5' });
    assert.throws(() => parseBalanceAnswer('12,账号停用'), /12,账号停用 \(account disabled\)/);
    assert.throws(() => parseBalanceAnswer('0,'), /unreadable/);
  });

  test('report states (3.2) map to the five statuses', () => {
    const table: [string, string][] = [
      ['DELIVRD', 'delivered'],
      ['EXPIRED', 'expired'],
      ['UNDELIV', 'undelivered'],
      ['UNKNOWN', 'unknown'],
      ['REJECTD', 'rejected'],
      ['DTBLACK', 'rejected'],
      ['ERR:104', 'unknown'],
      ['REJECT', 'rejected'],
      ['MK:0001', 'undelivered'],
    ];
    for (const [state, status] of table) assert.equal(deliveryStatus(state), status, state);
  });

  test('the report push of 3.3, its pwd checked; name checked against MD5(AccessSecret+random+timestamp)', () => {
    const example = 'name=admin&pwd=12345&sendid=12345&time=2013-08-20 20:11:34&mobile=13900210021&state=DELIVRD';
    const fields = pushFields({ query: example.replace(/ /g, '%20'), body: Buffer.alloc(0), contentType: '' });
    assert.deepEqual(parseReportPush(fields, 'v', { pushPassword: '12345' }), [
      {
        vendor: 'v',
        vendorMsgId: '12345',
        mobile: '13900210021',
        status: 'delivered',
        code: 'DELIVRD',
        at: new Date('2013-08-20T12:11:34Z'),
      },
    ]);
    assert.throws(() => parseReportPush(fields, 'v', { pushPassword: 'other' }), /pwd/);
    assert.throws(() => parseReportPush(fields, 'v', { accessSecret: 's' }), /random and timestamp/);

    const signed = new URLSearchParams({
      name: md5('s3cretR1T9').toUpperCase(),
      pwd: '',
      sendid: '20140821110353234137876543',
      time: '2013-08-20 20:11:34',
      mobile: '13900210021,8613900210022',
      state: 'UNDELIV',
      random: 'R1',
      timestamp: 'T9',
    });
    const body = pushFields({ query: '', body: Buffer.from(signed.toString()), contentType: 'application/x-www-form-urlencoded' });
    const reports = parseReportPush(body, 'v', { accessSecret: 's3cret' });
    assert.deepEqual(
      reports.map((r) => [r.vendorMsgId, r.mobile, r.status, r.code]),
      [
        ['20140821110353234137876543', '13900210021', 'undelivered', 'UNDELIV'],
        ['20140821110353234137876543', '13900210022', 'undelivered', 'UNDELIV'],
      ],
    );
    signed.set('timestamp', 'T8');
    assert.throws(() => parseReportPush(signed, 'v', { accessSecret: 's3cret' }), /MD5/);
    assert.throws(() => parseReportPush(new URLSearchParams('sendid=1&state=DELIVRD'), 'v', {}), /without sendid, mobile or state/);
  });

  test('the reply push of 4.: two replies, the system extension 008 cut off by its length', () => {
    const args = '13800210021#@#content1#@#2013-08-21 21:20:11#@#008123#@@#13978767656#@#content2#@#2013-08-21 21:20:30#@#008456';
    const fields = new URLSearchParams({ name: 'admin', pwd: '12345', args });
    const replies = parseReplyPush(fields, 'v', { replyName: 'admin', replyPassword: '12345', systemExtLength: 3 });
    assert.deepEqual(replies, [
      {
        vendor: 'v',
        mobile: '13800210021',
        content: 'content1',
        extNo: '123',
        at: new Date('2013-08-21T13:20:11Z'),
        vendorKey: '13800210021#@#content1#@#2013-08-21 21:20:11#@#008123',
      },
      {
        vendor: 'v',
        mobile: '13978767656',
        content: 'content2',
        extNo: '456',
        at: new Date('2013-08-21T13:20:30Z'),
        vendorKey: '13978767656#@#content2#@#2013-08-21 21:20:30#@#008456',
      },
    ]);
    assert.equal(parseReplyPush(fields, 'v', { systemExtLength: 0 })[0]!.extNo, '008123');
    assert.equal(parseReplyPush(fields, 'v', { systemExtLength: 6 })[0]!.extNo, null);
    assert.throws(() => parseReplyPush(fields, 'v', { replyPassword: 'x', systemExtLength: 3 }), /pwd/);
    assert.throws(() => parseReplyPush(fields, 'v', { replyName: 'x', systemExtLength: 3 }), /name/);
  });

  test('a reply without its extension, and one whose text holds the separator', () => {
    const fields = new URLSearchParams({ args: '13800210021#@#好#@#2013-08-21 21:20:11#@@#13800210021#@#a#@#b#@#2013-08-21 21:20:12#@#' });
    const replies = parseReplyPush(fields, 'v', { systemExtLength: 3 });
    assert.deepEqual(
      replies.map((r) => [r.content, r.extNo]),
      [
        ['好', null],
        ['a#@#b', null],
      ],
    );
    assert.throws(() => parseReplyPush(new URLSearchParams({ args: 'nonsense' }), 'v', { systemExtLength: 0 }), /fewer than 3/);
    assert.throws(() => parseReplyPush(new URLSearchParams(), 'v', { systemExtLength: 0 }), /without args/);
  });

  test('numbers and times', () => {
    assert.equal(localMobile('+8613800138000'), '13800138000');
    assert.equal(localMobile('008613800138000'), '13800138000');
    assert.equal(localMobile(' 13800138000 '), '13800138000');
    assert.equal(parseVendorTime('2012-08-01 8:20:23')?.toISOString(), '2012-08-01T00:20:23.000Z');
    assert.equal(parseVendorTime('yesterday'), null);
  });
});
