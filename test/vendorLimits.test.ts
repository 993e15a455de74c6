/**
 * A vendor's limits across nodes and its breaker, end to end. The vendor is a `type: http`
 * description (`countedVendor`: a form POST answered `OK <id>`, 503 when busy) in front of a local
 * sink that counts what it receives: when, from which node, how many requests are open at once.
 * Two gateway processes share one MariaDB database, as two production nodes do.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext, test } from 'node:test';
import { Send, SendStatus } from '../entities';
import { openDatabase } from '../src/db/datasource';
import { VendorBreakers } from '../src/dispatch/breakers';
import { createLogger } from '../src/logger';
import { vendorLimits } from '../src/vendors/settings';
import type { SendOutcome } from '../src/vendors/types';
import { createTestDatabase, startTestGateway } from './support/gateway';
import { startServerProcess, stopServerProcess } from './support/process';
import { call, DEMO_AUTH } from './support/soap';
import { outbound, type ReceivedRequest, startFakeServer, waitFor } from './vendors/support';

/**
 * A vendor for the generic adapter: POST `mobile`, `text` and our account as a form, one number a
 * request, two requests of a batch at once, answered `OK <id>`; `limits` are the vendor's own lines
 * (rateLimit, openRequests, breaker), unindented.
 */
function countedVendor(name: string, urlVariable: string, limits = ''): string {
  return `  ${name}:
    type: http
    url: \${${urlVariable}}
    username: gw
    password: pw
    timeoutMs: 5000
    concurrency: 2
${limits.replace(/^(?=.)/gm, '    ')}    send:
      path: /send
      maxNumbers: 1
      params: { user: "{username}", pwd: "{password}", mobile: "{mobiles}", text: "{content}" }
      answer: { success: '^OK ', id: '^OK (\\S+)' }
`;
}

/** One vendor, `cloud`, at VENDOR_URL. */
const config = (limits: string) => `vendors:\n${countedVendor('cloud', 'VENDOR_URL', limits)}route: [cloud]\n`;

/** What the sink saw of one request: when it came and went, which node sent it, to how many numbers. */
interface Arrival {
  at: number;
  node: string;
  mobiles: string[];
  vendor: string;
}

/**
 * The sink: answers `OK <id>` after `delayMs` (503 while `failing`), and records every request
 * and the most requests it had open at once. A node's VENDOR_URL ends in its name (/a, /b) and a
 * vendor's in its own (/cloud…), so the path tells who sent what.
 */
async function startSink(t: TestContext, delayMs: number) {
  const arrivals: Arrival[] = [];
  const state = { open: 0, maxOpen: 0, failing: false, ids: 0 };
  const server = await startFakeServer(async (req: ReceivedRequest, res) => {
    state.open++;
    state.maxOpen = Math.max(state.maxOpen, state.open);
    res.on('close', () => state.open--);
    const [, node = '', vendor = ''] = req.path.split('/');
    const form = new URLSearchParams(req.body.toString('utf8'));
    await new Promise((r) => setTimeout(r, delayMs));
    if (state.failing) {
      res.statusCode = 503;
      res.end('busy');
      return;
    }
    arrivals.push({ at: Date.now(), node, vendor, mobiles: (form.get('mobile') ?? '').split(',') });
    res.end(`OK ${++state.ids}`);
  });
  t.after(() => server.stop());
  return { ...server, arrivals, state };
}

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Two gateway processes on one fresh MariaDB database, both delivering through the sink, node a
 * and node b. The second starts once the first has migrated the schema and made the demo account.
 */
async function twoNodes(t: TestContext, yaml: string, sinkUrl: string) {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-limits-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'gateway.yaml'), yaml);
  const database = await createTestDatabase('mysql');
  const base = {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: database.databaseUrl,
    GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
    DEMO_ACCOUNT: 'true',
    LOG_LEVEL: 'info',
    DISPATCH_INTERVAL_MS: '20',
    DISPATCH_BATCH_SIZE: '10',
  };
  const a = await startServerProcess(['src/cli.ts', 'serve'], { ...base, VENDOR_URL: `${sinkUrl}/a/cloud` });
  t.after(async () => {
    await stopServerProcess(a.child);
    await database.drop();
  });
  const b = await startServerProcess(['src/cli.ts', 'serve'], { ...base, VENDOR_URL: `${sinkUrl}/b/cloud` });
  // Hooks run in the order they were added: b stops before a stops and the database goes.
  t.after(() => stopServerProcess(b.child));
  return { serviceUrl: `${a.url}/services/userApi`, databaseUrl: database.databaseUrl };
}

