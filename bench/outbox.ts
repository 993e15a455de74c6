/**
 * The outbox with a long history: claim time and dispatch drain rate when `send` already holds a
 * million rows, almost all of them final, as a gateway's table does after months of traffic.
 * For each database (SQLite, then MariaDB unless BENCH_MYSQL_URL is empty) it seeds the history and
 * a backlog of waiting single-recipient rows in bulk, prints the claim's query plan, times claims,
 * then drains the backlog through the real Dispatcher into a vendor that accepts instantly, applies
 * every row's delivery report in pushes of 200 and fetches them all as getSmsReport does, checking
 * that every row was sent, reported and handed out exactly once.
 * Run with `npx tsx bench/outbox.ts`; BENCH_OUTBOX_ROWS (1000000), BENCH_OUTBOX_WAITING (20000) and
 * DISPATCH_* (production defaults) tune it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { createCore } from '../src/core';
import { openDatabase } from '../src/db/datasource';
import { Dispatcher } from '../src/dispatch/dispatcher';
import { createLogger } from '../src/logger';
import type { OutboundMessage, SendOutcome, Vendor } from '../src/vendors/types';
import type { Dialect } from '../test/support/gateway';
import { claimPlan, percentile, SEED_CHUNK, seedFinal, textOf, THOUSAND, timeClaims } from './history';
import { dispatchEnv } from './options';

function count(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return n;
}

const FINAL_ROWS = count('BENCH_OUTBOX_ROWS', 1_000_000);
const WAITING_ROWS = count('BENCH_OUTBOX_WAITING', 20_000);
const MYSQL_URL = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** A vendor that accepts every message at once and remembers what it was given. */
class InstantVendor implements Vendor {
  readonly name = 'instant';
  readonly received: number[] = [];
  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    for (const m of batch) this.received.push(m.id);
    return batch.map((m) => ({ id: m.id, ok: true, vendorMsgId: `i-${m.id}` }));
  }
}

/** The backlog: single-recipient rows of the gateway's own callers, waiting. */
async function seedWaiting(db: DataSource, dialect: Dialect, accountId: number, rows: number): Promise<void> {
  const { tagged, mobile } = textOf(dialect);
  for (let done = 0; done < rows; done += SEED_CHUNK) {
    const size = Math.min(SEED_CHUNK, rows - done);
    const k = `(${done} + a.i * 1000 + b.i)`;
    await db.query(
      `INSERT INTO send (Createtime, infotype, infoto, userid, content, contentsize, STATUS, batch_id, account_id, msg_type, segments, charged, attempts)
       ${THOUSAND}
       SELECT CURRENT_TIMESTAMP, 8, ${mobile('138', k)}, ${accountId}, '您的验证码是654321【测试】', 16, 0,
              ${tagged('W', k)}, ${accountId}, 1, 1, 1, 0
         FROM n a CROSS JOIN n b WHERE a.i * 1000 + b.i < ${size}`,
    );
  }
}

async function drain(db: DataSource, rows: number): Promise<{ seconds: number; sentOnce: boolean }> {
  const vendor = new InstantVendor();
  const config = loadConfig({ ...dispatchEnv(), VENDORS: 'simulator' });
  const dispatcher = new Dispatcher(db, new Map([[vendor.name, vendor]]), { ...config, route: [vendor.name] }, createLogger('warn'));
  const started = process.hrtime.bigint();
  dispatcher.start();
  while (vendor.received.length < rows) await new Promise((r) => setTimeout(r, 5));
  await dispatcher.stop();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const [{ n }] = await db.query("SELECT COUNT(*) AS n FROM send WHERE STATUS = 1 AND vendor = 'instant'");
  return { seconds, sentOnce: new Set(vendor.received).size === rows && vendor.received.length === rows && Number(n) === rows };
}

/** Rows per report push, as the simulator and vendors that push arrays send them. */
const REPORTS_PER_PUSH = 200;

