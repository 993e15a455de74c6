import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { Account, Reply, Report, Send, SendStatus } from '../../entities';
import { aspsms, parseBalance, parseReplies, parseReports, parseSendAnswer, reportStatus } from '../../src/vendors/aspsms';
import { localMobile, parseVendorTime, withSignature } from '../../src/vendors/common';
import { DIALECTS, type TestGateway } from '../support/gateway';
import { B64, call } from '../support/soap';
import { type AspSmsFake, ERRORS, FAKE_ACCOUNT, FAKE_PASSWORD, type FakeCall, startAspSmsFake } from './aspsms/fake';
import {
  CHINESE_TEXT,
  fetchReplies,
  fetchReports,
  outbound,
  percentBytes,
  sendSms,
  silentContext,
  startGatewayWith,
  vendorConfigs,
  waitFor,
} from './support';

const A = '13800138000';
const B = '13900139000';

/** Keeps calling a fetch-once SOAP call until `count` items came, then returns them all. */
async function collect<T>(fetch: () => Promise<T[]>, count: number, label: string): Promise<T[]> {
  const all: T[] = [];
  await waitFor(
    async () => {
      all.push(...(await fetch()));
      return all.length >= count;
    },
    20_000,
    label,
  );
  return all;
}

/** The phones of every SendSms.asp call the fake received. */
const sentPhones = (fake: AspSmsFake) => fake.callsTo('SendSms.asp').flatMap((c) => (c.params.get('phones') ?? '').split(','));

const typedYaml = (extra = '', route = '[upstream]', backup = '') => `
vendors:
  upstream:
    type: aspsms
    url: \${VENDOR_URL}
    username: ${FAKE_ACCOUNT}
    password: "${FAKE_PASSWORD}"
    pollIntervalMs: 100
${extra}${backup}
route: ${route}
`;
/**
 * delayMs 400, not 50: on MySQL a report that arrives while the dispatcher's transaction that
 * records the vendor id is still open is parked and then never applied (see the report), and a
 * loaded machine keeps that transaction open longer than 50 ms.
 */
const BACKUP = `
  backup:
    type: simulator
    delayMs: 400
    successRatio: 1
`;

