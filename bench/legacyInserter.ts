/**
 * The legacy system of the pick-up bench, in a worker thread of the bench process: it inserts rows
 * one at a time, at random gaps around a mean, on a connection of its own, and posts the time each
 * INSERT's commit returned. A thread, not the bench's main one, because better-sqlite3 blocks its
 * thread for the whole INSERT (the busy wait behind the gateway's write lock included): on the main
 * thread it would hold up the sink, and late arrival stamps would be charged to the gateway. One
 * process, so both stamps are read off one clock (bench/clock.ts).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { openDatabase } from '../src/db/datasource';
import { monotonicUs } from './clock';
import { sleep } from './processes';
import { insertLegacyRow } from './sendTable';

export interface InsertPlan {
  databaseUrl: string;
  mobiles: string[];
  /** Mean gap between one INSERT's commit and the next INSERT, in ms. */
  meanGapMs: number;
}

/** What the worker posts: one per row, then `done` (or `error`). */
export type InserterMessage =
  | { kind: 'committed'; mobile: string; committedUs: number; commitMs: number }
  | { kind: 'done' }
  | { kind: 'error'; message: string };

/**
 * Gaps drawn uniformly from half to one and a half times the mean: a fixed gap would keep every row
 * at the same phase of the dispatcher's interval and measure one point of it, not its spread.
 */
function gapMs(mean: number): number {
  return mean * (0.5 + Math.random());
}

async function insertAll(plan: InsertPlan, post: (m: InserterMessage) => void): Promise<void> {
  const db = await openDatabase(plan.databaseUrl, false);
  try {
    for (const mobile of plan.mobiles) {
      await sleep(gapMs(plan.meanGapMs));
      const startedUs = monotonicUs();
      await insertLegacyRow(db, mobile);
      const committedUs = monotonicUs();
      post({ kind: 'committed', mobile, committedUs, commitMs: (committedUs - startedUs) / 1000 });
    }
  } finally {
    await db.destroy();
  }
}

/** Starts the worker on `plan`; `onMessage` gets what it posts. Resolves when it is done, rejects on its error. */
export function runInserter(plan: InsertPlan, onMessage: (m: InserterMessage) => void): Promise<void> {
  // Through tsx's require hook: a worker does not inherit the loader the bench runs under.
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(__filename)});`, { eval: true, workerData: plan });
  return new Promise((resolve, reject) => {
    worker.on('message', (m: InserterMessage) => {
      if (m.kind === 'error') reject(new Error(`the legacy inserter failed: ${m.message}`));
      else if (m.kind === 'done') resolve();
      else onMessage(m);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the legacy inserter exited (${code}) before it was done`)));
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  insertAll(workerData as InsertPlan, (m) => port.postMessage(m)).then(
    () => port.postMessage({ kind: 'done' } satisfies InserterMessage),
    (err: Error) => port.postMessage({ kind: 'error', message: err.message } satisfies InserterMessage),
  );
}
