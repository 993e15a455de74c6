/**
 * `npm run bench:pickup`: the pick-up latency of rows legacy SQL inserts, from the INSERT's commit
 * returning to the gateway's vendor call arriving at the sink, on SQLite and on MariaDB, with an
 * empty `send` table and with a seeded history of final rows. Each case runs a gateway process
 * (`src/cli.ts serve`, the production dispatch defaults unless DISPATCH_* says otherwise) on a fresh
 * database; a worker thread of this process inserts the rows one at a time while the sink, on the
 * main thread, stamps each one's arrival on the same clock. See bench/README.md.
 *
 * Options: --rows N (200 timed rows a case), --seed N (1000000 history rows; 0 runs only the empty
 * table), --rate N (5 rows a second, on average). TEST_MYSQL_URL names the MariaDB server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config';
import type { Dialect } from '../test/support/gateway';
import { DIALECT_NAMES, runBench, startBenchGateway } from './gateway';
import { CLAIMS, claimPlan, percentile, seedFinal, timeClaims } from './history';
import { runInserter } from './legacyInserter';
import { dispatchEnv } from './options';
import { sleep } from './processes';
import { row } from './report';
import { mobiles } from './request';
import { Sink } from './sink';

/** Rows inserted before the timed ones and not counted: the gateway's first legacy row pays for warming up. */
const WARMUP_ROWS = 5;
/** After the last INSERT, the most to wait for the rows still on their way. */
const ARRIVAL_TIMEOUT_MS = 30_000;

interface PickupOptions {
  rows: number;
  history: number;
  rate: number;
}

