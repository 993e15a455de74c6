import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import type { Config } from '../config';
import { shareWriteLock } from '../db/transaction';
import type { Logger } from '../logger';
import { addMetricsSource } from '../metrics';
import type { Delivery } from './index';

/** What the HTTP thread asks the delivery thread; the answer carries the same id. */
type Question = { op: 'breakers' | 'metrics' | 'stop' } | { op: 'templates'; vendor: string };
export type ThreadRequest = Question & { id: number };
export type ThreadMessage =
  | { ready: true }
  | { startFailed: string }
  | { log: string }
  | { id: number; result: unknown }
  | { id: number; error: string };

/** What the thread is started with. */
export interface ThreadData {
  config: Config;
  logLevel: string;
  writeLock: SharedArrayBuffer;
}

/**
 * The delivery side on a thread of its own (DELIVERY_THREAD=true), with its own connection to the
 * same database: its vendor calls, report polls and writes no longer hold up the callers' answers.
 * On SQLite the two threads' writes take one lock in shared memory (db/transaction.ts) instead of
 * meeting in SQLite's busy handler, which sleeps. Its log lines go to this thread's logger, its
 * metrics are merged into /metrics.
 */
export async function startDeliveryThread(config: Config, log: Logger): Promise<Delivery> {
  const writeLock = new SharedArrayBuffer(4);
  const data: ThreadData = { config, logLevel: log.level, writeLock };
  const entry = require.resolve('./threadEntry');
  // Under tsx (npm start, the tests) the thread needs tsx registered before it loads TypeScript.
  const worker = entry.endsWith('.ts')
    ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(entry)});`, { eval: true, workerData: data })
    : new Worker(entry, { workerData: data });
  const destination = (log as unknown as Record<symbol, { write(line: string): void }>)[pino.symbols.streamSym]!;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 0;
  let stopped = false;
  const started = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: ThreadMessage) => {
      if ('log' in m) destination.write(m.log);
      else if ('ready' in m) resolve();
      else if ('startFailed' in m) reject(new Error(m.startFailed));
      else {
        const waiting = pending.get(m.id);
        pending.delete(m.id);
        if ('error' in m) waiting?.reject(new Error(m.error));
        else waiting?.resolve(m.result);
      }
    });
  });
  worker.on('error', (err) => {
    // Nothing is lost (every accepted message is in the outbox), but a gateway that accepts and no
    // longer delivers must not go on: the process ends, and its supervisor starts it again.
    log.fatal({ err }, 'the delivery thread failed; stopping the gateway');
    process.exit(1);
  });
  const ask = (request: Question): Promise<unknown> => {
    const id = ++nextId;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  };
  if (config.databaseUrl.startsWith('sqlite:')) shareWriteLock(writeLock);
  await started.catch(async (err) => {
    shareWriteLock(null);
    await worker.terminate();
    throw err;
  });
  const removeMetrics = addMetricsSource(() => ask({ op: 'metrics' }) as Promise<never>);
  return {
    breakers: () => ask({ op: 'breakers' }) as never,
    refreshTemplates: (vendor) => ask({ op: 'templates', vendor }) as never,
    async stop() {
      if (stopped) return;
      stopped = true;
      removeMetrics();
      await ask({ op: 'stop' });
      const exited = once(worker, 'exit');
      await worker.terminate();
      await exited.catch(() => undefined);
      shareWriteLock(null);
    },
  };
}