/** One in-process gateway on SQLite delivering through a sink, as node a. */
async function oneNode(t: TestContext, limits: string, { delayMs, batchSize }: { delayMs: number; batchSize: number }) {
  const sink = await startSink(t, delayMs);
  const gw = await startTestGateway({
    config: config(limits),
    env: { VENDOR_URL: `${sink.url}/a/cloud`, DISPATCH_BATCH_SIZE: String(batchSize) },
  });
  t.after(() => gw.stop());
  return { sink, gw };
}

/** `count` numbers from `first` on, sent in calls of 50 numbers as a legacy caller would. */
async function sendNumbers(
  serviceUrl: string,
  first: number,
  count: number,
  content = '限速测试【测试】',
  isLongSms = 0,
): Promise<string[]> {
  const mobiles = Array.from({ length: count }, (_, i) => String(first + i));
  for (let i = 0; i < mobiles.length; i += 50) {
    const answer = await call(serviceUrl, 'sendSms', {
      ...DEMO_AUTH,
      smstype: 1,
      content,
      mobile: mobiles.slice(i, i + 50).join(','),
      isLongSms,
    });
    assert.match(answer, /^success;\d{20}$/);
  }
  return mobiles;
}

/** Every row was handed to the vendor exactly once, and the sink received each number exactly once. */
async function assertNoneLost(databaseUrl: string, mobiles: string[], arrivals: Arrival[]): Promise<void> {
  const received = arrivals.flatMap((a) => a.mobiles).sort();
  assert.deepEqual(received, [...mobiles].sort(), 'the vendor received every number once');
  const db = await openDatabase(databaseUrl, false);
  try {
    // The sink answered the last request a moment before its node recorded the outcome.
    await waitFor(
      async () => (await db.getRepository(Send).countBy({ STATUS: SendStatus.submitted })) === mobiles.length,
      5000,
      'recorded',
    );
    const rows = await db.getRepository(Send).find();
    assert.equal(rows.length, mobiles.length);
    assert.ok(
      rows.every((r) => r.STATUS === SendStatus.submitted && r.attempts === 1),
      'every row submitted at its first attempt: waiting for budget is not an attempt',
    );
  } finally {
    await db.destroy();
  }
}

test('two nodes on one MariaDB share one vendor rate: the vendor sees the configured rate, both nodes busy, nothing lost', {
  timeout: 60_000,
}, async (t) => {
  const perSecond = 20;
  const burst = 5;
  const sink = await startSink(t, 5);
  const nodes = await twoNodes(t, config(`rateLimit: { perSecond: ${perSecond}, burst: ${burst} }\n`), sink.url);
  const mobiles = await sendNumbers(nodes.serviceUrl, 13100000000, 200);
  await waitFor(() => sink.arrivals.flatMap((a) => a.mobiles).length >= mobiles.length, 30_000, 'every message at the vendor');
  const times = sink.arrivals.flatMap((a) => a.mobiles.map(() => a.at)).sort((x, y) => x - y);
  const seconds = (times.at(-1)! - times[0]!) / 1000;
  const byNode = (node: string) => sink.arrivals.filter((a) => a.node === node).reduce((n, a) => n + a.mobiles.length, 0);
  /** The most messages the sink received in any `w` seconds. */
  const busiest = (w: number) => {
    let most = 0;
    for (let i = 0, j = 0; i < times.length; i++) {
      while (j < times.length && times[j]! < times[i]! + w * 1000) j++;
      most = Math.max(most, j - i);
    }
    return most;
  };
  // A token bucket lets through at most `burst` + `perSecond` × w in any w seconds. The 0.5 s of slack is the time between a
  // node taking its tokens (on the database's clock) and the last request of that part reaching the sink on a busy two-core
  // machine: it shifts where a window's edges fall, by far less than that.
  const allowed = (w: number) => burst + perSecond * (w + 0.5);
  console.log(
    `combined rate: ${mobiles.length} messages in ${seconds.toFixed(2)} s, ${((mobiles.length - burst) / seconds).toFixed(2)}/s after the first burst, against a limit of ${perSecond}/s (burst ${burst}); busiest second ${busiest(1)}, busiest 4 s ${busiest(4)}; node a ${byNode('a')}, node b ${byNode('b')}`,
  );
  for (const w of [1, 2, 4, seconds])
    assert.ok(busiest(w) <= allowed(w), `${busiest(w)} messages in ${w} s: over the limit (${allowed(w)})`);
  // Both nodes kept sending, and between them they used most of the budget: the limit, not idleness, set the pace.
  assert.ok(byNode('a') >= 40 && byNode('b') >= 40, `both nodes sent: a ${byNode('a')}, b ${byNode('b')}`);
  assert.ok(mobiles.length / seconds >= perSecond * 0.8, 'the nodes used the budget');
  await assertNoneLost(nodes.databaseUrl, mobiles, sink.arrivals);
});

