import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { Send, SendStatus } from '../../entities';
import { localMobile, parseVendorTime, withSignature } from '../../src/vendors/common';
import {
  classifyResult,
  endpoint,
  newSerialNumber,
  parseAnswer,
  parseBalance,
  parseReceiptLine,
  parseReceipts,
  parseReplyPacket,
  receiptStatus,
  replyAnswer,
  sendOutcomes,
  ums,
} from '../../src/vendors/ums';
import type { Vendor } from '../../src/vendors/types';
import { call, DEMO_AUTH } from '../support/soap';
import { DIALECTS, type Dialect, type TestGateway } from '../support/gateway';
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
import { FAKE_ACCOUNT, rawParams, startUmsFake, type UmsFake } from './ums/fake';

const TYPED_YAML = vendorConfigs('ums').find((c) => c.name === 'ums.yaml')!.yaml;
const FAST = { DISPATCH_RETRY_BASE_MS: '10' };

async function start(
  yaml: string,
  options: { dialect?: Dialect; env?: Record<string, string> } = {},
): Promise<{ fake: UmsFake; gw: TestGateway }> {
  const fake = await startUmsFake();
  try {
    const gw = await startGatewayWith(yaml, fake.url, {
      dialect: options.dialect,
      env: { FTP_PORT: String(fake.ftpPort), ...options.env },
    });
    return { fake, gw };
  } catch (err) {
    await fake.stop();
    throw err;
  }
}

async function stopAll(...things: ({ stop(): Promise<void> } | undefined)[]): Promise<void> {
  for (const t of things) await t?.stop();
}

const rows = (gw: TestGateway) => gw.db.getRepository(Send).find({ order: { ID: 'ASC' } });

/** The typed configuration with extra keys under vendors.upstream. */
function typedYaml(extra: string): string {
  return TYPED_YAML.replace('    pollIntervalMs: 100\n', `    pollIntervalMs: 100\n${extra}`);
}

// 1. The whole loop, for every configuration of this vendor.
for (const { name, yaml } of vendorConfigs('ums')) {
  describe(`ums loop (${name})`, () => {
    let fake: UmsFake;
    let gw: TestGateway;
    before(async () => {
      ({ fake, gw } = await start(yaml));
      fake.undelivered.add('13900139000');
    });
    after(() => stopAll(gw, fake));

    test('sendSms reaches Send.do as GB2312 form bytes, receipts come back from FTP once, a reply once', async () => {
      await sendSms(gw, '13800138000,13900139000');
      await waitFor(() => fake.accepted.length === 1, 15_000, 'Send.do accepted');
      const send = fake.received.find((r) => r.path === '/sms/Api/Send.do')!;
      assert.equal(send.method, 'POST');
      assert.match(String(send.headers['content-type']), /^application\/x-www-form-urlencoded/);
      const raw = rawParams(send.body);
      // 镕 is E9 46 in CP936 (outside GB2312 proper), 【 A1 BE, 测 B2 E2, 试 CA D4, 】 A1 BF, 验证码 D1E9 D6A4 C2EB.
      // 0x46 is 'F', which form encoding (like Java's URLEncoder) leaves as is: the bytes are E9 46 all the same.
      assert.equal(raw.get('MessageContent'), '%E9F%A1%BE%B2%E2%CA%D4%A1%BF%D1%E9%D6%A4%C2%EB123456');
      assert.equal(percentBytes(raw.get('MessageContent')!).subarray(0, 2).toString('hex'), 'e946');
      assert.equal(raw.get('SpCode'), '200097');
      assert.equal(raw.get('LoginName'), 'admin');
      assert.equal(raw.get('Password'), 'p%40ss%26word+1', 'the password goes as is, form-encoded');
      assert.equal(raw.get('UserNumber'), '13800138000%2C13900139000');
      assert.match(raw.get('SerialNumber') ?? '', /^\d{20}$/);
      assert.equal(raw.get('ScheduleTime'), '');
      assert.equal(raw.get('ExtendAccessNum'), '');
      assert.equal(raw.get('f'), '1');
      assert.equal(fake.sends()[0]!.get('MessageContent'), CHINESE_TEXT, 'the platform reads the text back intact');

      let reports: Awaited<ReturnType<typeof fetchReports>> = [];
      await waitFor(
        async () => {
          reports.push(...(await fetchReports(gw)));
          return reports.length >= 2;
        },
        15_000,
        'two reports',
      );
      reports = reports.sort((a, b) => a.mobile.localeCompare(b.mobile));
      assert.deepEqual(
        reports.map((r) => [r.mobile, r.status]),
        [
          ['13800138000', '1'],
          ['13900139000', '0'],
        ],
      );
      assert.deepEqual(await fetchReports(gw), [], 'a report is handed out once');
      await waitFor(() => fake.receiptFiles().length === 0, 15_000, 'receipt file taken off the FTP server');
      if (/ftpDoneDir: done/.test(yaml)) assert.equal(fake.filesIn('done').length, 1, 'moved to the done folder');

      const text = '回复镕测试，好的';
      const answer = await fake.pushReply(gw.callbackUrl('upstream', 'replies'), [
        { mdn: '13800138000', callmdn: FAKE_ACCOUNT.accessNumber, msg: text, replytime: '2024-05-01 12:00:00' },
      ]);
      assert.equal(answer.body, '<returncode>0</returncode>');
      const replies = await fetchReplies(gw);
      assert.deepEqual(replies, [{ mobile: '13800138000', content: text }]);
      assert.deepEqual(await fetchReplies(gw), [], 'a reply is handed out once');
    });
  });
}

