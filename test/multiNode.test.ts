/**
 * Several gateway nodes on one MariaDB, the database their only coordination: three processes
 * dispatch 20,000 rows a legacy system inserts by plain SQL and 20,000 numbers sent by SOAP at the
 * same time, through one vendor (the JSON cloud fake of test/vendors/http, which records every
 * number it is given and pushes each report to a surviving node). One node is killed with SIGKILL in
 * the middle. Then every row is delivered, the vendor saw each number exactly once except the rows
 * the dead node had handed to it without recording the answer (its claims come back after the
 * lease and go out again), every charge is in the ledger, and the two nodes left hand each report
 * and reply out once while callers fetch from both at the same time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { createCore } from '../src/core';
import { openDatabase } from '../src/db/datasource';
import { createTestDatabase } from './support/gateway';
import { startServerProcess, stopServerProcess } from './support/process';
import { B64, call } from './support/soap';
import { FakeCloud } from './vendors/http/fake';
import { vendorConfigs, waitFor } from './vendors/support';

const LEGACY_ROWS = 20_000;
const SOAP_NUMBERS = 20_000;
/** Numbers per sendSms call, and rows per legacy INSERT statement. */
const SOAP_BATCH = 200;
const INSERT_BATCH = 500;
/**
 * Short beside the default minute, yet long enough that a busy two-core machine never lets a live
 * node's lease lapse mid-round (which would send its rows again and blur the count this test makes).
 */
const LEASE_MS = 20_000;
const LEGACY_USERIDS = [5001, 5002, 5003, 5004];
const OPENING = 1_000_000;

const legacyNumber = (i: number) => `138${String(i).padStart(8, '0')}`;
const soapNumber = (i: number) => `139${String(i).padStart(8, '0')}`;
const e164 = (mobile: string) => `+86${mobile}`;

/** The fake cloud's YAML for `type: http`, with a vendor timeout under a quarter of the short lease. */
function gatewayYaml(): string {
  const config = parse(vendorConfigs('http').find((c) => c.name === 'jsoncloud.yaml')!.yaml);
  Object.assign(config.vendors.upstream, { timeoutMs: LEASE_MS / 4 - 500, batchesInFlight: 4 });
  // Replies are polled by whichever node holds the poll lease; fast, so that the test does not wait.
  config.vendors.upstream.replies.poll.intervalMs = 200;
  return stringify(config);
}