test('two nodes on one MariaDB share open requests: the vendor never has more open than openRequests', { timeout: 60_000 }, async (t) => {
  const openRequests = 4;
  const sink = await startSink(t, 120);
  // concurrency 2: a batch may have two requests open, so it leases two slots; without the limit the two nodes could open
  // 2 nodes × batchesInFlight 4 × 2 = 16 at once.
  const nodes = await twoNodes(t, config(`openRequests: ${openRequests}\n`), sink.url);
  const mobiles = await sendNumbers(nodes.serviceUrl, 13200000000, 100);
  await waitFor(() => sink.arrivals.flatMap((a) => a.mobiles).length >= mobiles.length, 30_000, 'every message at the vendor');
  console.log(`open requests: at most ${sink.state.maxOpen} at once against a limit of ${openRequests}`);
  assert.ok(sink.state.maxOpen <= openRequests, `${sink.state.maxOpen} requests open at once`);
  assert.equal(sink.state.maxOpen, openRequests, 'the limit was reached: without it more would have been open');
  assert.ok(sink.arrivals.some((a) => a.node === 'a') && sink.arrivals.some((a) => a.node === 'b'), 'both nodes sent');
  await assertNoneLost(nodes.databaseUrl, mobiles, sink.arrivals);
});

test('a rate counted in segments: long texts take their parts from the budget (SQLite, one node)', { timeout: 30_000 }, async (t) => {
  const { sink, gw } = await oneNode(t, 'rateLimit: { perSecond: 10, counts: segments, burst: 10 }\n', { delayMs: 0, batchSize: 10 });
  // 100 characters sent as one long message: two parts of 67, so 20 numbers cost 40 of a 10-a-second budget.
  const mobiles = await sendNumbers(gw.serviceUrl, 13300000000, 20, `${'长'.repeat(98)}【测试】`, 1);
  await waitFor(() => sink.arrivals.flatMap((a) => a.mobiles).length >= mobiles.length, 20_000, 'every message at the vendor');
  const times = sink.arrivals.map((a) => a.at);
  const seconds = (Math.max(...times) - Math.min(...times)) / 1000;
  // 40 parts, 10 of them in the full bucket: the other 30 take 3 s at 10 a second; counted in messages it would take 1 s.
  assert.ok(seconds >= 2.5, `20 two-part messages went out in ${seconds} s`);
  const submitted = () => gw.db.getRepository(Send).findBy({ STATUS: SendStatus.submitted });
  await waitFor(async () => (await submitted()).length === 20, 5000, 'recorded');
  const rows = await submitted();
  assert.ok(rows.every((r) => r.segments === 2 && r.attempts === 1));
});

test('open requests on SQLite, one node: its batches in flight share the slots', { timeout: 30_000 }, async (t) => {
  // batchesInFlight 4 × concurrency 2 could open 8 at once.
  const { sink, gw } = await oneNode(t, 'openRequests: 2\n', { delayMs: 80, batchSize: 4 });
  const mobiles = await sendNumbers(gw.serviceUrl, 13500000000, 24);
  await waitFor(() => sink.arrivals.length >= mobiles.length, 20_000, 'every message at the vendor');
  assert.equal(sink.state.maxOpen, 2);
  await assertNoneLost(gw.databaseUrl, mobiles, sink.arrivals);
});