// 1. The whole loop, for every configuration of this vendor (the typed adapter, and any as-http.yaml).
for (const { name, yaml } of vendorConfigs('aspsms')) {
  describe(`aspsms loop: ${name}`, () => {
    let fake: AspSmsFake;
    let gw: TestGateway;
    before(async () => {
      fake = await startAspSmsFake();
      fake.failPhones.add(B);
      gw = await startGatewayWith(yaml, fake.url);
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    test('sendSms reaches SendSms.asp in GBK, reports and replies come back once', async () => {
      const batchId = await sendSms(gw, `${A},${B}`);
      await waitFor(() => sentPhones(fake).length >= 2, 10_000, 'both numbers at SendSms.asp');
      assert.deepEqual(sentPhones(fake).sort(), [A, B]);

      for (const c of fake.callsTo('SendSms.asp')) {
        assert.equal(c.request.method, 'GET', 'the seed documents a GET with the parameters in the URL');
        assert.equal(c.request.path, '/SendSms.asp');
        // Exactly the bytes on the wire: the values as sent, percent-escapes intact.
        assert.equal(c.raw.get('account'), 'acct01');
        assert.match(c.raw.get('password') ?? '', /^pass%23123$/i, 'the # of the password percent-encoded');
        const content = c.raw.get('content') ?? '';
        assert.ok(/^[\x21-\x7e]*$/.test(content), `content travels percent-encoded: ${content}`);
        // 镕 is E9 46 in GBK (0x46 is "F"), 【 A1 BE, 】 A1 BF.
        assert.deepEqual(percentBytes(content), iconv.encode(CHINESE_TEXT, 'gbk'));
        assert.deepEqual([...percentBytes(content).subarray(0, 4)], [0xe9, 0x46, 0xa1, 0xbe]);
        assert.match(c.raw.get('channel') ?? '', /^[1-4]$/);
        assert.match(c.raw.get('phones') ?? '', /^1\d{10}((,|%2C)1\d{10})*$/i);
      }

      const reports = await collect(() => fetchReports(gw), 2, 'two reports');
      assert.equal(fake.pendingReports.length, 0, 'the gateway took the reports from GetReport.asp');
      const byMobile = new Map(reports.map((r) => [r.mobile, r]));
      assert.equal(reports.length, 2);
      assert.equal(byMobile.get(A)?.status, '1');
      assert.equal(byMobile.get(B)?.status, '0');
      assert.ok(reports.every((r) => r.smslogid === batchId));
      assert.deepEqual(await fetchReports(gw), []);

      fake.addReply(A, '回复镕【好的】收到');
      const replies = await collect(() => fetchReplies(gw), 1, 'the reply');
      assert.deepEqual(replies, [{ mobile: A, content: '回复镕【好的】收到' }]);
      assert.equal(fake.pendingReplies.length, 0);
      await new Promise((r) => setTimeout(r, 250)); // two more poll rounds
      assert.deepEqual(await fetchReplies(gw), []);
      assert.deepEqual(await fetchReports(gw), []);
      assert.deepEqual(sentPhones(fake).sort(), [A, B], 'each number sent once, never again');
    });
  });
}

// 2. Failover, on both dialects.
for (const dialect of DIALECTS) {
  describe(`aspsms failover on ${dialect}`, () => {
    let fake: AspSmsFake;
    let gw: TestGateway;
    before(async () => {
      fake = await startAspSmsFake();
      fake.slowMs = 800;
      gw = await startGatewayWith(typedYaml('    timeoutMs: 200\n', '[upstream, backup]', BACKUP), fake.url, {
        dialect,
        env: { DISPATCH_RETRY_BASE_MS: '10' },
      });
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    const cases: { label: string; mobile: string; setup: () => void }[] = [
      { label: 'a timeout', mobile: '13700000001', setup: () => (fake.mode = 'slow') },
      { label: 'system busy (系统忙)', mobile: '13700000002', setup: () => (fake.mode = 'busy') },
      { label: 'HTTP 500', mobile: '13700000003', setup: () => (fake.mode = 'http500') },
      { label: 'our login refused (the vendor changed our password)', mobile: '13700000004', setup: () => (fake.password = 'changed') },
    ];
    for (const c of cases) {
      test(`${c.label}: the row is sent by backup, delivered, reported once, charged once`, async () => {
        c.setup();
        try {
          const calls = fake.callsTo('SendSms.asp').length;
          const before = (await gw.account()).balanceGateway;
          const batchId = await sendSms(gw, c.mobile);
          const reports = await collect(() => fetchReports(gw), 1, 'the report');
          assert.deepEqual(
            reports.map((r) => [r.mobile, r.smslogid, r.status]),
            [[c.mobile, batchId, '1']],
          );
          assert.equal(fake.callsTo('SendSms.asp').length, calls + 1, 'upstream was tried first, once');
          const row = await gw.db.getRepository(Send).findOneByOrFail({ batchId });
          assert.equal(row.vendor, 'backup');
          assert.equal(row.STATUS, SendStatus.delivered);
          assert.equal(row.attempts, 2);
          assert.equal((await gw.account()).balanceGateway, before - 1, 'charged once');
          await new Promise((r) => setTimeout(r, 250));
          assert.deepEqual(await fetchReports(gw), [], 'reported once');
          assert.equal(await gw.db.getRepository(Report).countBy({ batchId }), 1);
        } finally {
          fake.mode = 'normal';
          fake.password = FAKE_PASSWORD;
        }
      });
    }
  });
}

describe('aspsms refusals and repeats', () => {
  let fake: AspSmsFake;
  let gw: TestGateway;
  before(async () => {
    fake = await startAspSmsFake();
    gw = await startGatewayWith(typedYaml('', '[upstream, backup]', BACKUP), fake.url, { env: { DISPATCH_RETRY_BASE_MS: '10' } });
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });

  // 3. A permanent refusal.
  test('a forbidden word fails the row for good: refunded, reported status 0, not tried on backup', async () => {
    const before = (await gw.account()).balanceGateway;
    const batchId = await sendSms(gw, A, '欢迎光临赌博网站');
    const reports = await collect(() => fetchReports(gw), 1, 'the failure report');
    assert.deepEqual(
      reports.map((r) => [r.mobile, r.smslogid, r.status]),
      [[A, batchId, '0']],
    );
    const row = await gw.db.getRepository(Send).findOneByOrFail({ batchId });
    assert.equal(row.STATUS, SendStatus.failed);
    assert.equal(row.vendor, 'upstream');
    assert.equal(row.attempts, 1);
    assert.match(row.lastError ?? '', /^upstream: 内容含有非法关键字:赌博 \(refused\)$/);
    assert.equal((await gw.account()).balanceGateway, before, 'refunded');
    const money = await call(gw.serviceUrl, 'getRestMoney', { username: 'demo', password: B64('demo123') });
    assert.match(money, new RegExp(`gateSmsNum=${before};`));
    assert.equal(fake.callsTo('SendSms.asp').length, 1);
  });

  // 4. The vendor pulls, never pushes: a record handed out twice, or an error answer to a poll, changes nothing.
  test('a report or reply handed out twice is told once', async () => {
    const batchId = await sendSms(gw, B);
    const [report] = await collect(() => fetchReports(gw), 1, 'the report');
    assert.equal(report?.smslogid, batchId);
    const issued = fake.issued.find((i) => i.phone === B)!;
    fake.requeueReport(issued.record);
    const record = fake.addReply(B, '重复的回复');
    fake.pendingReplies.push(record);
    await waitFor(() => fake.pendingReports.length === 0 && fake.pendingReplies.length === 0, 5_000, 'polled');
    const replies = await collect(() => fetchReplies(gw), 1, 'the reply');
    await new Promise((r) => setTimeout(r, 250));
    replies.push(...(await fetchReplies(gw)));
    assert.deepEqual(replies, [{ mobile: B, content: '重复的回复' }]);
    assert.deepEqual(await fetchReports(gw), []);
    assert.equal(await gw.db.getRepository(Report).countBy({ batchId }), 1);
    assert.equal(await gw.db.getRepository(Reply).countBy({ mobile: B }), 1);
  });

  test('an error answer to GetReport.asp is no empty queue: the report stays at the vendor and comes later', async () => {
    fake.holdReports = true;
    const batchId = await sendSms(gw, '13500135000');
    await waitFor(
      async () => (await gw.db.getRepository(Send).findOneByOrFail({ batchId })).STATUS === SendStatus.submitted,
      20_000,
      'sent',
    );
    fake.password = 'changed';
    try {
      fake.holdReports = false;
      fake.releaseReports();
      const refused = fake.callsTo('GetReport.asp').length;
      await waitFor(() => fake.callsTo('GetReport.asp').length >= refused + 2, 20_000, 'two refused polls');
      assert.equal(fake.pendingReports.length, 1, 'the vendor handed nothing out');
      assert.equal(await gw.db.getRepository(Report).countBy({ batchId }), 0);
    } finally {
      fake.password = FAKE_PASSWORD;
    }
    const reports = await collect(() => fetchReports(gw), 1, 'the report');
    assert.deepEqual(
      reports.map((r) => [r.mobile, r.smslogid, r.status]),
      [['13500135000', batchId, '1']],
    );
  });

  test('the account signature goes into the text, where this vendor has no parameter for it', async () => {
    const account = await gw.account();
    await gw.db.getRepository(Account).update({ id: account.id }, { signature: '镕公司' });
    try {
      const calls = fake.callsTo('SendSms.asp').length;
      await sendSms(gw, A, '验证码 8888');
      await waitFor(() => fake.callsTo('SendSms.asp').length > calls, 5_000, 'the send');
      const sent = fake.callsTo('SendSms.asp').at(-1)!;
      assert.equal(sent.params.get('content'), '【镕公司】验证码 8888');
      assert.equal(sent.raw.get('content'), '%A1%BE%E9F%B9%AB%CB%BE%A1%BF%D1%E9%D6%A4%C2%EB+8888');
      assert.equal(
        sent.request.rawQuery.replace(/&Content=[^&]*/, ''),
        `Account=acct01&Password=pass%23123&Phones=${A}&Channel=3&SendTime=`,
      );
    } finally {
      await gw.db.getRepository(Account).update({ id: account.id }, { signature: null });
    }
  });
});

// 5. Configuration mistakes.
describe('aspsms configuration', () => {
  const rejects = async (yaml: string, key: RegExp) => {
    await assert.rejects(startGatewayWith(yaml, 'http://127.0.0.1:9'), (err: Error) => {
      assert.match(err.message, key);
      return true;
    });
  };
  test('a misspelt key names vendors.upstream.<key>', () =>
    rejects(typedYaml('    chanel: 3\n'), /vendors\.upstream\.chanel: unknown key \(did you mean "channel"\?\)/));
  test('a missing required key names it', () =>
    rejects(typedYaml().replace(`    username: ${FAKE_ACCOUNT}\n`, ''), /vendors\.upstream\.username: is required/));
  test('a channel outside 1–4 names it', () => rejects(typedYaml('    channel: 5\n'), /vendors\.upstream\.channel: /));
  test('defaults, and permanentCodes as numbers or strings', () => {
    const parsed = aspsms.settings.parse({ url: 'http://127.0.0.1:8000/', username: 'u', password: 'p', permanentCodes: [-3, '-4'] });
    assert.deepEqual(
      { ...parsed, url: undefined },
      {
        url: undefined,
        username: 'u',
        password: 'p',
        timeoutMs: 10_000,
        concurrency: 4,
        pushAllowIps: [],
        channel: 3,
        charset: 'gbk',
        maxNumbersPerRequest: 100,
        signaturePlacement: 'prefix',
        deliveredFlag: '0',
        permanentCodes: ['-3', '-4'],
        pollIntervalMs: 10_000,
      },
    );
    assert.equal(
      aspsms.settings.safeParse({ url: 'http://127.0.0.1/', username: 'u', password: 'p', permanentCodes: ['x'] }).success,
      false,
    );
  });
  test('an unknown charset names it', () => rejects(typedYaml('    charset: big5\n'), /vendors\.upstream\.charset: /));
});

// 6. The pure functions, with the seed's own formats.
describe('aspsms parse functions', () => {
  test('SendSms.asp: a positive id is the batch number, anything else an error', () => {
    assert.deepEqual(parseSendAnswer('2024050600\r\n'), { ok: true, batchId: '2024050600' });
    assert.deepEqual(parseSendAnswer('0'), { ok: false, retryable: true, reason: 'error code, retried' });
    assert.deepEqual(parseSendAnswer('-3'), { ok: false, retryable: true, reason: 'error code, retried' });
    assert.deepEqual(parseSendAnswer('-3', ['-3']), { ok: false, retryable: false, reason: 'refused' });
    assert.deepEqual(parseSendAnswer('-3|赌博', ['-3']), { ok: false, retryable: false, reason: 'refused' });
    assert.equal(parseSendAnswer('').ok, false);
    const permanent = ['内容含有非法关键字:赌博', '手机号码错误:1380013', '用户黑名单', '内容超长', '含有敏感词'];
    for (const text of permanent) assert.equal((parseSendAnswer(text) as { retryable: boolean }).retryable, false, text);
    const retryable = [
      '帐号或密码错误',
      '用户名或密码非法',
      '余额不足',
      '系统忙,请稍后再试',
      'IP不在白名单',
      'IP被列入黑名单',
      '通道错误',
      'Microsoft VBScript 运行时错误',
    ];
    for (const text of retryable) assert.equal((parseSendAnswer(text) as { retryable: boolean }).retryable, true, text);
  });

  test('GetReport.asp: ID$$$$号码$$$$时间$$$$报告标志$$$$报告||||…', () => {
    const now = new Date('2024-05-06T00:00:00Z');
    const { items, malformed } = parseReports(
      '2024050600$$$$13800138000$$$$2024-5-6 10:20:30$$$$0$$$$DELIVRD||||2024050600$$$$8613900139000$$$$2024/05/06 下午 3:04:05$$$$1$$$$UNDELIV||||2024050601$$$$13700137000$$$$?$$$$2$$$$MK:0012||||broken$$$$x||||',
      'upstream',
      '0',
      now,
    );
    assert.deepEqual(items, [
      {
        vendor: 'upstream',
        vendorMsgId: '2024050600',
        mobile: A,
        status: 'delivered',
        code: '0:DELIVRD',
        at: new Date('2024-05-06T02:20:30Z'),
      },
      {
        vendor: 'upstream',
        vendorMsgId: '2024050600',
        mobile: B,
        status: 'undelivered',
        code: '1:UNDELIV',
        at: new Date('2024-05-06T07:04:05Z'),
      },
      { vendor: 'upstream', vendorMsgId: '2024050601', mobile: '13700137000', status: 'undelivered', code: '2:MK:0012', at: now },
    ]);
    assert.deepEqual(malformed, ['broken$$$$x']);
    assert.deepEqual(parseReports('', 'upstream').items, []);
    assert.throws(() => parseReports('帐号或密码错误', 'upstream'), /error answer: 帐号或密码错误/);
  });

  test('报告标志 and 报告 map to the five statuses', () => {
    assert.equal(reportStatus('0', 'DELIVRD'), 'delivered');
    assert.equal(reportStatus('0', ''), 'delivered');
    assert.equal(reportStatus('1', ''), 'undelivered');
    assert.equal(reportStatus('1', 'UNDELIV'), 'undelivered');
    assert.equal(reportStatus('1', 'EXPIRED'), 'expired');
    assert.equal(reportStatus('1', 'REJECTD'), 'rejected');
    assert.equal(reportStatus('1', 'DTBLACK'), 'rejected');
    assert.equal(reportStatus('2', 'UNKNOWN'), 'unknown');
    assert.equal(reportStatus('', ''), 'unknown');
    assert.equal(reportStatus('1', 'ok', '1'), 'delivered');
  });

  test('GetMessage.asp: 手机号$$$$上行内容$$$$发送时间||||…', () => {
    const now = new Date('2024-05-06T00:00:00Z');
    const { items } = parseReplies(
      '13800138000$$$$回复镕【好】$$$$2024-5-6 9:00:00||||+8613900139000$$$$a $$$$ b$$$$20240506090001||||',
      'upstream',
      now,
    );
    assert.deepEqual(items, [
      {
        vendor: 'upstream',
        mobile: A,
        content: '回复镕【好】',
        at: new Date('2024-05-06T01:00:00Z'),
        vendorKey: '13800138000$$$$回复镕【好】$$$$2024-5-6 9:00:00',
      },
      {
        vendor: 'upstream',
        mobile: B,
        content: 'a $$$$ b',
        at: new Date('2024-05-06T01:00:01Z'),
        vendorKey: '+8613900139000$$$$a $$$$ b$$$$20240506090001',
      },
    ]);
    assert.throws(() => parseReplies('-1', 'upstream'), /error answer/);
  });

  test('numbers, times, signatures, balances', () => {
    assert.equal(localMobile('8613800138000'), A);
    assert.equal(localMobile('+8613800138000'), A);
    assert.equal(localMobile('008613800138000'), A);
    assert.equal(localMobile('13800138000 '), A);
    assert.deepEqual(parseVendorTime('2024-12-31 23:59:59'), new Date('2024-12-31T15:59:59Z'));
    assert.deepEqual(parseVendorTime('2024/1/2 上午 12:05:00'), new Date('2024-01-01T16:05:00Z'));
    assert.deepEqual(parseVendorTime('2024-5-6 下午 3:04:05'), new Date('2024-05-06T07:04:05Z'));
    assert.deepEqual(parseVendorTime('20240506150405'), new Date('2024-05-06T07:04:05Z'));
    assert.equal(parseVendorTime('yesterday'), null);
    assert.equal(withSignature('你好', '公司', 'prefix'), '【公司】你好');
    assert.equal(withSignature('你好', '【公司】', 'suffix'), '你好【公司】');
    assert.equal(withSignature('【公司】你好', '公司', 'prefix'), '【公司】你好');
    assert.equal(withSignature('你好', '公司', 'none'), '你好');
    assert.equal(withSignature('你好', null, 'prefix'), '你好');
    assert.equal(parseBalance('1234\r\n'), 1234);
    assert.equal(parseBalance('12.50'), 12.5);
    assert.throws(() => parseBalance(ERRORS.login), /balance refused/);
  });
});

// 7. balance() and send() of the adapter itself, against the fake.
describe('aspsms adapter against the fake', () => {
  let fake: AspSmsFake;
  let other: AspSmsFake;
  before(async () => {
    fake = await startAspSmsFake();
    other = await startAspSmsFake();
    other.balance = 77;
  });
  after(async () => {
    await fake?.stop();
    await other?.stop();
  });
  const vendor = (extra: Record<string, unknown> = {}) =>
    aspsms.create(
      aspsms.settings.parse({ url: `${fake.url}/`, username: FAKE_ACCOUNT, password: FAKE_PASSWORD, ...extra }),
      silentContext(),
    );
  const lastCall = (f: AspSmsFake, page: string): FakeCall => f.callsTo(page).at(-1)!;

  test('balance() asks GetBalance.asp with the channel', async () => {
    const v = vendor({ channel: 4 });
    const { balance, raw } = await v.balance!();
    assert.equal(balance, fake.balance);
    assert.equal(raw, String(fake.balance));
    assert.equal(lastCall(fake, 'GetBalance.asp').request.rawQuery, 'Account=acct01&Password=pass%23123&Channel=4');
  });

  test('balanceUrl sends GetBalance.asp elsewhere (the seed shows it on another port)', async () => {
    const v = vendor({ balanceUrl: `${other.url}/GetBalance.asp` });
    assert.equal((await v.balance!()).balance, 77);
    assert.equal(other.callsTo('GetBalance.asp').length, 1);
  });

  test('balance() with a wrong password throws the vendor answer', async () => {
    await assert.rejects(vendor({ password: 'nope' }).balance!(), /upstream: GetBalance\.asp: balance refused: 帐号或密码错误/);
  });

  test('one batch id for a request of several numbers; requests split at maxNumbersPerRequest', async () => {
    const before = fake.callsTo('SendSms.asp').length;
    const outcomes = await vendor({ maxNumbersPerRequest: 2 }).send([
      outbound(1, A),
      outbound(2, B),
      outbound(3, '13700137000'),
      outbound(4, A, '别的'),
    ]);
    const sends = fake.callsTo('SendSms.asp').slice(before);
    assert.deepEqual(
      sends.map((c) => c.params.get('phones')),
      [`${A},${B}`, '13700137000', A],
    );
    assert.equal(outcomes.length, 4);
    assert.ok(outcomes.every((o) => o.ok));
    const ids = outcomes.map((o) => (o.ok ? o.vendorMsgId : ''));
    assert.equal(ids[0], ids[1]);
    assert.notEqual(ids[1], ids[2]);
    assert.deepEqual(
      ids.slice(0, 3),
      fake.issued.slice(-4, -1).map((i) => i.batchId),
    );
  });

  test('each answer of SendSms.asp as an outcome, the raw answer kept', async () => {
    const v = vendor();
    const one = async () => (await v.send([outbound(5, A)]))[0];
    try {
      fake.mode = 'busy';
      assert.deepEqual(await one(), {
        id: 5,
        ok: false,
        retryable: true,
        error: 'upstream: 系统忙,请稍后再试 (account or system, retried)',
      });
      fake.mode = 'http500';
      assert.deepEqual(await one(), { id: 5, ok: false, retryable: true, error: 'upstream: HTTP 500 500 - 内部服务器错误。' });
    } finally {
      fake.mode = 'normal';
    }
    assert.deepEqual((await vendor({ password: 'nope' }).send([outbound(6, A)]))[0], {
      id: 6,
      ok: false,
      retryable: true,
      error: 'upstream: 帐号或密码错误 (account or system, retried)',
    });
    assert.deepEqual((await v.send([outbound(7, A, '代开发票')]))[0], {
      id: 7,
      ok: false,
      retryable: false,
      error: 'upstream: 内容含有非法关键字:发票 (refused)',
    });
    const accepted = (await v.send([outbound(8, A)]))[0];
    assert.deepEqual(accepted, { id: 8, ok: true, vendorMsgId: fake.issued.at(-1)!.batchId });
  });

  test('a request that times out among several: its rows retryable, the others accepted', async () => {
    fake.slowPhones.add(B);
    fake.slowMs = 500;
    try {
      const outcomes = await vendor({ maxNumbersPerRequest: 1, timeoutMs: 150 }).send([outbound(1, A), outbound(2, B)]);
      assert.equal(outcomes[0]?.ok, true);
      assert.deepEqual({ ...outcomes[1], error: undefined }, { id: 2, ok: false, retryable: true, error: undefined });
      assert.match((outcomes[1] as { error: string }).error, /^upstream: /);
      // All of them timing out: nothing is known, the batch throws.
      await assert.rejects(vendor({ timeoutMs: 150 }).send([outbound(3, B)]));
    } finally {
      fake.slowPhones.clear();
    }
  });

  test('polls: GetReport.asp and GetMessage.asp are read and emptied', async () => {
    const v = vendor();
    await v.send([outbound(9, '13600136000')]);
    fake.addReply('13600136000', '好', '2024-5-6 9:00:00');
    const reportsPoll = v.polls!.find((p) => p.name === 'reports')!;
    const repliesPoll = v.polls!.find((p) => p.name === 'replies')!;
    const news = await reportsPoll.fetch();
    assert.ok(news.reports!.some((r) => r.mobile === '13600136000' && r.status === 'delivered'));
    assert.deepEqual((await reportsPoll.fetch()).reports, []);
    assert.deepEqual(
      (await repliesPoll.fetch()).replies?.map((r) => [r.mobile, r.content]),
      [['13600136000', '好']],
    );
    await assert.rejects(vendor({ password: 'nope' }).polls![0]!.fetch(), /GetReport\.asp: error answer: 帐号或密码错误/);
  });
});
