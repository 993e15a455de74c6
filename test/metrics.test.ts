import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { Send, SendStatus } from '../entities';
import { isDatabaseError } from '../src/metrics';
import { DIALECTS, startTestGateway, type TestGateway } from './support/gateway';
import { B64, call, DEMO_AUTH } from './support/soap';

/** One scrape, as Prometheus reads it: every sample by name and labels, and every metric family's type. */
interface Scrape {
  samples: { name: string; labels: Record<string, string>; value: number }[];
  types: Map<string, string>;
}

/** The text exposition format (version 0.0.4): `# TYPE name type` lines and `name{label="value",…} value` samples. */
function parseScrape(text: string): Scrape {
  const samples: Scrape['samples'] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ')) continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(sample, `not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    // Go's float syntax, as Prometheus reads it: NaN (any case: prom-client writes `Nan`, for an event-loop lag before its
    // first sample), +Inf and -Inf are values too.
    const text = sample[3]!;
    const value = /^[+-]Inf$/.test(text) ? (text[0] === '-' ? -1 : 1) * Number.POSITIVE_INFINITY : Number(text);
    assert.ok(!Number.isNaN(value) || /^nan$/i.test(text), `not a number in ${line}`);
    samples.push({ name: sample[1]!, labels, value });
  }
  return { samples, types };
}

/** The sample with exactly these labels. */
function sampleOf(scrape: Scrape, name: string, labels: Record<string, string>) {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return scrape.samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted);
}

/** The sample's value, 0 when the series does not exist yet (a counter not yet incremented). */
function sampleValue(scrape: Scrape, name: string, labels: Record<string, string> = {}): number {
  return sampleOf(scrape, name, labels)?.value ?? 0;
}

function has(scrape: Scrape, name: string, labels: Record<string, string> = {}): boolean {
  return sampleOf(scrape, name, labels) !== undefined;
}