test('three nodes on one MariaDB, one killed mid-run: every row delivered, each number sent once but those in flight at the kill', {
  timeout: 600_000,
}, async (t) => {
  const database = await createTestDatabase('mysql');
  const configDir = mkdtempSync(join(tmpdir(), 'smsgw-nodes-'));
  const fake = await FakeCloud.start();
  const db = await openDatabase(database.databaseUrl);
  const nodes: Awaited<ReturnType<typeof startServerProcess>>[] = [];
  try {
    const core = createCore(db);
    await core.accounts.create('soap', 'soap-pw', { 1: OPENING });
    for (const userid of LEGACY_USERIDS) {
      await core.accounts.create(`legacy${userid}`, 'legacy-pw', { 1: OPENING });
      await core.accounts.setLegacyUserId(`legacy${userid}`, userid);
    }
    writeFileSync(join(configDir, 'gateway.yaml'), gatewayYaml());
    const env = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.databaseUrl,
      GATEWAY_CONFIG: join(configDir, 'gateway.yaml'),
      VENDOR_URL: fake.url,
      DEMO_ACCOUNT: 'false',
      LOG_LEVEL: 'info',
      DISPATCH_INTERVAL_MS: '100',
      DISPATCH_BATCH_SIZE: '100',
      DISPATCH_LEASE_MS: String(LEASE_MS),
    };
    for (let i = 0; i < 3; i++) nodes.push(await startServerProcess(['src/cli.ts', 'serve'], env));
    // The nodes' warnings and errors, shown when the test fails: they say why a row went out twice.
    const warnings: string[] = [];
    for (const { child } of nodes)
      child.stdout!.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) if (/"level":[4-6]0/.test(line)) warnings.push(line.slice(0, 600));
      });
    const [victim, ...survivors] = nodes as [(typeof nodes)[0], ...typeof nodes];
    // The vendor pushes its reports to one node, as its console holds one URL: a survivor.
    fake.reportUrl = `${survivors[0]!.url}/callbacks/upstream/reports`;
    const started = Date.now();

    // The legacy system: multi-row INSERTs of the legacy columns only, userids mapped to four accounts.
    const legacyInserts = (async () => {
      for (let from = 0; from < LEGACY_ROWS; from += INSERT_BATCH) {
        const count = Math.min(INSERT_BATCH, LEGACY_ROWS - from);
        const rows = Array.from({ length: count }, (_, k) => from + k);
        await db.query(
          `INSERT INTO send (Createtime, hostname, infotype, infoto, userid, RECVUSERID, content, contentsize, STATUS, YYB)
           VALUES ${rows.map(() => "(CURRENT_TIMESTAMP, '10.0.0.8', 8, ?, ?, 'nodes', '您的委托已成交', 7, 0, 1)").join(', ')}`,
          rows.flatMap((i) => [legacyNumber(i), LEGACY_USERIDS[i % LEGACY_USERIDS.length]]),
        );
      }
    })();

    // SOAP callers, on every live node in turn. A call the kill cut off has no answer: once the
    // victim is gone its rows are either all stored or none, and a caller sends the ones that are not.
    let markGone: () => void = () => undefined;
    const killedAndGone = new Promise<void>((resolve) => {
      markGone = resolve;
    });
    let killed = false;
    let unanswered = 0;
    const live = () => (killed ? survivors : nodes);
    const sendSms = (node: (typeof nodes)[0], mobiles: string[]) =>
      call(`${node.url}/services/userApi`, 'sendSms', {
        username: 'soap',
        password: B64('soap-pw'),
        smstype: 1,
        content: '多节点测试',
        mobile: mobiles.join(','),
        isLongSms: 0,
      });
    const soapCalls: string[][] = [];
    for (let from = 0; from < SOAP_NUMBERS; from += SOAP_BATCH)
      soapCalls.push(Array.from({ length: Math.min(SOAP_BATCH, SOAP_NUMBERS - from) }, (_, k) => soapNumber(from + k)));
    let nextCall = 0;
    const soapCaller = async (worker: number) => {
      for (let n = worker; ; n++) {
        const mobiles = soapCalls[nextCall++];
        if (!mobiles) return;
        for (let tries = 0; ; tries++) {
          const targets = live();
          const node = targets[(n + tries) % targets.length]!;
          try {
            assert.match(await sendSms(node, mobiles), /^success;\d{20}$/);
            break;
          } catch (err) {
            if (node !== victim || err instanceof assert.AssertionError) throw err;
            unanswered++;
            await killedAndGone;
            const [stored] = await db.query('SELECT COUNT(*) AS n FROM send WHERE infoto IN (?)', [mobiles]);
            if (Number(stored.n) === mobiles.length) break;
            assert.equal(Number(stored.n), 0, 'a batch is stored whole or not at all');
          }
        }
      }
    };
    const callers = Array.from({ length: 4 }, (_, w) => soapCaller(w));

    // The kill, halfway through the SOAP calls, with the vendor's work under way: the vendor turns
    // slow for a moment (its answers take 0.8 s, well inside the vendor timeout), so every node has
    // calls in flight, and the victim dies with rows the vendor was given and whose answer it never
    // recorded.
    const victimOwner = `%:${victim.child.pid}:%`;
    const given = () => fake.sends.flatMap((s) => (Array.isArray(s.body.phones) ? s.body.phones.map(String) : []));
    while (nextCall < soapCalls.length / 2 || given().length === 0) await new Promise((r) => setTimeout(r, 50));
    fake.mode = 'slow';
    await new Promise((r) => setTimeout(r, 400));
    const gone = new Promise((resolve) => victim.child.once('exit', resolve));
    victim.child.kill('SIGKILL');
    await gone;
    fake.mode = 'ok';
    killed = true;
    const killedAt = Date.now() - started;
    // What the victim still held, and which of those the vendor had been given. The fake may read
    // the dead node's last requests from its sockets after the exit is seen: it is given a second,
    // far inside the leases, so nobody else can have sent these rows yet.
    const heldAtKill: { ID: string; infoto: string }[] = await db.query(
      'SELECT ID, infoto FROM send WHERE STATUS = 0 AND claim_owner LIKE ?',
      [victimOwner],
    );
    await new Promise((r) => setTimeout(r, 1000));
    const seenAtKill = new Set(given());
    const inFlightAtKill = new Set(heldAtKill.map((r) => e164(r.infoto)).filter((phone) => seenAtKill.has(phone)));
    markGone();

    await Promise.all([legacyInserts, ...callers]);
    const acceptedAt = Date.now() - started;
    const total = LEGACY_ROWS + SOAP_NUMBERS;
    // Waits while delivery goes on, however slow a busy machine makes it; a minute without one more row
    // delivered (three leases) is a stall, and fails (the test's own timeout bounds the whole wait).
    let byStatus: Record<string, number> = {};
    for (let delivered = -1, lastProgress = Date.now(); Date.now() - lastProgress < 3 * LEASE_MS; ) {
      const counts: { STATUS: number; n: string }[] = await db.query('SELECT STATUS, COUNT(*) AS n FROM send GROUP BY STATUS');
      byStatus = Object.fromEntries(counts.map((c) => [c.STATUS, Number(c.n)]));
      if (byStatus[2] === total) break;
      if ((byStatus[2] ?? 0) > delivered) [delivered, lastProgress] = [byStatus[2] ?? 0, Date.now()];
      await new Promise((r) => setTimeout(r, 100));
    }
    const settledAt = Date.now() - started;
    assert.deepEqual(byStatus, { 2: total }, 'every row delivered, none left waiting, submitted or failed');

    // The vendor's view: every number, once; twice only for the rows the victim had in flight.
    const times = new Map<string, number>();
    for (const phone of given()) times.set(phone, (times.get(phone) ?? 0) + 1);
    const expected = [
      ...Array.from({ length: LEGACY_ROWS }, (_, i) => legacyNumber(i)),
      ...Array.from({ length: SOAP_NUMBERS }, (_, i) => soapNumber(i)),
    ].map(e164);
    assert.equal(times.size, total, 'the vendor saw every number and no other');
    assert.ok(
      expected.every((phone) => times.has(phone)),
      'every number reached the vendor',
    );
    const duplicates = [...times].filter(([, n]) => n > 1);
    const [{ n: retried }] = await db.query('SELECT COUNT(*) AS n FROM send WHERE attempts > 1');
    for (const w of warnings.slice(0, 20)) t.diagnostic(w);
    t.diagnostic(
      `warnings: ${warnings.length}; held by the killed node: ${heldAtKill.length}, in flight at the kill: ${inFlightAtKill.size}, sent twice: ${duplicates.length}, rows sent more than once by the gateway's own retries: ${retried}`,
    );
    assert.deepEqual(
      duplicates.filter(([phone, n]) => n !== 2 || !inFlightAtKill.has(phone)),
      [],
      'sent twice only if in flight at the kill, and never more',
    );
    const rows: { infoto: string; n: string }[] = await db.query('SELECT infoto, COUNT(*) AS n FROM send GROUP BY infoto HAVING n > 1');
    assert.deepEqual(rows, [], 'one row a number');

    // Balances: each account's balance is its ledger's sum, and what left it is exactly its rows' charges.
    const balances: { username: string; balance: string; ledger: string; charged: string; rows: string }[] = await db.query(
      `SELECT a.username, a.balance_gateway AS balance,
              (SELECT SUM(l.amount) FROM balance_ledger l WHERE l.account_id = a.id AND l.pool = 1) AS ledger,
              (SELECT SUM(s.charged) FROM send s WHERE s.account_id = a.id) AS charged,
              (SELECT COUNT(*) FROM send s WHERE s.account_id = a.id) AS \`rows\`
         FROM account a ORDER BY a.username`,
    );
    const perLegacyAccount = LEGACY_ROWS / LEGACY_USERIDS.length;
    assert.deepEqual(
      balances.map((b) => [b.username, Number(b.balance), Number(b.ledger), Number(b.charged), Number(b.rows)]),
      [
        ...LEGACY_USERIDS.map((u) => [
          `legacy${u}`,
          OPENING - perLegacyAccount,
          OPENING - perLegacyAccount,
          perLegacyAccount,
          perLegacyAccount,
        ]),
        ['soap', OPENING - SOAP_NUMBERS, OPENING - SOAP_NUMBERS, SOAP_NUMBERS, SOAP_NUMBERS],
      ],
    );

    // Reports and replies fetched from both surviving nodes at once: each handed out once.
    const fetchAll = async (operation: 'getSmsReport' | 'getRecvSMS', username: string, password: string, expectedCount: number) => {
      const got: string[] = [];
      const fetcher = async (node: (typeof nodes)[0]) => {
        for (let empty = 0; got.length < expectedCount && empty < 100; ) {
          const xml = await call(`${node.url}/services/userApi`, operation, { username, password: B64(password) });
          const mobiles = [...xml.matchAll(/<mobile>(\d+)<\/mobile>/g)].map((m) => m[1]!);
          got.push(...mobiles);
          empty = mobiles.length === 0 ? empty + 1 : 0;
          if (mobiles.length === 0) await new Promise((r) => setTimeout(r, 50));
        }
      };
      await Promise.all([...survivors, ...survivors].map(fetcher));
      return got;
    };
    const reports = await fetchAll('getSmsReport', 'soap', 'soap-pw', SOAP_NUMBERS);
    assert.equal(reports.length, SOAP_NUMBERS, 'every SOAP report, none twice');
    assert.equal(new Set(reports).size, SOAP_NUMBERS);
    const legacyReports = await fetchAll('getSmsReport', `legacy${LEGACY_USERIDS[0]}`, 'legacy-pw', perLegacyAccount);
    assert.equal(legacyReports.length, perLegacyAccount, "a legacy row's report reaches its mapped account");
    assert.equal(new Set(legacyReports).size, perLegacyAccount);
    const REPLIES = 300;
    for (let i = 0; i < REPLIES; i++) fake.addReply(e164(soapNumber(i)), `回复${i}`);
    // One node polls them (the poll lease passes on within 30 s if the killed node held it).
    await waitFor(
      async () => Number((await db.query('SELECT COUNT(*) AS n FROM reply'))[0].n) === REPLIES,
      60_000,
      'the replies polled and stored',
    );
    const replies = await fetchAll('getRecvSMS', 'soap', 'soap-pw', REPLIES);
    assert.deepEqual([replies.length, new Set(replies).size], [REPLIES, REPLIES], 'every reply handed out once');

    const counts = {
      rows: total,
      legacyRows: LEGACY_ROWS,
      soapRows: SOAP_NUMBERS,
      heldByKilledNode: heldAtKill.length,
      inFlightAtKill: inFlightAtKill.size,
      sentTwice: duplicates.length,
      retriedRows: Number(retried),
      unansweredSoapCalls: unanswered,
      killedAtMs: killedAt,
      allAcceptedAtMs: acceptedAt,
      allDeliveredAtMs: settledAt,
    };
    t.diagnostic(`three-node kill test: ${JSON.stringify(counts)}`);
    console.log('three-node kill test', counts);
  } finally {
    await Promise.all(nodes.map((n) => stopServerProcess(n.child)));
    await fake.stop();
    await db.destroy();
    await database.drop();
    rmSync(configDir, { recursive: true, force: true });
  }
});