/** Every sent row's delivery report, pushed in arrays one after another; then the caller's polls fetch them all. */
async function reportAndFetch(
  db: DataSource,
  accountId: number,
  rows: number,
): Promise<{ reportSeconds: number; fetchSeconds: number; once: boolean }> {
  const core = createCore(db);
  const sent: { ID: number | string }[] = await db.query("SELECT ID FROM send WHERE vendor = 'instant' ORDER BY ID");
  const at = new Date();
  const reports = sent.map((r) => ({ vendor: 'instant', vendorMsgId: `i-${r.ID}`, status: 'delivered' as const, code: 'DELIVRD', at }));
  let started = process.hrtime.bigint();
  let applied = 0;
  for (let i = 0; i < reports.length; i += REPORTS_PER_PUSH) {
    applied += (await core.reports.recordAll(reports.slice(i, i + REPORTS_PER_PUSH))).filter((o) => o === 'applied').length;
  }
  const reportSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  started = process.hrtime.bigint();
  const fetched = new Set<number>();
  let total = 0;
  for (let page = await core.reports.fetch(accountId); page.length > 0; page = await core.reports.fetch(accountId)) {
    total += page.length;
    for (const r of page) fetched.add(Number(r.id));
  }
  const fetchSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { reportSeconds, fetchSeconds, once: applied === rows && total === rows && fetched.size === rows };
}

/** A fresh database of the dialect, and how to remove it. */
async function freshDatabase(dialect: Dialect): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-bench-outbox-'));
    return { url: `sqlite:${join(dir, 'gateway.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `smsgw_bench_outbox_${process.pid}`;
  const admin = await createConnection(MYSQL_URL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    url: `${MYSQL_URL.replace(/\/$/, '')}/${name}`,
    async drop() {
      const c = await createConnection(MYSQL_URL);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

interface Figures {
  dialect: Dialect;
  seedSeconds: number;
  plan: string[];
  claimMs: number[];
  drain: { seconds: number; sentOnce: boolean };
  reports: { reportSeconds: number; fetchSeconds: number; once: boolean };
}

async function measure(dialect: Dialect): Promise<Figures> {
  const fresh = await freshDatabase(dialect);
  const db = await openDatabase(fresh.url);
  try {
    const { batchSize } = loadConfig(dispatchEnv()).dispatch;
    const account = await createCore(db).accounts.create('bench', 'bench');
    const seeding = Date.now();
    await seedFinal(db, dialect, account.id, FINAL_ROWS);
    await seedWaiting(db, dialect, account.id, WAITING_ROWS);
    const seedSeconds = (Date.now() - seeding) / 1000;
    const plan = await claimPlan(db, dialect, batchSize);
    const claimMs = WAITING_ROWS >= batchSize ? await timeClaims(db, batchSize) : [];
    const drained = await drain(db, WAITING_ROWS);
    return { dialect, seedSeconds, plan, claimMs, drain: drained, reports: await reportAndFetch(db, account.id, WAITING_ROWS) };
  } finally {
    await db.destroy();
    await fresh.drop();
  }
}

function print(all: Figures[]): void {
  const { batchSize, intervalMs } = loadConfig(dispatchEnv()).dispatch;
  console.log(
    `outbox: ${FINAL_ROWS.toLocaleString('en')} final rows + ${WAITING_ROWS.toLocaleString('en')} waiting, batches of ${batchSize}, interval ${intervalMs} ms, node ${process.version}`,
  );
  for (const f of all) console.log(`${f.dialect} claim plan: ${f.plan.join(' | ')}`);
  const rate = (seconds: number) => Math.round(WAITING_ROWS / seconds).toString();
  const columns: [string, (f: Figures) => string][] = [
    ['seed s', (f) => f.seedSeconds.toFixed(1)],
    [
      'claim p50 ms',
      (f) =>
        percentile(
          [...f.claimMs].sort((a, b) => a - b),
          0.5,
        ).toFixed(2),
    ],
    ['claim max ms', (f) => Math.max(...f.claimMs).toFixed(2)],
    ['drain msg/s', (f) => rate(f.drain.seconds)],
    ['reports/s', (f) => rate(f.reports.reportSeconds)],
    ['fetched/s', (f) => rate(f.reports.fetchSeconds)],
    ['each once', (f) => (f.drain.sentOnce && f.reports.once ? 'yes' : 'NO')],
  ];
  console.log(['        ', ...columns.map(([name]) => name.padStart(13))].join(''));
  for (const f of all) console.log([f.dialect.padEnd(8), ...columns.map(([, cell]) => cell(f).padStart(13))].join(''));
}

async function main(): Promise<number> {
  const dialects: Dialect[] = MYSQL_URL ? ['sqlite', 'mysql'] : ['sqlite'];
  const all: Figures[] = [];
  for (const dialect of dialects) all.push(await measure(dialect));
  print(all);
  return all.every((f) => f.drain.sentOnce && f.reports.once) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