async function scrape(gw: TestGateway, token: string | null = gw.adminToken): Promise<Scrape> {
  const res = await fetch(`${gw.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  assert.equal(res.status, 200, await res.clone().text());
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseScrape(await res.text());
}

const CONTENT = '验证码123456【测试】';

/** Sends, refusals, dispatch and delivery, each counted once, wherever delivery runs. */
async function countersMove(gw: TestGateway): Promise<void> {
  // The registry is the process's: another gateway of this file counted into it before, so the test compares against a first reading.
  const before = await scrape(gw);
  const send = (params: Record<string, string | number>) =>
    call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 1, content: CONTENT, isLongSms: 0, ...params });
  const mixed = await send({ mobile: '13800138000,13900139000,123' });
  const card = await send({ smstype: 0, mobile: '13700137000' });
  assert.match(mixed, /^success;\d{20}$/);
  assert.match(card, /^success;\d{20}$/);
  assert.equal(await send({ password: B64('wrong'), mobile: '13800138000' }), 'failure;用户名或密码错误');
  assert.match(await send({ mobile: '123,456' }), /^failure;/);
  await gw.waitForReports(4); // three delivered, and the failure report of 123
  const now = await scrape(gw);
  const delta = (name: string, labels: Record<string, string> = {}) => sampleValue(now, name, labels) - sampleValue(before, name, labels);

  assert.equal(delta('smsgw_messages_accepted_total', { contract: 'userApi', pool: '1' }), 2);
  assert.equal(delta('smsgw_messages_accepted_total', { contract: 'userApi', pool: '0' }), 1);
  assert.equal(delta('smsgw_numbers_refused_total', { contract: 'userApi', reason: 'invalidMobile' }), 1);
  assert.equal(delta('smsgw_requests_refused_total', { contract: 'userApi', reason: 'badCredentials' }), 1);
  assert.equal(delta('smsgw_requests_refused_total', { contract: 'userApi', reason: 'noValidMobile' }), 1);
  assert.equal(delta('smsgw_messages_dispatched_total', { vendor: 'simulator' }), 3);
  assert.equal(delta('smsgw_messages_send_failed_total', { vendor: 'simulator', outcome: 'final' }), 0);
  assert.equal(delta('smsgw_deliveries_total', { vendor: 'simulator', status: 'delivered' }), 3);
  assert.ok(delta('smsgw_vendor_call_duration_seconds_count', { vendor: 'simulator' }) >= 1);
  // The two accepted calls were each written by a group commit; refused calls never reach one.
  assert.equal(delta('smsgw_group_commit_submissions_sum'), 2);
  assert.equal(delta('smsgw_http_request_duration_seconds_count', { route: '/services/userApi', status: '2xx' }), 4);
  assert.equal(delta('smsgw_http_request_duration_seconds_count', { route: '/metrics', status: '2xx' }), 1);
  assert.equal(sampleValue(now, 'smsgw_unfetched', { queue: 'reports' }), 4);
  assert.equal(sampleValue(now, 'smsgw_unfetched', { queue: 'replies' }), 0);
  assert.equal(sampleValue(now, 'smsgw_vendor_breaker_state', { vendor: 'simulator' }), 0);
  assert.ok(has(now, 'process_cpu_user_seconds_total'), "prom-client's default process metrics");

  const forbidden = ['13800138000', '13900139000', '13700137000', '123', 'demo', mixed.split(';')[1]!, card.split(';')[1]!];
  for (const s of now.samples) {
    for (const value of Object.values(s.labels)) assert.ok(!forbidden.includes(value), `${s.name} has the label value ${value}`);
  }

  await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH);
  assert.equal(sampleValue(await scrape(gw), 'smsgw_unfetched', { queue: 'reports' }), 0);
}

for (const dialect of DIALECTS) {
  describe(`/metrics on ${dialect} with delivery on its own thread`, () => {
    test("the delivery thread's counters and breakers are in the HTTP thread's scrape, the process metrics once", async () => {
      const gw = await startTestGateway({ dialect, env: { DELIVERY_THREAD: 'true' } });
      try {
        assert.equal(gw.dispatcher, null);
        await countersMove(gw);
        const rss = (await scrape(gw)).samples.filter((s) => s.name === 'process_resident_memory_bytes');
        assert.equal(rss.length, 1);
        // One process, so one resident set: the thread's own copy of the figure is not added in.
        const own = process.memoryUsage().rss; // the gateway runs in this test's process
        assert.ok(Math.abs(rss[0]!.value - own) < own / 2, `${rss[0]!.value} against ${own}`);
      } finally {
        await gw.stop();
      }
    });
  });

  describe(`/metrics on ${dialect}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway({ dialect });
    });
    after(async () => {
      await gw?.stop();
    });

    test('counters move by what was sent, refused, dispatched and delivered; no number, batch id or username is a label', () =>
      countersMove(gw));

    test("a failed statement is a database error (the counter's test of what it counts)", async () => {
      await assert.rejects(gw.db.query('SELECT * FROM no_such_table'), (err) => isDatabaseError(err));
    });

    test('outbox depth: waiting, leased, scheduled and the oldest waiting age, read from the send table at each scrape', async () => {
      const empty = await scrape(gw);
      for (const name of ['smsgw_outbox_waiting', 'smsgw_outbox_leased', 'smsgw_outbox_scheduled', 'smsgw_outbox_oldest_waiting_seconds']) {
        assert.ok(has(empty, name), name);
        assert.equal(sampleValue(empty, name), 0, name);
      }
      // Rows as a legacy system's SQL would leave them, with no dispatcher running to take them.
      await gw.dispatcher!.stop();
      const at = (offsetMs: number) => new Date(Date.now() + offsetMs);
      const row = (extra: Partial<Send>): Partial<Send> => ({
        Createtime: at(-90_000),
        infoto: '13800138000',
        content: CONTENT,
        STATUS: SendStatus.waiting,
        ...extra,
      });
      const repo = gw.db.getRepository(Send);
      const ids = (
        await repo.insert([
          row({}),
          row({ Createtime: at(-5_000), nextAttemptAt: at(60_000) }),
          row({ leaseUntil: at(60_000), claimOwner: 'another-node#1' }),
          row({ scheduledAt: at(3_600_000) }),
          row({ STATUS: SendStatus.delivered }),
        ])
      ).identifiers.map((i) => i.ID as number);
      try {
        const depth = await scrape(gw);
        assert.equal(sampleValue(depth, 'smsgw_outbox_waiting'), 2);
        assert.equal(sampleValue(depth, 'smsgw_outbox_leased'), 1);
        assert.equal(sampleValue(depth, 'smsgw_outbox_scheduled'), 1);
        const oldest = sampleValue(depth, 'smsgw_outbox_oldest_waiting_seconds');
        assert.ok(oldest >= 89 && oldest < 150, `oldest waiting ${oldest} s`);
      } finally {
        await repo.delete(ids);
        gw.dispatcher!.start();
      }
    });
  });
}