// 2. Failover: a fake that times out, says "system error" (20) or answers HTTP 500 → the backup sends.
for (const dialect of DIALECTS) {
  describe(`ums failover (${dialect})`, () => {
    const yaml = `${TYPED_YAML.replace('    pollIntervalMs: 100\n', '    pollIntervalMs: 100\n    timeoutMs: 300\n').replace(
      'route: [upstream]',
      '  backup:\n    type: simulator\n    delayMs: 50\n    successRatio: 1\nroute: [upstream, backup]',
    )}`;
    let fake: UmsFake;
    let gw: TestGateway;
    before(async () => {
      ({ fake, gw } = await start(yaml, { dialect, env: FAST }));
      fake.delayMs = 1000;
    });
    after(() => stopAll(gw, fake));

    (['timeout', 'busy', 'http500'] as const).forEach((mode, i) => {
      test(`${mode}: the row goes out through backup, delivered, reported and charged once`, async () => {
        const mobile = `1380013800${i}`;
        fake.mode = mode;
        const asked = fake.received.length;
        const balance = (await gw.account()).balanceGateway;
        await sendSms(gw, mobile);
        const row = async () => (await rows(gw)).find((r) => r.infoto === mobile);
        await waitFor(async () => (await row())?.STATUS === SendStatus.delivered, 15_000, 'row delivered');
        assert.equal((await row())!.vendor, 'backup');
        assert.equal((await row())!.attempts, 2, 'one failed try at upstream, then backup');
        assert.equal(fake.received.slice(asked).filter((r) => r.path === '/sms/Api/Send.do').length, 1, 'upstream was asked once');
        await gw.waitForReports(i + 1, 'demo', 15_000);
        assert.deepEqual(
          (await fetchReports(gw)).map((r) => [r.mobile, r.status]),
          [[mobile, '1']],
        );
        assert.deepEqual(await fetchReports(gw), []);
        assert.equal((await gw.account()).balanceGateway, balance - 1, 'charged once');
        assert.equal(fake.accepted.length, 0);
      });
    });
  });
}