function readPickupOptions(argv: string[]): PickupOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: 'string', default: '200' },
      seed: { type: 'string', default: '1000000' },
      rate: { type: 'string', default: '5' },
    },
    strict: true,
  });
  const whole = (name: string, raw: string, min: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}, got "${raw}"`);
    return n;
  };
  const rate = Number(values.rate);
  if (!(rate > 0 && rate <= 100)) throw new Error(`--rate must be a number of rows a second above 0 and at most 100, got "${values.rate}"`);
  return { rows: whole('rows', values.rows, 1), history: whole('seed', values.seed, 0), rate };
}

interface Case {
  dialect: Dialect;
  history: number;
  seedSeconds: number | null;
  /** Pick-up latency of each timed row, ms, ascending. */
  latencyMs: number[];
  /** How long each INSERT took to commit, ms, ascending. */
  commitMs: number[];
  /** Timed rows that never reached the sink within the limit, and messages it got more than once. */
  missing: number;
  repeated: number;
  /** CLAIMS claims timed once every row is out, when nothing is due: what each dispatcher round costs at least, ms, ascending. */
  claimMs: number[];
  /** Legacy rows the gateway charged and handed to the vendor, of all inserted (the warm-up's included). */
  sent: number;
  inserted: number;
  plan: string[];
}

async function measure(options: PickupOptions, dialect: Dialect, history: number, dir: string): Promise<Case> {
  const sink = await Sink.start();
  const name = `pickup-${dialect}-${history}`;
  let seedSeconds: number | null = null;
  try {
    const gw = await startBenchGateway({
      name,
      dialect,
      sinkUrl: sink.url,
      dir: join(dir, name),
      profile: false,
      prepare: async (table) => {
        if (history === 0) return;
        const started = Date.now();
        await seedFinal(table.db, dialect, table.accountId, history);
        seedSeconds = (Date.now() - started) / 1000;
      },
    });
    try {
      const all = mobiles(WARMUP_ROWS + options.rows);
      const timed = new Set(all.slice(WARMUP_ROWS));
      const committed = new Map<string, number>();
      const arrived = new Map<string, number>();
      const commitMs: number[] = [];
      let repeated = 0;
      sink.onVendorSend((sent, arrivedUs) => {
        for (const mobile of sent) {
          if (!timed.has(mobile)) continue;
          if (arrived.has(mobile)) repeated++;
          else arrived.set(mobile, arrivedUs);
        }
      });
      await runInserter({ databaseUrl: gw.databaseUrl, mobiles: all, meanGapMs: 1000 / options.rate }, (m) => {
        if (m.kind !== 'committed' || !timed.has(m.mobile)) return;
        committed.set(m.mobile, m.committedUs);
        commitMs.push(m.commitMs);
      });
      const deadline = Date.now() + ARRIVAL_TIMEOUT_MS;
      while (arrived.size < timed.size && Date.now() < deadline) await sleep(50);
      const latencyMs = [...arrived].map(([mobile, at]) => (at - committed.get(mobile)!) / 1000);
      const { batchSize } = loadConfig(dispatchEnv()).dispatch;
      return {
        dialect,
        history,
        seedSeconds,
        latencyMs: latencyMs.sort((a, b) => a - b),
        commitMs: commitMs.sort((a, b) => a - b),
        missing: timed.size - arrived.size,
        repeated,
        claimMs: (await timeClaims(gw.table.db, batchSize)).sort((a, b) => a - b),
        sent: await gw.table.legacyRowsSent(),
        inserted: all.length,
        plan: history > 0 ? await claimPlan(gw.table.db, dialect, batchSize) : [],
      };
    } finally {
      await gw.stop();
    }
  } finally {
    await sink.close();
  }
}

const ok = (c: Case) => c.missing === 0 && c.repeated === 0 && c.sent === c.inserted;

function print(options: PickupOptions, cases: Case[]): void {
  const { intervalMs, batchSize } = loadConfig(dispatchEnv()).dispatch;
  console.log(
    `pick-up latency ${new Date().toISOString()}: ${options.rows} legacy INSERTs a case (after ${WARMUP_ROWS} not counted), ` +
      `${options.rate} a second on average; DISPATCH_INTERVAL_MS ${intervalMs}, DISPATCH_BATCH_SIZE ${batchSize}; ` +
      `${cpus().length} cores, node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at the end`,
  );
  console.log('');
  const ms = (sorted: number[], p: number) => (sorted.length === 0 ? '—' : percentile(sorted, p).toFixed(1));
  const columns: [string, number, (c: Case) => string][] = [
    ['database', 9, (c) => DIALECT_NAMES[c.dialect]],
    ['rows in send', 13, (c) => c.history.toLocaleString('en')],
    ['seed s', 8, (c) => (c.seedSeconds === null ? '—' : c.seedSeconds.toFixed(1))],
    ['commit p50', 12, (c) => ms(c.commitMs, 0.5)],
    ['pick-up p50', 13, (c) => ms(c.latencyMs, 0.5)],
    ['p99', 8, (c) => ms(c.latencyMs, 0.99)],
    ['min', 8, (c) => ms(c.latencyMs, 0)],
    ['max', 8, (c) => ms(c.latencyMs, 1)],
    ['claim p50', 11, (c) => ms(c.claimMs, 0.5)],
  ];
  const widths = columns.map(([, width]) => width);
  const check = (c: Case) =>
    ok(c) ? 'OK' : `FAILED: ${c.missing} not at the sink, ${c.repeated} repeated, ${c.sent}/${c.inserted} rows sent`;
  console.log(
    row(
      columns.map(([title]) => title),
      widths,
      'check',
    ),
  );
  for (const c of cases)
    console.log(
      row(
        columns.map(([, , cell]) => cell(c)),
        widths,
        check(c),
      ),
    );
  console.log(
    `(ms; commit: the INSERT until its commit returned; pick-up: that return until the vendor call reached the sink; ` +
      `claim: ${CLAIMS} claims of nothing due, on the bench's connection, after the rows)`,
  );
  for (const c of cases.filter((c) => c.plan.length > 0)) {
    console.log(`${DIALECT_NAMES[c.dialect]} claim plan with ${c.history.toLocaleString('en')} rows: ${c.plan.join(' | ')}`);
  }
}

async function main(): Promise<number> {
  const options = readPickupOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-bench-pickup-'));
  const histories = options.history > 0 ? [0, options.history] : [0];
  const cases: Case[] = [];
  for (const dialect of ['sqlite', 'mysql'] as const) {
    for (const history of histories) {
      console.error(`bench: pick-up on ${DIALECT_NAMES[dialect]} with ${history.toLocaleString('en')} rows in send`);
      cases.push(await measure(options, dialect, history, dir));
    }
  }
  print(options, cases);
  const passed = cases.every(ok);
  // The gateways' logs stay for a failed run.
  if (passed) rmSync(dir, { recursive: true, force: true });
  else console.log(`logs of the gateways: ${dir}`);
  return passed ? 0 : 1;
}

runBench(main);