test('a lost database connection is a database error; a vendor that does not answer is not', async () => {
  const refused = await createConnection('mysql://root@127.0.0.1:1/smsgw').catch((err: unknown) => err);
  assert.ok(isDatabaseError(refused), String(refused));
  const vendorDown = await fetch('http://127.0.0.1:1/').catch((err: unknown) => err);
  assert.ok(vendorDown instanceof Error && !isDatabaseError(vendorDown));
  assert.ok(!isDatabaseError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:2775'), { code: 'ECONNREFUSED' })));
});

describe('who may read /metrics', () => {
  const gateways: TestGateway[] = [];
  const start = async (env: Record<string, string>) => {
    const gw = await startTestGateway({ env: { TRUST_PROXY: 'true', ...env } });
    gateways.push(gw);
    return gw;
  };
  const status = async (gw: TestGateway, headers: Record<string, string> = {}) => {
    const res = await fetch(`${gw.url}/metrics`, { headers });
    await res.text();
    return res.status;
  };
  after(async () => {
    for (const gw of gateways) await gw.stop();
  });

  test('with ADMIN_TOKEN: the bearer token, 401 without it, 403 with a wrong one; METRICS_ALLOW addresses need none', async () => {
    const gw = await start({ METRICS_ALLOW: '10.1.2.3, ::ffff:10.1.2.4' });
    const res = await fetch(`${gw.url}/metrics`);
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    assert.match(await res.text(), /admin token/);
    assert.equal(await status(gw, { authorization: 'Bearer not-the-token' }), 403);
    assert.equal(await status(gw, { authorization: `Bearer ${gw.adminToken}` }), 200);
    assert.equal(await status(gw, { 'x-forwarded-for': '10.1.2.3' }), 200);
    assert.equal(await status(gw, { 'x-forwarded-for': '10.1.2.4' }), 200);
    assert.equal(await status(gw, { 'x-forwarded-for': '10.1.2.5' }), 401);
  });

  test('without ADMIN_TOKEN: METRICS_ALLOW alone decides; with neither, callers on this machine only', async () => {
    const allowList = await start({ ADMIN_TOKEN: '', METRICS_ALLOW: '10.1.2.3' });
    assert.equal(await status(allowList, { 'x-forwarded-for': '10.1.2.3' }), 200);
    assert.equal(await status(allowList), 403);
    const loopback = await start({ ADMIN_TOKEN: '' });
    assert.equal(await status(loopback), 200);
    assert.equal(await status(loopback, { 'x-forwarded-for': '203.0.113.7' }), 403);
  });

  test('METRICS_ALLOW that is not a list of addresses stops the start, naming the variable', async () => {
    await assert.rejects(startTestGateway({ env: { METRICS_ALLOW: '10.1.2.3,prometheus.local' } }), /METRICS_ALLOW .*"prometheus\.local"/);
  });

  test("the Grafana dashboard's every query names metrics the gateway exports", async () => {
    const gw = gateways[0]!;
    const exported = await scrape(gw);
    const names = new Set<string>();
    for (const [name, type] of exported.types) {
      names.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${name}${suffix}`);
    }
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', 'docs', 'grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets?: { expr: string }[] }[];
      templating: { list: { name: string; type: string }[] };
    };
    assert.ok(
      dashboard.templating.list.some((v) => v.type === 'datasource'),
      'a Prometheus datasource variable',
    );
    const queried = dashboard.panels.filter((p) => p.targets?.length);
    assert.ok(queried.length >= 8, `${queried.length} panels with queries`);
    for (const panel of queried) {
      for (const { expr } of panel.targets!) {
        // Metric names: identifiers of ours or of prom-client's defaults, not PromQL's functions or label names.
        const used = [...expr.matchAll(/\b((?:smsgw|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
        assert.ok(used.length > 0, `${panel.title}: ${expr} names no metric`);
        for (const name of used) assert.ok(names.has(name), `${panel.title}: ${name} is not exported`);
      }
    }
  });
});