describe('ums refusals, receipts and replies (typed)', () => {
  let fake: UmsFake;
  let gw: TestGateway;
  before(async () => {
    ({ fake, gw } = await start(TYPED_YAML));
  });
  after(() => stopAll(gw, fake));
  /** Reports fetched so far and not yet checked: each test takes (splices) its own. */
  const taken: Awaited<ReturnType<typeof fetchReports>> = [];
  async function fetchReportsInto(g: TestGateway) {
    taken.push(...(await fetchReports(g)));
    return taken;
  }

  // 3. A permanent refusal.
  test('a forbidden word (7): the row fails, the charge is refunded, the caller is told 0', async () => {
    const before = fake.received.length;
    await sendSms(gw, '13700137000', '这里有赌博内容');
    await waitFor(async () => (await fetchReportsInto(gw)).length > 0, 15_000, 'failure report');
    assert.deepEqual(
      taken.splice(0).map((r) => [r.mobile, r.status]),
      [['13700137000', '0']],
    );
    const row = (await rows(gw)).find((r) => r.infoto === '13700137000')!;
    assert.equal(row.STATUS, SendStatus.failed);
    assert.equal(row.attempts, 1, 'not retried');
    assert.equal(row.lastError, 'upstream: 7|内容中含有非法关键字 (forbidden word)');
    assert.equal(fake.received.length - before, 1);
    const money = await call(gw.serviceUrl, 'getRestMoney', DEMO_AUTH);
    assert.match(money, /gateSmsNum=100000;/, 'the charge was refunded');
  });

  test('numbers in faillist fail for good, the others of the request are sent', async () => {
    fake.invalid.add('13600136000');
    await sendSms(gw, '13500135000,13600136000', '通知：明天开会');
    await waitFor(async () => (await fetchReportsInto(gw)).length >= 2, 15_000, 'two reports');
    assert.deepEqual(
      taken
        .splice(0)
        .map((r) => [r.mobile, r.status])
        .sort(),
      [
        ['13500135000', '1'],
        ['13600136000', '0'],
      ],
    );
    const failed = (await rows(gw)).find((r) => r.infoto === '13600136000')!;
    assert.equal(failed.STATUS, SendStatus.failed);
    assert.match(failed.lastError ?? '', /^upstream: 0\|发送成功 \(in faillist/);
    assert.deepEqual(fake.accepted.at(-1)!.numbers, ['13500135000']);
  });

  test("the account's signature goes into MessageContent and its extension into ExtendAccessNum; a reply to the extension finds the account", async () => {
    await gw.db.query(`UPDATE account SET signature = '测试签名', ext_no = '88' WHERE username = 'demo'`);
    try {
      const n = fake.accepted.length;
      await sendSms(gw, '13400134000', '您的验证码123');
      await waitFor(() => fake.accepted.length === n + 1, 15_000, 'accepted');
      const raw = rawParams(fake.received.filter((r) => r.path === '/sms/Api/Send.do').at(-1)!.body);
      assert.equal(raw.get('ExtendAccessNum'), '88');
      assert.equal(fake.accepted.at(-1)!.content, '【测试签名】您的验证码123');
      await waitFor(async () => (await fetchReportsInto(gw)).length >= 1, 15_000, 'report');
      taken.splice(0);
      await fake.pushReply(gw.callbackUrl('upstream', 'replies'), [
        { mdn: '8613300133000', callmdn: `${FAKE_ACCOUNT.accessNumber}88`, msg: '收到', replytime: '2024-05-01 12:00:01' },
      ]);
      const [reply] = await gw.db.query(`SELECT mobile, ext_no AS ext, account_id AS acc FROM reply WHERE content = '收到'`);
      assert.equal(reply.mobile, '13300133000', '86 stripped');
      assert.equal(reply.ext, '88', 'the access number stripped from callmdn');
      assert.equal(reply.acc, (await gw.account()).id, 'routed by extension: the number never got a message');
      assert.deepEqual(await fetchReplies(gw), [{ mobile: '13300133000', content: '收到' }]);
    } finally {
      await gw.db.query(`UPDATE account SET signature = NULL, ext_no = NULL WHERE username = 'demo'`);
    }
  });

  // 4. Repeats and malformed pushes.
  test('a repeated reply push, and a packet with several replies and a GB2312 declaration, are queued once each', async () => {
    const url = gw.callbackUrl('upstream', 'replies');
    // 13700137000 got a message in this gateway (the first test), so its replies belong to demo.
    const first = { mdn: '13700137000', callmdn: FAKE_ACCOUNT.accessNumber, msg: '第一条', replytime: '2024-05-02 08:00:00' };
    const second = { mdn: '13700137000', callmdn: FAKE_ACCOUNT.accessNumber, msg: '第二条 & <更多>', replytime: '2024-05-02 08:00:05' };
    assert.equal((await fake.pushReply(url, [first])).body, '<returncode>0</returncode>');
    assert.equal((await fake.pushReply(url, [first])).body, '<returncode>0</returncode>', 'a repeat is still answered 0');
    const escaped = { ...second, msg: '第二条 &amp; &lt;更多&gt;' };
    assert.equal((await fake.pushReply(url, [first, escaped], { declaration: true })).body, '<returncode>0</returncode>');
    const replies = await fetchReplies(gw);
    assert.deepEqual(
      replies.map((r) => r.content),
      ['第一条', '第二条 & <更多>'],
    );
    assert.deepEqual(await fetchReplies(gw), []);
  });

  test('a malformed packet gets a non-zero returncode and stores nothing', async () => {
    const url = gw.callbackUrl('upstream', 'replies');
    for (const body of ['<packet><reply><mdn>138', '<other/>', '<packet><reply><msg>没有号码</msg></reply></packet>', '']) {
      const res = await fake.pushReply(url, [], { body: iconv.encode(body, 'gb2312') });
      assert.equal(res.body, '<returncode>1</returncode>', body);
      assert.equal(res.status, 400);
    }
    assert.deepEqual(await fetchReplies(gw), []);
  });

  test('receipts the platform writes again in another file change nothing', async () => {
    const n = fake.accepted.length;
    await sendSms(gw, '13200132000', '重复回执测试');
    await waitFor(() => fake.accepted.length === n + 1, 15_000, 'accepted');
    await waitFor(async () => (await fetchReportsInto(gw)).length >= 1, 15_000, 'report');
    assert.deepEqual(
      taken.splice(0).map((r) => r.mobile),
      ['13200132000'],
    );
    fake.undelivered.add('13200132000');
    fake.writeReceipts(fake.receiptLines(fake.accepted.at(-1)!));
    await waitFor(() => fake.receiptFiles().length === 0, 15_000, 'second file taken');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(await fetchReports(gw), []);
    const row = (await rows(gw)).find((r) => r.infoto === '13200132000')!;
    assert.equal(row.STATUS, SendStatus.delivered, 'the first, final report stands');
  });

  test('a poll that fails reading a file, or deleting one, loses nothing and applies nothing twice', async () => {
    fake.autoReceipts = false;
    try {
      const n = fake.accepted.length;
      await sendSms(gw, '13100131000,13000130000', '故障测试');
      await waitFor(() => fake.accepted.length === n + 1, 15_000, 'accepted');
      const [a, b] = fake.receiptLines(fake.accepted.at(-1)!);
      fake.faults.read = 1;
      fake.faults.delete = 1;
      const logFrom = fake.ftpLog.length;
      const fileA = fake.writeReceipts([a!], 'arrive_200097_1_aaa_1');
      fake.writeReceipts([b!], 'arrive_200097_1_aaa_2');
      await waitFor(async () => (await fetchReportsInto(gw)).length >= 2, 15_000, 'both reports');
      await waitFor(() => fake.receiptFiles().length === 0, 15_000, 'files removed');
      const log = fake.ftpLog.slice(logFrom);
      assert.ok(log.filter((l) => l === `RETR ${fileA}`).length >= 2, 'the first file was read again after the failed read');
      assert.ok(log.filter((l) => l === `DELE ${fileA}`).length >= 2, 'the failed delete was tried again');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        taken
          .splice(0)
          .map((r) => r.mobile)
          .sort(),
        ['13000130000', '13100131000'],
      );
      assert.deepEqual(await fetchReports(gw), [], 'nothing applied twice');
    } finally {
      fake.autoReceipts = true;
    }
  });

  test('a receipt file still being written is taken only once it stops growing', async () => {
    fake.autoReceipts = false;
    try {
      const n = fake.accepted.length;
      const numbers = ['15000150001', '15000150002', '15000150003', '15000150004'];
      await sendSms(gw, numbers.join(','), '分批写入');
      await waitFor(() => fake.accepted.length === n + 1, 15_000, 'accepted');
      const lines = fake.receiptLines(fake.accepted.at(-1)!);
      const file = fake.writeReceipts(lines.slice(0, 1));
      let written = 1;
      // The platform appends a line whenever the gateway lists the directory or has read a file, until all are written:
      // a file taken while growing would lose the lines added between its reading and its removal.
      fake.whileWriting = () => {
        if (written < lines.length) fake.appendReceipts(file, [lines[written++]!]);
      };
      await waitFor(async () => (await fetchReportsInto(gw)).length >= 4, 15_000, 'four reports');
      assert.deepEqual(
        taken
          .splice(0)
          .map((r) => r.mobile)
          .sort(),
        numbers,
      );
    } finally {
      fake.whileWriting = null;
      fake.autoReceipts = true;
    }
  });

  // 7. The balance call.
  test('balance() reads SearchNumber.do number', async () => {
    fake.balance = 4321;
    const balance = await gw.vendors.get('upstream')!.balance!();
    assert.equal(balance.balance, 4321);
    const query = fake.received.filter((r) => r.path === '/sms/Api/SearchNumber.do').at(-1)!;
    assert.equal(query.body.toString('latin1'), 'SpCode=200097&LoginName=admin&Password=p%40ss%26word+1');
  });
});

