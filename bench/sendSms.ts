/**
 * sendSms throughput: the whole gateway (SOAP parse, auth, charge, outbox insert, with the
 * dispatcher and simulator reports running beside it) against a bare Koa app that answers the
 * same bytes. The ratio is what the gateway costs over the HTTP floor of this machine.
 * Run with `npm run bench`; BENCH_SECONDS sets the measured duration of each target.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { Send } from '../entities';
import { loadConfig } from '../src/config';
import { createCore } from '../src/core';
import { openDatabase } from '../src/db/datasource';
import { DEMO } from '../src/core/accounts';
import { startServerProcess, stopServerProcess } from '../test/support/process';
import { ANSWER, BODY, FIXED_BATCH_ID, HEADERS, PATH } from './request';

// autocannon ships no type declarations (and @types/autocannon is not installed): this is the slice used here.
interface LoadResult {
  requests: { mean: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  '2xx': number;
}
interface LoadOptions {
  url: string;
  connections: number;
  duration: number;
  method: 'POST';
  headers: Record<string, string>;
  body: string;
  verifyBody: (body: string) => boolean;
}
const autocannon = require('autocannon') as (options: LoadOptions) => Promise<LoadResult>;

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
if (!Number.isInteger(SECONDS) || SECONDS < 1)
  throw new Error(`BENCH_SECONDS must be a whole number of seconds, got "${process.env.BENCH_SECONDS}"`);
const WARMUP_SECONDS = 2;
const CONNECTIONS = 32;
const BATCH_ID = /success;(\d{20})</;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function load(url: string, duration: number, verifyBody: (body: string) => boolean): Promise<LoadResult> {
  return autocannon({ url, connections: CONNECTIONS, duration, method: 'POST', headers: HEADERS, body: BODY, verifyBody });
}

/** Count of `send` rows once in-flight requests (cut off by autocannon at its deadline) have committed. */
async function settledSendRows(db: DataSource): Promise<number> {
  let last = -1;
  for (let i = 0; i < 50; i++) {
    const n = await db.getRepository(Send).count();
    if (n === last) return n;
    last = n;
    await sleep(200);
  }
  return last;
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-bench-'));
  // Only the dispatcher's and simulator's knobs pass through: VENDORS stays pinned to the
  // simulator so a developer's shell can never route the bench to a real vendor.
  const tuning = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(SIMULATOR|DISPATCH)_/.test(k)));
  const env = {
    PATH: process.env.PATH,
    ...tuning,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, 'gateway.sqlite')}`,
    DEMO_ACCOUNT: 'false',
    VENDORS: 'simulator',
    LOG_LEVEL: 'info',
  };
  const config = loadConfig(env);
  // The demo account, made here with enough balance that the run cannot hit 余额不足 mid-way.
  const db = await openDatabase(config.databaseUrl);
  await createCore(db).accounts.create(DEMO.username, DEMO.password, { 1: 10_000_000 });
  const gateway = await startServerProcess(['src/cli.ts', 'serve'], env);
  const baseline = await startServerProcess(['bench/baseline.ts'], { PATH: process.env.PATH });
  try {
    const gatewayUrl = `${gateway.url}${PATH}`;
    const baselineUrl = `${baseline.url}${PATH}`;

    // Same bytes or the comparison is unfair; this call also pays the one scrypt check before timing starts.
    const probe = await (await fetch(gatewayUrl, { method: 'POST', headers: HEADERS, body: BODY })).text();
    if (probe.replace(/success;\d{20}/, `success;${FIXED_BATCH_ID}`) !== ANSWER) throw new Error(`unexpected gateway answer: ${probe}`);

    // Baseline first, each target warmed up (JIT, connection setup, caches) before the counted run.
    await load(baselineUrl, WARMUP_SECONDS, () => true);
    const base = await load(baselineUrl, SECONDS, (body) => body === ANSWER);

    await load(gatewayUrl, WARMUP_SECONDS, () => true);
    const rowsBefore = await settledSendRows(db);
    // A success answer is HTTP 200 like a refusal (`failure;…`), so bodies are checked and batch ids kept.
    const answered: string[] = [];
    const gw = await load(gatewayUrl, SECONDS, (body) => {
      const id = BATCH_ID.exec(body)?.[1];
      if (id) answered.push(id);
      return id !== undefined;
    });

    // Every success answer must have its committed outbox row. Rows beyond those come from
    // requests autocannon abandoned at the deadline: accepted by the gateway, never answered.
    const rowsAdded = (await settledSendRows(db)) - rowsBefore;
    const stored = new Set((await db.getRepository(Send).find({ select: { batchId: true } })).map((r) => r.batchId));
    const unique = new Set(answered);
    const withRow = [...unique].filter((id) => stored.has(id)).length;
    const cutOff = rowsAdded - withRow;
    const accepted =
      gw.non2xx === 0 &&
      gw.errors === 0 &&
      gw.mismatches === 0 &&
      unique.size === gw['2xx'] &&
      withRow === gw['2xx'] &&
      cutOff >= 0 &&
      cutOff <= CONNECTIONS;

    const row = (r: LoadResult) => ({
      rps: Math.round(r.requests.mean),
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      errors: r.errors + r.non2xx + r.mismatches,
      ok2xx: r['2xx'],
      non2xx: r.non2xx,
      wrongBody: r.mismatches,
      timeouts: r.timeouts,
    });
    const results = {
      at: new Date().toISOString(),
      node: process.version,
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      connections: CONNECTIONS,
      background: { vendors: Object.fromEntries(config.vendors), dispatch: config.dispatch },
      baseline: row(base),
      gateway: row(gw),
      // rps ratio < 1 is the share of the HTTP floor the gateway keeps; p99 ratio > 1 is how much longer its tail is.
      ratios: { rps: round(gw.requests.mean / base.requests.mean, 3), p99: round(gw.latency.p99 / Math.max(base.latency.p99, 1), 1) },
      check: {
        accepted,
        non2xx: gw.non2xx,
        answered2xx: gw['2xx'],
        sendRowsForAnswers: withRow,
        sendRowsAdded: rowsAdded,
        cutOffAtDeadline: cutOff,
      },
    };

    const line = (name: string, r: ReturnType<typeof row>) =>
      `${name.padEnd(10)}${String(r.rps).padStart(10)}${String(r.p50Ms).padStart(10)}${String(r.p99Ms).padStart(10)}${String(r.errors).padStart(8)}`;
    console.log(`\nsendSms, ${CONNECTIONS} connections, ${SECONDS} s each (after ${WARMUP_SECONDS} s warm-up), node ${process.version}`);
    console.log(`${''.padEnd(10)}${'req/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'errors'.padStart(8)}`);
    console.log(line('baseline', results.baseline));
    console.log(line('gateway', results.gateway));
    console.log(`gateway/baseline: req/s ×${results.ratios.rps}, p99 ×${results.ratios.p99}`);
    console.log(
      `check: non-2xx ${gw.non2xx}; 2xx answers ${gw['2xx']}, send rows for them ${withRow} ` +
        `(+${cutOff} from requests cut off at the deadline) → ${accepted ? 'OK' : 'FAILED'}`,
    );

    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    return accepted ? 0 : 1;
  } finally {
    await Promise.all([stopServerProcess(gateway.child), stopServerProcess(baseline.child)]);
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(n: number, digits: number): number {
  return Number(n.toFixed(digits));
}

// Explicit exit: a stray timer in a dependency must not keep `npm run bench` hanging after the verdict.
main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