test('a failing vendor: its breaker opens, its rows go to the next vendor, and a probe puts it back', { timeout: 40_000 }, async (t) => {
  const flaky = await startSink(t, 0);
  const steady = await startSink(t, 0);
  const gw = await startTestGateway({
    config: `vendors:\n${countedVendor('cloud', 'FLAKY_URL', 'breaker: { minimumCalls: 3, windowMs: 10000, halfOpenAfterMs: 1500 }\n')}${countedVendor('steady', 'STEADY_URL')}route: [cloud, steady]\n`,
    env: { FLAKY_URL: `${flaky.url}/a/cloud`, STEADY_URL: `${steady.url}/a/steady`, DISPATCH_RETRY_BASE_MS: '20' },
  });
  t.after(() => gw.stop());
  const breakers = async () => {
    const res = await fetch(`${gw.url}/admin/vendors`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
    return (await res.json()) as { vendor: string; state: string; lastFailure: string | null }[];
  };
  const rowsFor = (mobiles: string[]) => gw.db.getRepository(Send).find({ where: mobiles.map((infoto) => ({ infoto })) });
  flaky.state.failing = true;
  // One message at a time, each sent once the last was settled: calls 1 to 3 fail at cloud (and their rows are retried on
  // steady, as failover always did); the third failure in the window opens the breaker.
  const early: string[] = [];
  for (let i = 0; i < 3; i++) {
    early.push(...(await sendNumbers(gw.serviceUrl, 13400000000 + i, 1)));
    await waitFor(async () => (await rowsFor(early)).every((r) => r.STATUS === SendStatus.submitted), 5000, 'failed over');
  }
  const out = (await breakers()).find((b) => b.vendor === 'cloud')!;
  assert.equal(out.state, 'open');
  assert.match(out.lastFailure ?? '', /503/);
  assert.deepEqual(
    (await breakers()).map((b) => [b.vendor, b.state]),
    [
      ['cloud', 'open'],
      ['steady', 'closed'],
    ],
  );
  const flakyCallsAtOpen = flaky.received.length;
  // While it is out, new rows go straight to steady: accepted at their first attempt, cloud not asked.
  const whileOpen = await sendNumbers(gw.serviceUrl, 13410000000, 10);
  await waitFor(async () => (await rowsFor(whileOpen)).every((r) => r.STATUS === SendStatus.submitted), 5000, 'sent while open');
  for (const row of await rowsFor(whileOpen)) assert.deepEqual([row.vendor, row.attempts], ['steady', 1]);
  assert.equal(flaky.received.length, flakyCallsAtOpen, 'no call reached the vendor while its breaker was open');

  // The vendor recovers; after halfOpenAfterMs one row probes it, and with the probe accepted it is back in the route.
  flaky.state.failing = false;
  await new Promise((r) => setTimeout(r, 1600));
  const probe = await sendNumbers(gw.serviceUrl, 13420000000, 1);
  await waitFor(async () => (await rowsFor(probe)).every((r) => r.STATUS === SendStatus.submitted), 5000, 'the probe');
  assert.deepEqual(
    (await rowsFor(probe)).map((r) => r.vendor),
    ['cloud'],
  );
  assert.equal((await breakers()).find((b) => b.vendor === 'cloud')!.state, 'closed');
  const recovered = await sendNumbers(gw.serviceUrl, 13430000000, 10);
  await waitFor(async () => (await rowsFor(recovered)).every((r) => r.STATUS === SendStatus.submitted), 5000, 'sent after recovery');
  for (const row of await rowsFor(recovered)) assert.deepEqual([row.vendor, row.attempts], ['cloud', 1]);
  // Counts: cloud took the probe and the 10 after it; steady the 3 early rows' retries and the 10 sent while cloud was out.
  assert.equal(flaky.arrivals.flatMap((a) => a.mobiles).length, 11);
  assert.equal(steady.arrivals.flatMap((a) => a.mobiles).length, 13);
});

test("the breaker's changes are logged and shown: open after mostly failed calls, half-open for one probe, closed by its success", async () => {
  const lines: { msg: string; vendor: string; breaker: string }[] = [];
  const log = createLogger('info', { write: (line: string) => lines.push(JSON.parse(line)) });
  const configs = new Map([
    ['cloud', { type: 'http', limits: vendorLimits.parse({ breaker: { minimumCalls: 4, halfOpenAfterMs: 100 } }), settings: {} }],
  ]);
  const breakers = new VendorBreakers(configs, log);
  let answer: 'refuse' | 'fail' | 'accept' = 'refuse';
  const outcome = (id: number): SendOutcome =>
    answer === 'accept'
      ? { id, ok: true, vendorMsgId: 'x' }
      : { id, ok: false, retryable: answer === 'fail', error: answer === 'fail' ? 'HTTP 503' : 'bad number' };
  const cloud = breakers.guard({ name: 'cloud', send: async (batch) => batch.map((m) => outcome(m.id)) });
  const batch = [outbound(1, '13800138000')];
  // Permanent refusals are the vendor working (the number's fault): they count for it.
  for (let i = 0; i < 4; i++) await cloud.send(batch);
  answer = 'fail';
  for (let i = 0; i < 4; i++) await cloud.send(batch);
  assert.equal(breakers.status(['cloud'])[0]!.state, 'closed', 'four failed calls of eight are not more than half');
  await cloud.send(batch);
  assert.deepEqual(
    breakers.status(['cloud', 'other']).map((s) => [s.vendor, s.state, s.lastFailure]),
    [
      ['cloud', 'open', 'HTTP 503'],
      ['other', 'off', null],
    ],
  );
  assert.equal(breakers.admits('cloud'), false, 'out of the route while it cools down');
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(breakers.admits('cloud'), true, 'one row may probe it');
  assert.equal(breakers.admits('cloud'), false, 'and only one');
  answer = 'accept';
  await cloud.send(batch);
  assert.equal(breakers.status(['cloud'])[0]!.state, 'closed');
  assert.equal(breakers.admits('cloud'), true);
  assert.deepEqual(
    lines.map((l) => [l.vendor, l.breaker, l.msg.split(':')[0]]),
    [
      ['cloud', 'open', 'vendor breaker open'],
      ['cloud', 'half-open', 'vendor breaker half-open'],
      ['cloud', 'closed', 'vendor breaker closed'],
    ],
  );
});