describe('ums send, called directly', () => {
  let fake: UmsFake;
  let vendor: Vendor;
  before(async () => {
    fake = await startUmsFake();
    fake.autoReceipts = false;
    fake.delayMs = 1000;
    const options = ums.settings.parse({
      url: fake.url,
      spCode: FAKE_ACCOUNT.spCode,
      username: FAKE_ACCOUNT.loginName,
      password: FAKE_ACCOUNT.password,
      timeoutMs: 300,
      receipts: 'none',
    });
    vendor = ums.create(options, silentContext('u'));
  });
  after(() => fake.stop());

  test('one request of a batch timing out keeps the acceptances of the others', async () => {
    fake.hangOn = '慢';
    const outcomes = await vendor.send([
      outbound(1, '13800138000', '快'),
      outbound(2, '13900139000', '慢'),
      outbound(3, '13700137000', '快'),
    ]);
    assert.equal(fake.sends().length, 2, 'one request per text');
    assert.deepEqual(
      outcomes.map((o) => [o.id, o.ok]),
      [
        [1, true],
        [3, true],
        [2, false],
      ],
    );
    const [accepted] = fake.accepted;
    assert.deepEqual(accepted!.numbers, ['13800138000', '13700137000']);
    assert.equal((outcomes[0] as { vendorMsgId: string }).vendorMsgId, accepted!.serial, 'the SerialNumber is the id');
    assert.equal((outcomes[2] as { retryable: boolean }).retryable, true);
  });

  test('a batch whose every request fails on the network throws', async () => {
    fake.hangOn = '慢';
    await assert.rejects(vendor.send([outbound(4, '13800138000', '慢')]), /abort|timeout/i);
  });
});

