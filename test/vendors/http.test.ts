import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Account, Reply, Report, Send, SendStatus } from '../../entities';
import { configuredHttp, joinUrl } from '../../src/vendors/http';
import { localMobile } from '../../src/vendors/common';
import { parseLenientJson } from '../../src/vendors/lenientJson';
import { checkAnswer, jsonPathGet, pickValues, readAnswer, readSendAnswer } from '../../src/vendors/http/answer';
import { parseTextRecords, recordToReply, recordToReports } from '../../src/vendors/http/records';
import { httpSettings, type SendAnswerSpec, type TextRecordsSpec } from '../../src/vendors/http/schema';
import { formatTime, parseTemplate, parseTime, render } from '../../src/vendors/http/template';
import { encodeForm } from '../../src/vendors/request';
import { call, DEMO_AUTH } from '../support/soap';
import { DIALECTS, type TestGateway } from '../support/gateway';
import { CLOUD, FakeCloud } from './http/fake';
import {
  chinaTime,
  CHINESE_TEXT,
  fetchReplies,
  fetchReports,
  outbound,
  sendSms,
  silentContext,
  startFakeServer,
  startGatewayWith,
  VENDOR_NAME,
  vendorConfigs,
  waitFor,
} from './support';

const A = '13800138000';
const B = '13900139000';
const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');
const JSON_YAML = vendorConfigs('http').find((c) => c.name === 'jsoncloud.yaml')!.yaml;
const rowsOf = (gw: TestGateway, batchId: string) => gw.db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });

async function startPair(
  yaml: string,
  options: Parameters<typeof startGatewayWith>[2] = {},
): Promise<{ fake: FakeCloud; gw: TestGateway }> {
  const fake = await FakeCloud.start();
  try {
    const gw = await startGatewayWith(yaml, fake.url, options);
    fake.reportUrl = gw.callbackUrl(VENDOR_NAME, 'reports');
    return { fake, gw };
  } catch (err) {
    await fake.stop();
    throw err;
  }
}

/** The JSON cloud YAML with the upstream's extra keys and a simulator backup after it. */
function withBackup(yaml: string, extra: string): string {
  return yaml
    .replace('    mobilePrefix:', `${extra}    mobilePrefix:`)
    .replace('route: [upstream]', '  backup:\n    type: simulator\n    delayMs: 50\n    successRatio: 1\nroute: [upstream, backup]');
}

// 1. The whole loop, over the wire only, for every configuration in test/vendors/http/.
for (const { name, yaml } of vendorConfigs('http')) {
  describe(`http loop (${name})`, () => {
    let fake: FakeCloud;
    let gw: TestGateway;
    before(async () => ({ fake, gw } = await startPair(yaml)));
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    test('sendSms → the exact JSON at the vendor → pushed reports once → a pulled reply once', async () => {
      fake.stats.set(`+86${B}`, 'UNDELIV');
      const batchId = await sendSms(gw, `${A},${B}`);
      await waitFor(() => fake.sends.some((s) => s.items.length > 0), 10_000, 'the send at the fake');
      assert.equal(fake.sends.length, 1, 'both numbers in one request');
      const [send] = fake.sends;
      assert.equal(send!.request.method, 'POST');
      assert.equal(send!.request.path, '/v2/sms/send');
      assert.equal(send!.request.headers['x-api-key'], CLOUD.apiKey);
      assert.match(String(send!.request.headers['content-type']), /^application\/json/);
      // 镕 E9 95 95, 【 E3 80 90, 】 E3 80 91: UTF-8 bytes in the JSON body, not \u escapes.
      const raw = send!.request.body;
      for (const hex of ['e99595', 'e38090', 'e38091'])
        assert.ok(raw.includes(Buffer.from(hex, 'hex')), `${hex} in ${raw.toString('utf8')}`);
      const body = send!.body;
      assert.deepEqual(Object.keys(body), ['account', 'ts', 'sign', 'phones', 'text', 'ext']);
      assert.equal(body.account, CLOUD.account);
      assert.equal(typeof body.ts, 'number');
      assert.ok(Math.abs((body.ts as number) - Date.now() / 1000) < 60);
      assert.equal(body.sign, md5(`${CLOUD.account}${CLOUD.secret}${body.ts}`));
      assert.deepEqual(body.phones, [`+86${A}`, `+86${B}`]);
      assert.equal(body.text, CHINESE_TEXT);
      assert.equal(body.ext, '');

      await gw.waitForReports(2);
      const rows = await rowsOf(gw, batchId);
      const ids = new Map(send!.items.map((i) => [i.phone, i.msgid]));
      for (const row of rows) assert.equal(row.vendorMsgId, ids.get(`+86${row.infoto}`), 'each number has its own msgid');
      await waitFor(() => fake.pushes.length === 1, 5000, 'the push recorded');
      assert.deepEqual(
        fake.pushes.map((p) => [p.status, p.answer]),
        [[200, '{"code":0}']],
      );
      const reports = await fetchReports(gw);
      assert.deepEqual(reports.map((r) => [r.mobile, r.smslogid, r.status]).sort(), [
        [A, batchId, '1'],
        [B, batchId, '0'],
      ]);
      assert.deepEqual(await fetchReports(gw), [], 'a report is told once');

      fake.addReply(`+86${A}`, '收到，谢谢镕【好】 ok');
      await waitFor(() => fake.pendingReplies === 0, 5000, 'the reply pulled');
      await waitFor(async () => (await gw.db.getRepository(Reply).count()) >= 1, 5000, 'the reply stored');
      const mo = fake.received.filter((r) => r.path === '/v2/sms/mo');
      assert.ok(mo.length > 0 && mo.every((r) => r.headers['x-api-key'] === CLOUD.apiKey));
      const q = new URLSearchParams(mo[0]!.rawQuery);
      assert.equal(q.get('sign'), md5(`${CLOUD.account}${CLOUD.secret}${q.get('ts')}`));
      assert.deepEqual(await fetchReplies(gw), [{ mobile: A, content: '收到，谢谢镕【好】 ok' }]);
      assert.deepEqual(await fetchReplies(gw), [], 'a reply is told once');
    });
  });
}

