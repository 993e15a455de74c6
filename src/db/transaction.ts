import { setImmediate } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Runs fn in a transaction. Every write of the gateway goes through here.
 * SQLite: TypeORM drives it through one connection, so transactions are queued in-process, and
 * a write issued outside this queue while a transaction is open would join that transaction and
 * vanish with its rollback. MySQL runs transactions concurrently on its pool, on row locks.
 */
const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

export function inTransaction<T>(db: DataSource, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  if (db.options.type === 'mysql') return mysqlTransaction(db, fn);
  return inSqliteQueue(db, () => sqliteTransaction(db, fn));
}

/**
 * Runs fn when every SQLite transaction queued before it has finished (the one writer's turn), and
 * after the I/O already waiting: better-sqlite3 holds the thread while it writes, and writes that
 * follow one another (a claim, then its outcomes; a queue of them) would otherwise run as one
 * chain of promises while the callers' requests waited (sendSms p99 24-26 ms instead of 17-18 ms).
 */
export function inSqliteQueue<T>(db: DataSource, fn: () => T | Promise<T>): Promise<T> {
  const previous = sqliteQueues.get(db) ?? Promise.resolve();
  const run = previous.then(() => setImmediate()).then(() => withWriteLock(fn));
  sqliteQueues.set(
    db,
    run.catch(() => undefined),
  );
  return run;
}

/**
 * The lock the threads of this process that write one SQLite file share (src/delivery/thread.ts),
 * an Int32 in shared memory: 0 free, 1 taken. A thread whose write must wait goes on with its
 * other work and starts the moment the holder lets go; without it, the two connections would meet
 * in SQLite's busy handler, which sleeps 1, 2, 5 … ms and holds its thread while it does.
 */
let writeLock: Int32Array | null = null;

export function shareWriteLock(buffer: SharedArrayBuffer | null): void {
  writeLock = buffer && new Int32Array(buffer);
}

type WaitAsync = (lock: Int32Array, index: number, value: number) => { async: boolean; value: Promise<string> | string };

/** fn under the shared lock; without one (a single writing thread, the default) fn as it is, adding no turn. */
function withWriteLock<T>(fn: () => T | Promise<T>): T | Promise<T> {
  return writeLock ? locked(writeLock, fn) : fn();
}

async function locked<T>(lock: Int32Array, fn: () => T | Promise<T>): Promise<T> {
  while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) {
    const wait = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync(lock, 0, 1);
    if (wait.async) await wait.value;
  }
  try {
    return await fn();
  } finally {
    Atomics.store(lock, 0, 0);
    Atomics.notify(lock, 0);
  }
}

/**
 * BEGIN IMMEDIATE takes the write lock at the start, so a second process on the same file (the
 * CLI beside a running gateway) waits for it under busy_timeout; TypeORM's deferred BEGIN would
 * fail at once with "database is locked" when its read snapshot went stale before the first write.
 */
async function sqliteTransaction<T>(db: DataSource, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  const runner = db.createQueryRunner();
  await runner.query('BEGIN IMMEDIATE');
  try {
    const result = await fn(runner.manager);
    await runner.query('COMMIT');
    return result;
  } catch (err) {
    await runner.query('ROLLBACK');
    throw err;
  } finally {
    await runner.release();
  }
}

/**
 * InnoDB's ways of saying "this transaction was rolled back for another one": the standard remedy
 * is to run it again. It matters most after a vendor accepted a batch: if recording that failed for
 * good, the rows would be sent a second time when their lease ran out.
 */
const RETRYABLE_MYSQL_ERRORS = new Set(['ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT']);
const MYSQL_TRANSACTION_ATTEMPTS = 4;

/** The database's own error code (ER_DUP_ENTRY, SQLITE_CONSTRAINT_UNIQUE …), on the error or on TypeORM's wrapper of it. */
export function driverErrorCode(err: unknown): string {
  const e = err as { code?: string; driverError?: { code?: string } };
  return e.driverError?.code ?? e.code ?? '';
}

/** A duplicate key, however the driver words it. */
export function isDuplicateKey(err: unknown): boolean {
  return ['ER_DUP_ENTRY', 'SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY'].includes(driverErrorCode(err));
}

function mysqlTransaction<T>(db: DataSource, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  return retryingMysql(() => db.transaction(fn));
}

/** InnoDB rolled the transaction back for another one: it is to be run again from its start. */
export function isRetryableMysqlError(err: unknown): boolean {
  return RETRYABLE_MYSQL_ERRORS.has(driverErrorCode(err));
}

/** Runs a MySQL transaction (start to commit in `run`) again when InnoDB rolled it back for another one. */
export async function retryingMysql<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!isRetryableMysqlError(err) || attempt >= MYSQL_TRANSACTION_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, attempt * 10 + Math.random() * 20));
    }
  }
}

/** A Date as the driver stores it, for raw SQL: SQLite keeps UTC text, mysql2 converts Dates itself. */
export function sqlTime(db: DataSource, d: Date): Date | string {
  return db.options.type === 'mysql' ? d : sqliteText(d);
}

/** A Date as TypeORM keeps it in SQLite: UTC text with milliseconds. */
export function sqliteText(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** A datetime as SQLite keeps it (UTC text, as TypeORM writes it or CURRENT_TIMESTAMP does) read back as a Date. */
export function sqliteTime(text: string): Date {
  return new Date(/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}