describe('ums wrong credentials', () => {
  test('a wrong password (3) is retryable: the row stays waiting for another try', async () => {
    const { fake, gw } = await start(TYPED_YAML.replace('password: p@ss&word 1', 'password: wrong'), { env: FAST });
    try {
      await sendSms(gw, '13800138000');
      await waitFor(async () => ((await rows(gw))[0]?.attempts ?? 0) >= 2, 15_000, 'retried');
      const [row] = await rows(gw);
      assert.equal(row!.STATUS, SendStatus.waiting);
      assert.match(row!.lastError ?? '', /^upstream: 3\|账号密码错误 \(wrong password\)$/);
      await assert.rejects(gw.vendors.get('upstream')!.balance!(), /upstream: balance query refused: 3\|账号密码错误/);
    } finally {
      await stopAll(gw, fake);
    }
  });
});

// 5. Configuration mistakes.
describe('ums configuration', () => {
  const cases: [string, string, RegExp][] = [
    ['a misspelt key', TYPED_YAML.replace('spCode:', 'spcode:'), /vendors\.upstream\.spcode: unknown key \(did you mean "spCode"\?\)/],
    ['a missing spCode', TYPED_YAML.replace(/ {4}spCode: .*\n/, ''), /vendors\.upstream\.spCode: is required/],
    ['a bad ftpPort', TYPED_YAML.replace('${FTP_PORT}', 'seventy'), /vendors\.upstream\.ftpPort: /],
    ['a bad f', typedYaml('    f: 2\n'), /vendors\.upstream\.f: /],
  ];
  for (const [what, yaml, message] of cases) {
    test(`${what} is refused at start`, async () => {
      await assert.rejects(startGatewayWith(yaml, 'http://127.0.0.1:9', { env: { FTP_PORT: '2121' } }), message);
    });
  }
});