// 2. Failover to the next vendor of the route, on both databases.
for (const dialect of DIALECTS) {
  describe(`http failover on ${dialect}`, () => {
    let fake: FakeCloud;
    let gw: TestGateway;
    before(async () => {
      ({ fake, gw } = await startPair(withBackup(JSON_YAML, '    timeoutMs: 200\n'), { dialect, env: { DISPATCH_RETRY_BASE_MS: '10' } }));
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    const cases: [string, 'slow' | 'busy' | 'http503' | 'balance', string][] = [
      ['a timeout (the answer comes after timeoutMs)', 'slow', '01'],
      ['busy (code 5000)', 'busy', '02'],
      ['HTTP 503', 'http503', '03'],
      ['our balance at the vendor is low (code 3001)', 'balance', '04'],
    ];
    for (const [label, mode, suffix] of cases) {
      test(`${label}: sent by backup, delivered, reported once, charged once`, async () => {
        fake.mode = mode;
        const tried = fake.sends.length;
        const balance = (await gw.account()).balanceGateway;
        const mobiles = [`138001380${suffix}`, `139001390${suffix}`];
        const batchId = await sendSms(gw, mobiles.join(','));
        await waitFor(async () => (await rowsOf(gw, batchId)).every((r) => r.STATUS === SendStatus.delivered), 10_000, 'delivered');
        for (const row of await rowsOf(gw, batchId)) {
          assert.equal(row.vendor, 'backup');
          assert.equal(row.attempts, 2, 'one try at upstream, then backup');
        }
        assert.ok(fake.sends.length > tried, 'upstream was tried first');
        await waitFor(async () => (await gw.db.getRepository(Report).countBy({ batchId })) >= 2, 5000, 'the reports');
        const reports = await fetchReports(gw);
        assert.deepEqual(reports.map((r) => [r.mobile, r.status]).sort(), [
          [mobiles[0], '1'],
          [mobiles[1], '1'],
        ]);
        assert.deepEqual(await fetchReports(gw), []);
        assert.equal((await gw.account()).balanceGateway, balance - 2, 'charged once');
        if (mode === 'slow') await waitFor(() => fake.pushes.length > 0, 5000, 'the late push of a request we gave up on');
        fake.mode = 'ok';
      });
    }
  });
}

// 3., 4. and the rest against the fake, on SQLite.
describe('http adapter against the JSON cloud fake', () => {
  let fake: FakeCloud;
  let gw: TestGateway;
  before(async () => ({ fake, gw } = await startPair(JSON_YAML, { env: { DISPATCH_RETRY_BASE_MS: '10' } })));
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });
  const reportCount = () => gw.db.getRepository(Report).count();

  test('a forbidden word is refused for good: the row fails, is refunded, the caller is told 0', async () => {
    const before = fake.sends.length;
    const batchId = await sendSms(gw, A, '镕测试赌博内容');
    await gw.waitForReports(1);
    const [row] = await rowsOf(gw, batchId);
    assert.equal(row!.STATUS, SendStatus.failed);
    assert.equal(row!.attempts, 1, 'not retried');
    assert.equal(row!.lastError, 'upstream: {"code":2001,"msg":"forbidden word: 赌博"}');
    assert.equal(fake.sends.length, before + 1);
    assert.deepEqual(
      (await fetchReports(gw)).map((r) => [r.mobile, r.status]),
      [[A, '0']],
    );
    assert.match(await call(gw.serviceUrl, 'getRestMoney', DEMO_AUTH), /gateSmsNum=100000;/, 'refunded');
  });

  test('a number the vendor leaves out of its answer fails for good; the other is accepted', async () => {
    fake.omit.add(`+86${B}`);
    try {
      const batchId = await sendSms(gw, `${A},${B}`);
      await gw.waitForReports((await reportCount()) + 2);
      const rows = await rowsOf(gw, batchId);
      assert.deepEqual(
        rows.map((r) => [r.infoto, r.STATUS]),
        [
          [A, SendStatus.delivered],
          [B, SendStatus.failed],
        ],
      );
      assert.match(rows[1]!.lastError ?? '', /^upstream: not among the numbers accepted: \{"code":0/);
      assert.deepEqual((await fetchReports(gw)).map((r) => [r.mobile, r.status]).sort(), [
        [A, '1'],
        [B, '0'],
      ]);
    } finally {
      fake.omit.clear();
    }
  });

  test("the account's signature and extension go into the request; a reply to the extension finds the account", async () => {
    await gw.db.getRepository(Account).update({ username: 'demo' }, { signature: '【公司】', extNo: '123' });
    try {
      const before = fake.sends.length;
      const reports = await reportCount();
      await sendSms(gw, A, '您好');
      await waitFor(() => fake.sends.length > before);
      assert.equal(fake.sends[before]!.body.text, '【公司】您好');
      assert.equal(fake.sends[before]!.body.ext, '123');
      await waitFor(async () => (await reportCount()) > reports, 5000, 'the report');
      await fetchReports(gw);
      fake.addReply('+8613600136000', '退订', '123');
      await waitFor(async () => (await gw.db.getRepository(Reply).countBy({ mobile: '13600136000' })) === 1, 5000, 'the reply');
      const reply = await gw.db.getRepository(Reply).findOneByOrFail({ mobile: '13600136000' });
      assert.equal(reply.extNo, '123');
      assert.equal(reply.receiver, 'demo', 'found by its extension: demo never sent to 13600136000');
      assert.deepEqual(await fetchReplies(gw), [{ mobile: '13600136000', content: '退订' }]);
    } finally {
      await gw.db.getRepository(Account).update({ username: 'demo' }, { signature: null, extNo: null });
    }
  });

  test('a repeated push changes nothing; a wrong token or a malformed push gets {"code":1}', async () => {
    const before = fake.sends.length;
    await sendSms(gw, B);
    await waitFor(() => fake.sends.length > before && fake.sends[before]!.items.length === 1);
    const { msgid } = fake.sends[before]!.items[0]!;
    await waitFor(async () => (await gw.db.getRepository(Send).findOneBy({ vendorMsgId: msgid, STATUS: SendStatus.delivered })) !== null);
    assert.deepEqual(
      (await fetchReports(gw)).map((r) => [r.mobile, r.status]),
      [[B, '1']],
    );
    const count = await reportCount();
    const again = await fake.pushReports([{ msgid, phone: `+86${B}`, stat: 'DELIVRD' }]);
    assert.deepEqual([again.status, again.answer], [200, '{"code":0}']);
    const contrary = await fake.pushReports([{ msgid, phone: `+86${B}`, stat: 'UNDELIV' }]);
    assert.deepEqual([contrary.status, contrary.answer], [200, '{"code":0}']);
    assert.equal(await reportCount(), count, 'no second report');
    assert.deepEqual(await fetchReports(gw), []);

    const forged = await fake.pushReports([{ msgid: 'M-forged', phone: `+86${A}`, stat: 'DELIVRD' }], 'wrong-token');
    assert.deepEqual([forged.status, forged.answer], [400, '{"code":1}']);
    for (const body of ['{"token":"tok-9a2d","reports":[{"phone":"+8613800138000"}]}', 'not json', '']) {
      const bad = await fake.post(body);
      assert.deepEqual([bad.status, bad.answer], [400, '{"code":1}'], body);
    }
    const parked = await gw.db.query('SELECT COUNT(*) AS n FROM parked_report').catch(() => [{ n: 0 }]);
    assert.equal(Number(parked[0].n), 0, 'nothing refused was parked');
  });

  test('balance() asks the vendor', async () => {
    fake.balance = '123.45';
    const balance = await gw.vendors.get(VENDOR_NAME)!.balance!();
    assert.equal(balance.balance, 123.45);
    assert.match(balance.raw, /"balance":"123.45"/);
  });
});

// 5. Configuration mistakes are refused at start, the key named.
describe('http configuration mistakes', () => {
  // biome-ignore lint/suspicious/noExplicitAny: a YAML document, changed by hand
  type Upstream = Record<string, any>;
  /** The JSON cloud YAML with one mistake made in its upstream vendor's settings. */
  const withMistake = (change: (v: Upstream) => void): string => {
    const doc = parseYaml(JSON_YAML);
    change(doc.vendors.upstream);
    return stringifyYaml(doc);
  };
  const rename = (o: Upstream, from: string, to: string) => {
    o[to] = o[from];
    delete o[from];
  };
  const refused: [string, (v: Upstream) => void, RegExp][] = [
    ['a misspelt key', (v) => rename(v.send.answer, 'success', 'sucess'), /vendors\.upstream\.send\.answer\.sucess: unknown key/],
    [
      'a misspelt top-level key',
      (v) => rename(v, 'mobilePrefix', 'mobilePrefx'),
      /vendors\.upstream\.mobilePrefx: unknown key \(did you mean "mobilePrefix"\?\)/,
    ],
    ['a missing send', (v) => delete v.send, /vendors\.upstream\.send: is required/],
    ['a missing success check', (v) => delete v.send.answer.success, /vendors\.upstream\.send\.answer\.success: is required/],
    [
      'an unknown variable',
      (v) => (v.send.params.text = '{signature}{contnet}'),
      /vendors\.upstream\.send\.params\.text\.value: \{contnet\} is not a variable/,
    ],
    ['an unknown filter', (v) => (v.send.params.sign = '{sign|md6}'), /vendors\.upstream\.send\.params\.sign\.value: unknown filter "md6"/],
    [
      'a bad time format',
      (v) => (v.vars.ts = '{timestamp:yyyyMMddhhmmss}'),
      /vendors\.upstream\.vars\.ts: time format "yyyyMMddhhmmss" has letters/,
    ],
    [
      'a regex that does not compile',
      (v) => (v.send.answer.success = { regex: '(0' }),
      /vendors\.upstream\.send\.answer\.success\.regex: not a regular expression/,
    ],
    [
      'a bad JSON path',
      (v) => (v.send.answer.id.path = 'data.items[x].msgid'),
      /vendors\.upstream\.send\.answer\.id\.path: JSON path "data\.items\[x\]\.msgid"/,
    ],
    [
      'a report without its status field',
      (v) => delete v.reports.push.fields.status,
      /vendors\.upstream\.reports\.push: reports need the fields status/,
    ],
    [
      'a reply field in a report',
      (v) => (v.reports.push.fields.content = 'x'),
      /vendors\.upstream\.reports\.push: reports have no field content/,
    ],
    ['an unknown delivery status', (v) => (v.reports.statusMap.BLACK = 'blocked'), /vendors\.upstream\.reports\.statusMap\.BLACK: /],
    ['an unknown charset', (v) => (v.charset = 'big5'), /vendors\.upstream\.charset: /],
    [
      'a param with both value and each',
      (v) => (v.send.params.phones.value = '{mobiles}'),
      /vendors\.upstream\.send\.params\.phones: give exactly one of value or each/,
    ],
    [
      'a GET with a JSON body',
      (v) => (v.replies.poll.body = 'json'),
      /vendors\.upstream\.replies\.poll\.body: a GET request carries its parameters in the query/,
    ],
    ['a missing username', (v) => delete v.username, /vendors\.upstream\.username: is required/],
  ];
  for (const [label, change, message] of refused) {
    test(`${label} is refused with the key named`, async () => {
      await assert.rejects(startGatewayWith(withMistake(change), 'http://127.0.0.1:9'), message);
    });
  }
  test('the unchanged YAML starts', async () => {
    const gw = await startGatewayWith(
      withMistake(() => {}),
      'http://127.0.0.1:9',
    );
    await gw.stop();
  });
});

// One request of a batch cut off: the others' acceptances are kept.
test('a batch whose one request fails on the network keeps the other requests’ acceptances', async () => {
  const server = await startFakeServer((req, res) => {
    const form = new URLSearchParams(req.body.toString('utf8'));
    if (form.get('text') === 'cut') {
      res.socket?.destroy();
      return;
    }
    res.end(`OK ${form.get('to')}-id`);
  });
  try {
    const settings = httpSettings.parse({
      url: server.url,
      username: 'u',
      password: 'p',
      send: { params: { to: '{mobiles}', text: '{content}' }, maxNumbers: 10, answer: { success: '^OK ', id: '^OK (\\S+)' } },
    });
    const vendor = configuredHttp.create(settings, silentContext('direct'));
    const outcomes = await vendor.send([outbound(1, A, 'fine'), outbound(2, B, 'cut'), outbound(3, '13700137000', 'fine')]);
    assert.deepEqual(
      outcomes.map((o) => [o.id, o.ok, o.ok ? o.vendorMsgId : o.retryable]),
      [
        [1, true, `${A},13700137000-id`],
        [3, true, `${A},13700137000-id`],
        [2, false, true],
      ],
    );
    const cut = outcomes[2]!;
    assert.ok(!cut.ok && /^direct: other side closed \(UND_ERR_SOCKET\)$/.test(cut.error), JSON.stringify(cut));
    await assert.rejects(vendor.send([outbound(4, B, 'cut')]), 'nothing known of the batch: the dispatcher retries it');
    assert.deepEqual(await vendor.send([]), []);
  } finally {
    await server.stop();
  }
});

// 6. The pure functions, with the seeds' own examples.
describe('http templates', () => {
  const values = { username: 'mysms', password: '123456', content: '镕', mobiles: '13798361236' };
  const r = (t: string, charset: 'utf-8' | 'gbk' | 'gb2312' = 'utf-8') => render(parseTemplate(t), { values, charset });

  test('password transforms: plain, BASE64, MD5, MD5 upper-case', () => {
    assert.equal(r('{password}'), '123456');
    assert.equal(r('{password|base64}'), 'MTIzNDU2');
    assert.equal(r('{password|md5}'), 'e10adc3949ba59abbe56e057f20f883e');
    assert.equal(r('{password|md5|upper}'), 'E10ADC3949BA59ABBE56E057F20F883E');
    assert.equal(r('{username}{password}|{{x}}'), 'mysms123456|{x}');
  });

  test('BASE64 and hashes work on the bytes in the charset: 镕 is E9 46 in GBK (and in gb2312 = CP936)', () => {
    assert.equal(r('{content|base64}', 'gbk'), Buffer.from([0xe9, 0x46]).toString('base64'));
    assert.equal(r('{content|base64}', 'gb2312'), Buffer.from([0xe9, 0x46]).toString('base64'));
    assert.equal(r('{content|base64}'), Buffer.from('镕').toString('base64'));
    assert.equal(encodeForm([['c', '镕【测试】']], 'gbk'), 'c=%E9F%A1%BE%B2%E2%CA%D4%A1%BF');
  });

  test('syntax mistakes are reported', () => {
    assert.throws(() => parseTemplate('{password|sha3}'), /unknown filter "sha3"/);
    assert.throws(() => parseTemplate('{password'), /unclosed/);
    assert.throws(() => parseTemplate('a}b'), /unmatched/);
    assert.throws(() => parseTemplate('{}'), /not a placeholder/);
  });

  test('times in the vendor’s zone: written and read', () => {
    const at = new Date('2010-09-03T03:20:30.000Z');
    assert.equal(formatTime(at, 'yyyyMMddHHmmss', 480), '20100903112030', 'seed 002: 2010年9月3日上午11点20分30秒');
    assert.equal(formatTime(at, 'yyyy-MM-dd HH:mm:ss', 480), '2010-09-03 11:20:30');
    assert.equal(formatTime(at, 'unix', 480), '1283484030');
    assert.equal(parseTime('2013-08-20 20:11:34', undefined, 480)?.toISOString(), '2013-08-20T12:11:34.000Z', 'seed 003');
    assert.equal(parseTime('2012-08-01 8:20:23', 'yyyy-MM-dd HH:mm:ss', 480)?.toISOString(), '2012-08-01T00:20:23.000Z');
    assert.equal(parseTime('20100903112030', 'yyyyMMddHHmmss', 480)?.toISOString(), '2010-09-03T03:20:30.000Z');
    assert.equal(parseTime('1283484030', undefined, 480)?.toISOString(), '2010-09-03T03:20:30.000Z');
    assert.equal(parseTime('soon', undefined, 480), null);
    assert.equal(
      parseTime('2013/8/20 下午 8:11:34', undefined, 480)?.toISOString(),
      '2013-08-20T12:11:34.000Z',
      'any form an adapter reads',
    );
  });

  test('url and path join', () => {
    assert.equal(joinUrl('http://h:8088/', '/sendsms_txt.asp'), 'http://h:8088/sendsms_txt.asp');
    assert.equal(joinUrl('http://h/sms', ''), 'http://h/sms');
    assert.equal(joinUrl('http://h/api', 'send?method=x'), 'http://h/api/send?method=x');
  });
});

describe('http answer reading', () => {
  const base: Omit<SendAnswerSpec, 'success'> = {
    permanentCodes: [],
    transientCodes: [],
    otherwise: 'transient',
    numbersSeparator: ',',
    format: 'text',
  };
  const s002: SendAnswerSpec = {
    ...base,
    success: { regex: '^0\\|' },
    id: { regex: '^0\\|\\d+\\|\\d+\\|(.*)$' },
    idSeparator: ',',
    code: { regex: '^(-?\\d+)' },
    permanentCodes: ['-1', '-2', '-3', '-4', '-8'],
    transientCodes: ['-7', '-9', '-10', '-99'],
  };
  const norm = (m: string) => localMobile(m, '86');
  const read = (spec: SendAnswerSpec, text: string, mobiles = [A], status = 200) =>
    readSendAnswer(status, text, mobiles, spec, norm, () => 'new-id');

  test('seed 002: 0|a|b|d with one SMSID per number; -3|禁发词 for good; -99 and -7 worth another vendor; HTTP 5xx', () => {
    assert.deepEqual(read(s002, '0|2|0|6408676,6408677', [A, B]).outcomes, [
      { ok: true, vendorMsgId: '6408676' },
      { ok: true, vendorMsgId: '6408677' },
    ]);
    assert.deepEqual(read(s002, '0|1|0|SMSID').outcomes, [{ ok: true, vendorMsgId: 'SMSID' }]);
    assert.deepEqual(read(s002, '-3|赌博').outcomes, [{ ok: false, retryable: false, error: '-3|赌博' }]);
    assert.deepEqual(read(s002, '-99').outcomes, [{ ok: false, retryable: true, error: '-99' }]);
    assert.deepEqual(read(s002, '-7').outcomes, [{ ok: false, retryable: true, error: '-7' }]);
    assert.deepEqual(read(s002, 'Server Error', [A], 500).outcomes, [{ ok: false, retryable: true, error: 'HTTP 500 Server Error' }]);
    assert.deepEqual(read(s002, '0|1|0|SMSID', [A], 404).outcomes, [{ ok: false, retryable: true, error: 'HTTP 404 0|1|0|SMSID' }]);
    const fewer = read(s002, '0|1|1|6408676', [A, B]);
    assert.deepEqual(fewer.outcomes[1], { ok: false, retryable: false, error: 'no id for this number: 0|1|1|6408676' });
    assert.match(fewer.warning ?? '', /1 ids for 2 numbers/);
  });

  test('seed 003: one sendid for the request; code 1 for good, 10 and -1 transient; otherwise', () => {
    const s003: SendAnswerSpec = {
      ...base,
      success: { regex: '^0,' },
      id: { regex: '^0,\\s*([^,]+)' },
      code: { regex: '^(-?\\d+)' },
      permanentCodes: ['1', '2', '3', '4', '14'],
      transientCodes: ['-1', '10', '11', '12', '13'],
      otherwise: 'permanent',
    };
    assert.deepEqual(read(s003, '0, 20140821110353234137876543,0,500,0,提交成功', [A, B]).outcomes, [
      { ok: true, vendorMsgId: '20140821110353234137876543' },
      { ok: true, vendorMsgId: '20140821110353234137876543' },
    ]);
    assert.equal(read(s003, '1,含有敏感词汇').outcomes[0]!.ok, false);
    assert.deepEqual(read(s003, '1,含有敏感词汇').outcomes[0], { ok: false, retryable: false, error: '1,含有敏感词汇' });
    assert.deepEqual(read(s003, '13,IP鉴权失败').outcomes[0], { ok: false, retryable: true, error: '13,IP鉴权失败' });
    assert.deepEqual(read(s003, '99,新错误').outcomes[0], { ok: false, retryable: false, error: '99,新错误' }, 'otherwise: permanent');
  });

  test('seed 004: its literal JSON (bare keys, \\u text, curly quotes), guid and mb lists, the numbers matched', () => {
    const s004: SendAnswerSpec = {
      ...base,
      format: 'json',
      success: { path: 'status', notIn: ['0'] },
      id: { path: 'guid' },
      idSeparator: ',',
      numbers: { path: 'mb' },
      code: { path: 'msg' },
      permanentRegex: '参数',
      transientRegex: '密码',
    };
    const seedMany =
      '{status:1,msg:\\u7528\\u6237\\u540d\\u6216\\u8005\\u5bc6\\u7801\\u9519\\u8bef,“guid”:“1234567890,1234567891”,”mb”:”8613900139000,8613800138000”}';
    assert.deepEqual(read(s004, seedMany, [A, B]).outcomes, [
      { ok: true, vendorMsgId: '1234567891' },
      { ok: true, vendorMsgId: '1234567890' },
    ]);
    const fail = '{status:0,msg:\\u7528\\u6237\\u540d\\u6216\\u8005\\u5bc6\\u7801\\u9519\\u8bef}';
    assert.deepEqual(read(s004, fail).outcomes[0], { ok: false, retryable: true, error: fail }, '用户名或者密码错误: our login');
    assert.equal((read(s004, '{"status":0,"msg":"参数错误"}').outcomes[0] as { retryable: boolean }).retryable, false);
    const one = read(s004, '{"status":1,"guid":"77","mb":"8613800138000"}', [A, B]);
    assert.deepEqual(one.outcomes, [
      { ok: true, vendorMsgId: '77' },
      { ok: false, retryable: false, error: 'not among the numbers accepted: {"status":1,"guid":"77","mb":"8613800138000"}' },
    ]);
  });

  test('no id configured, or none found: a generated id', () => {
    const noId: SendAnswerSpec = { ...base, success: { regex: '^ok' } };
    assert.deepEqual(read(noId, 'ok').outcomes, [{ ok: true, vendorMsgId: 'new-id' }]);
    const missing = read({ ...noId, id: { regex: 'id=(\\w+)' } }, 'ok');
    assert.deepEqual(missing.outcomes, [{ ok: true, vendorMsgId: 'new-id' }]);
    assert.match(missing.warning ?? '', /no id found/);
  });

  test('lenient JSON, JSON paths, picks and checks', () => {
    assert.deepEqual(parseLenientJson("{'a': 'x:y', b: 20:11:34, c: [1,2,],}"), { a: 'x:y', b: '20:11:34', c: [1, 2] });
    assert.deepEqual(parseLenientJson('{status:0,msg:\\u53c2\\u6570\\u9519\\u8bef}'), { status: 0, msg: '参数错误' });
    assert.throws(() => parseLenientJson('{"guid""sms":"0"}'), /not JSON/);
    const json = { code: 0, data: { items: [{ id: 'a', n: 1 }, { id: 'b' }], 'msg-id': 'm' } };
    assert.deepEqual(jsonPathGet(json, 'data.items[*].id'), ['a', 'b']);
    assert.deepEqual(jsonPathGet(json, '$.data.items[1].id'), ['b']);
    assert.deepEqual(jsonPathGet(json, 'data["msg-id"]'), ['m']);
    assert.deepEqual(jsonPathGet(json, 'data.nothing'), []);
    const answer = { text: JSON.stringify(json), json };
    assert.deepEqual(pickValues(answer, { path: 'data.items' }), [JSON.stringify({ id: 'a', n: 1 }), JSON.stringify({ id: 'b' })]);
    assert.deepEqual(pickValues(readAnswer('id=42;x', 'text'), { regex: 'id=(?<v>\\d+)', group: 'v' }), ['42']);
    assert.equal(checkAnswer(answer, { path: 'code', in: ['0'] }), true);
    assert.equal(checkAnswer(answer, { path: 'missing', notIn: ['1'] }), false, 'a missing value is not a success');
    assert.equal(checkAnswer(readAnswer(' 0|1|0|5 ', 'text'), { regex: '^0\\|' }), true);
  });
});

describe('http record parsing', () => {
  const text = (over: Partial<TextRecordsSpec>): TextRecordsSpec => ({ recordSeparator: '|', countPrefix: false, empty: [], ...over });
  const opts = {
    vendor: 'v',
    charset: 'utf-8' as const,
    mobilePrefix: '86',
    utcOffsetMin: 480,
    now: new Date('2024-01-01T00:00:00Z'),
    reader: { mobileSeparator: ',', systemExtLength: 0, decode: {} },
  };
  const statuses = {
    statusMap: { '10': 'delivered', '20': 'undelivered', '-1': 'unknown' } as const,
    defaultStatus: 'undelivered' as const,
  };

  test('seed 002 reports: count prefix, | records, ; fields; "0" is nothing', () => {
    const spec = text({ countPrefix: true, fieldSeparator: ';', fields: ['id', 'mobile', 'status'], empty: ['0'] });
    const records = parseTextRecords('3|6408676;13682250950;20|6408649;13711147169;20|6408649;13719445093;10', spec);
    assert.deepEqual(records, [
      { id: '6408676', mobile: '13682250950', status: '20' },
      { id: '6408649', mobile: '13711147169', status: '20' },
      { id: '6408649', mobile: '13719445093', status: '10' },
    ]);
    assert.deepEqual(
      records.flatMap((r) => recordToReports(r, opts, statuses)).map((r) => [r.vendorMsgId, r.mobile, r.status, r.code]),
      [
        ['6408676', '13682250950', 'undelivered', '20'],
        ['6408649', '13711147169', 'undelivered', '20'],
        ['6408649', '13719445093', 'delivered', '10'],
      ],
    );
    assert.deepEqual(parseTextRecords('0', spec), []);
    assert.deepEqual(parseTextRecords('', spec), []);
    assert.throws(() => parseTextRecords('-7', spec), /record count/);
    const skipped: string[] = [];
    assert.deepEqual(
      parseTextRecords('2|1;13800138000;10|broken', spec, (e) => skipped.push(e.message)),
      [{ id: '1', mobile: '13800138000', status: '10' }],
    );
    assert.equal(skipped.length, 1);
  });

  test('seed 002 replies, written either way (id,number;text and id;number;text), by a pattern', () => {
    const spec = text({ countPrefix: true, pattern: '^(?<id>[^;,]*)[;,](?<mobile>[^;]*);(?<content>.*)$' });
    const records = parseTextRecords('2|133,13798361236;我回复一条|134;13826588212;我也;回复', spec);
    assert.deepEqual(
      records.map((r) => recordToReply(r, opts)).map((r) => [r.vendorKey, r.mobile, r.content]),
      [
        ['id:133', '13798361236', '我回复一条'],
        ['id:134', '13826588212', '我也;回复'],
      ],
    );
  });

  test('seed 003 reply push args: #@@# records, #@# fields, the system extension dropped', () => {
    const spec = text({ recordSeparator: '#@@#', fieldSeparator: '#@#', fields: ['mobile', 'content', 'time', 'ext'] });
    const args = '13800210021#@#content1#@#2013-08-21 21:20:11#@#008123#@@#13978767656#@#content2#@#2013-08-21 21:20:30#@#008456';
    const replies = parseTextRecords(args, spec).map((r) => recordToReply(r, { ...opts, reader: { ...opts.reader, systemExtLength: 3 } }));
    assert.deepEqual(
      replies.map((r) => [r.mobile, r.content, r.extNo, r.at.toISOString()]),
      [
        ['13800210021', 'content1', '123', '2013-08-21T13:20:11.000Z'],
        ['13978767656', 'content2', '456', '2013-08-21T13:20:30.000Z'],
      ],
    );
    assert.equal(replies[0]!.vendorKey, '13800210021|2013-08-21 21:20:11|content1|008123', 'no id: number, time, text and ext');
  });

  test('seed 003 report push: several numbers sharing a state, one report each; seed 004: the 86 prefix taken off', () => {
    const reports = recordToReports(
      { id: '12345', mobile: '13900210021,13900210022', status: 'DELIVRD', time: '2013-08-20 20:11:34' },
      opts,
      {
        statusMap: { DELIVRD: 'delivered' },
        defaultStatus: 'undelivered',
      },
    );
    assert.deepEqual(
      reports.map((r) => [r.vendorMsgId, r.mobile, r.status, r.at.toISOString()]),
      [
        ['12345', '13900210021', 'delivered', '2013-08-20T12:11:34.000Z'],
        ['12345', '13900210022', 'delivered', '2013-08-20T12:11:34.000Z'],
      ],
    );
    assert.equal(recordToReports({ id: 'g', mobile: '8618611287980', status: '0' }, opts, statuses)[0]!.mobile, '18611287980');
    assert.equal(localMobile('+8613800138000', '+86'), A);
    assert.equal(localMobile('008613800138000', '+86'), A);
    assert.equal(localMobile('13800138000', '86'), A, 'a number without the prefix stays');
    assert.throws(() => recordToReports({ mobile: A, status: '10' }, opts, statuses), /without an id/);
    assert.throws(() => recordToReply({ content: 'x' }, opts), /without a number/);
  });

  test('a BASE64 field decoded in the charset', () => {
    const content = iconv.encode('镕好', 'gbk').toString('base64');
    const reply = recordToReply(
      { mobile: A, content },
      { ...opts, charset: 'gbk', reader: { ...opts.reader, decode: { content: 'base64' } } },
    );
    assert.equal(reply.content, '镕好');
  });
});

describe('http settings of the seed vendors (test/vendors/*/as-http.yaml) validate', () => {
  for (const folder of ['sms112088', 'ptsms', 'hi8d']) {
    test(folder, () => {
      const config = vendorConfigs(folder).find((c) => c.name === 'as-http.yaml');
      assert.ok(config, `test/vendors/${folder}/as-http.yaml`);
      const { type, ...settings } = parseYaml(config.yaml.replace('${VENDOR_URL}', 'http://127.0.0.1:9')).vendors.upstream;
      assert.equal(type, 'http');
      const parsed = httpSettings.safeParse(settings);
      assert.ok(parsed.success, JSON.stringify(parsed.error?.issues));
    });
  }
  test('the report push of seed 003 is checked: name = MD5(AccessSecret+random+timestamp), pwd', () => {
    const config = vendorConfigs('ptsms').find((c) => c.name === 'as-http.yaml')!;
    const { type: _type, ...raw } = parseYaml(config.yaml.replace('${VENDOR_URL}', 'http://127.0.0.1:9')).vendors.upstream;
    const vendor = configuredHttp.create(httpSettings.parse(raw), silentContext());
    const push = (fields: Record<string, string>) =>
      vendor.push!.reports!.parse({
        method: 'POST',
        query: '',
        body: Buffer.from(new URLSearchParams(fields).toString()),
        contentType: 'application/x-www-form-urlencoded',
        headers: {},
        ip: '127.0.0.1',
      });
    const good = {
      name: md5('ak-7f3e9b21' + '123456' + '1700000000'),
      pwd: 'rpt-pass',
      sendid: '12345',
      time: '2013-08-20 20:11:34',
      mobile: '13900210021',
      state: 'DELIVRD',
      random: '123456',
      timestamp: '1700000000',
    };
    assert.deepEqual(
      push(good).reports?.map((r) => [r.vendorMsgId, r.mobile, r.status]),
      [['12345', '13900210021', 'delivered']],
    );
    assert.throws(() => push({ ...good, random: '654321' }), /push check failed: name/);
    assert.throws(() => push({ ...good, pwd: 'guess' }), /push check failed: pwd/);
    assert.deepEqual(vendor.push!.reports!.answer(true), { contentType: 'text/plain; charset=utf-8', body: '0' });
    assert.equal(chinaTime(new Date('2013-08-20T12:11:34Z')), '2013-08-20 20:11:34');
  });
});

// 7. balance() of the seed vendors described as `type: http`, against their own fakes.
describe('balance() of the seed vendors described as type: http', () => {
  const asHttp = (folder: string) => vendorConfigs(folder).find((c) => c.name === 'as-http.yaml')!.yaml;

  test('企业短信通 (seed 002): Get_Account_Balance.asp answers the messages left', async () => {
    const { startFake112088 } = await import('./sms112088/fake');
    const fake = await startFake112088({ balance: 4321 });
    const gw = await startGatewayWith(asHttp('sms112088'), fake.url).catch(async (err) => {
      await fake.stop();
      throw err;
    });
    try {
      assert.deepEqual(await gw.vendors.get(VENDOR_NAME)!.balance!(), { balance: 4321, raw: '4321' });
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });

  test('the type=pt vendor (seed 003): type=balance answers 0,<balance>', async () => {
    const { FakePtsms } = await import('./ptsms/fake');
    const fake = await FakePtsms.start();
    fake.balance = 777;
    const gw = await startGatewayWith(asHttp('ptsms'), fake.url).catch(async (err) => {
      await fake.stop();
      throw err;
    });
    try {
      assert.deepEqual(await gw.vendors.get(VENDOR_NAME)!.balance!(), { balance: 777, raw: '0,777' });
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });
});