// 6. The pure functions, with the seed's own examples.
describe('ums parsing', () => {
  test("the seed's answer example decodes to 发送成功", () => {
    const a = parseAnswer(Buffer.from('result=0&description=%B7%A2%CB%CD%B3%C9%B9%A6&faillist='));
    assert.equal(a.get('result'), '0');
    assert.equal(a.get('description'), '发送成功');
    assert.equal(a.get('faillist'), '');
    // Some servers answer in raw GB2312 bytes rather than URL-encoded.
    assert.equal(
      parseAnswer(Buffer.concat([Buffer.from('result=7&description='), iconv.encode('非法关键字', 'gb2312')])).get('description'),
      '非法关键字',
    );
  });

  test('sendOutcomes: accepted under the SerialNumber, faillist numbers refused, codes classified', () => {
    const group = [
      { id: 1, mobile: '13800138000' },
      { id: 2, mobile: '13900139000' },
    ];
    const enc = (s: string) => Buffer.from(s);
    assert.deepEqual(
      sendOutcomes('u', group, 'S1', 200, enc('result=0&description=%B7%A2%CB%CD%B3%C9%B9%A6&faillist=8613900139000'), 'gb2312'),
      [
        { id: 1, ok: true, vendorMsgId: 'S1' },
        { id: 2, ok: false, retryable: false, error: 'u: 0|发送成功 (in faillist: invalid number)' },
      ],
    );
    assert.deepEqual(
      sendOutcomes('u', group, 'S1', 200, enc('result=17&description=&faillist='), 'gb2312').map((o) => !o.ok && o.retryable),
      [true, true],
    );
    assert.deepEqual(
      sendOutcomes('u', group, 'S1', 200, enc('result=6&description=&faillist=13900139000'), 'gb2312').map((o) => !o.ok && o.retryable),
      [true, false],
      'with f=0 the valid numbers of a refused request are retried',
    );
    assert.equal(
      sendOutcomes('u', group, 'S1', 200, enc('result=26&description=&faillist='), 'gb2312')[0]!.ok,
      true,
      '26: held for review',
    );
    assert.deepEqual(sendOutcomes('u', group, 'S1', 502, enc('Bad Gateway'), 'gb2312')[0], {
      id: 1,
      ok: false,
      retryable: true,
      error: 'u: HTTP 502 Bad Gateway',
    });
    assert.equal((sendOutcomes('u', group, 'S1', 200, enc('<html>'), 'gb2312')[0] as { retryable: boolean }).retryable, true);
  });

  test('result codes', () => {
    assert.equal(classifyResult('0').kind, 'accepted');
    for (const c of ['1', '6', '7', '8', '10', '28', '32']) assert.equal(classifyResult(c).kind, 'permanent', c);
    for (const c of ['2', '3', '5', '11', '13', '17', '20', '24', '99']) assert.equal(classifyResult(c).kind, 'retryable', c);
  });

  test("a receipt line as the seed's Java parses it", () => {
    const line =
      'SPID=197258\tMESSAGEID=910320f1\tID=2432901361\tCALLMDN=2501\tMDN=13800138000\tRESULT=0\tDESC=DELIVRD\tARRIVE_TIME=2012-01-01 00:00:02';
    const r = parseReceiptLine(line);
    assert.deepEqual([...r.keys()], ['SPID', 'MESSAGEID', 'ID', 'CALLMDN', 'MDN', 'RESULT', 'DESC', 'ARRIVE_TIME']);
    assert.equal(parseReceiptLine(' mdn = 139 \tresult=1').get('MDN'), '139', 'keys upper-cased, values trimmed');
    const [report] = parseReceipts('u', `${line}\r\n\r\n`);
    assert.deepEqual(report, {
      vendor: 'u',
      vendorMsgId: '2432901361',
      mobile: '13800138000',
      status: 'delivered',
      code: 'DELIVRD',
      at: new Date('2011-12-31T16:00:02Z'),
    });
    assert.equal(parseReceipts('u', 'SPID=1\tMESSAGEID=x\tMDN=138').length, 0, 'a line without ID is skipped');
    const [empty] = parseReceipts('u', 'ID=5\tMDN=\tRESULT=0\tDESC=DELIVRD\tARRIVE_TIME=402');
    assert.equal(empty!.mobile, undefined, 'an empty MDN matches every number of the request');
  });

  test('receipt statuses', () => {
    assert.equal(receiptStatus('0', 'DELIVRD'), 'delivered');
    assert.equal(receiptStatus('1', 'UNDELIV'), 'undelivered');
    assert.equal(receiptStatus('1', 'EXPIRED'), 'expired');
    assert.equal(receiptStatus('1', 'REJECTD'), 'rejected');
    assert.equal(receiptStatus('1', 'DB:BLACK'), 'rejected');
    assert.equal(receiptStatus('2', 'UNKNOWN'), 'unknown');
    assert.equal(receiptStatus('', ''), 'unknown');
    assert.equal(receiptStatus('1', 'MK:0001'), 'undelivered');
  });

  test("the seed's reply packet, GB2312 with no declaration; a UTF-8 one that says so", () => {
    const seed =
      '<packet><reply><mdn></mdn><callmdn>111</callmdn><msg>回复内容测试</msg><replytime>2012-01-01 00:00:00</replytime></reply></packet>';
    assert.throws(() => parseReplyPacket('u', iconv.encode(seed, 'gb2312'), 'text/xml', { charset: 'gb2312', accessNumber: '' }), /mdn/);
    const ok = seed.replace('<mdn></mdn>', '<mdn>13800138000</mdn>');
    const [reply] = parseReplyPacket('u', iconv.encode(ok, 'gb2312'), 'text/xml', { charset: 'gb2312', accessNumber: '' });
    assert.equal(reply!.content, '回复内容测试');
    assert.equal(reply!.extNo, '111');
    assert.deepEqual(reply!.at, new Date('2011-12-31T16:00:00Z'));
    const utf8 = Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>${ok}`, 'utf8');
    assert.equal(parseReplyPacket('u', utf8, 'text/xml', { charset: 'gb2312', accessNumber: '1' })[0]!.extNo, '11');
    assert.deepEqual(replyAnswer(true), { contentType: 'text/xml', body: '<returncode>0</returncode>' });
    assert.notEqual(replyAnswer(false).body, '<returncode>0</returncode>');
  });

  test('balance answer', () => {
    assert.equal(parseBalance('u', 200, Buffer.from('result=0&description=&number=1234'), 'gb2312').balance, 1234);
    assert.throws(
      () => parseBalance('u', 200, Buffer.from('result=3&description=%D5%CB%BA%C5'), 'gb2312'),
      /u: balance query refused: 3\|账号/,
    );
  });

  test('helpers', () => {
    assert.equal(withSignature('你好', '签名', 'prefix'), '【签名】你好');
    assert.equal(withSignature('你好', '【签名】', 'suffix'), '你好【签名】');
    assert.equal(withSignature('【签名】你好', '签名', 'prefix'), '【签名】你好');
    assert.equal(withSignature('你好', '签名', 'none'), '你好');
    assert.equal(withSignature('你好', null, 'prefix'), '你好');
    const serials = new Set(Array.from({ length: 500 }, () => newSerialNumber()));
    assert.equal(serials.size, 500);
    for (const s of serials) assert.match(s, /^\d{20}$/);
    assert.equal(localMobile('+8613800138000'), '13800138000');
    assert.equal(localMobile('13800138000'), '13800138000');
    assert.equal(endpoint('http://h:8899', 'sms/Api/Send.do'), 'http://h:8899/sms/Api/Send.do');
    assert.equal(endpoint('http://h:8899/sms/Api/', 'sms/Api/Send.do'), 'http://h:8899/sms/Api/Send.do');
    assert.equal(parseVendorTime('20240501120000')?.toISOString(), '2024-05-01T04:00:00.000Z');
    assert.equal(parseVendorTime('2024-05-01 12:00:00')?.toISOString(), '2024-05-01T04:00:00.000Z');
    assert.equal(parseVendorTime('402'), null);
  });
});
