import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs fn in a transaction. SQLite has one writer and TypeORM drives it through one connection,
 * so transactions are queued in-process instead of colliding on that connection; MySQL runs
 * them concurrently on its pool and relies on row locks.
 */
const sqliteQueues = new WeakMap<DataSource, Promise<unknown>>();

export function inTransaction<T>(db: DataSource, fn: (m: EntityManager) => Promise<T>): Promise<T> {
  if (db.options.type === 'mysql') return db.transaction(fn);
  const previous = sqliteQueues.get(db) ?? Promise.resolve();
  const run = previous.then(() => db.transaction(fn));
  sqliteQueues.set(db, run.catch(() => undefined));
  return run;
}

/** A Date as the driver stores it, for raw SQL: SQLite keeps UTC text, mysql2 converts Dates itself. */
export function sqlTime(db: DataSource, d: Date): Date | string {
  return db.options.type === 'mysql' ? d : d.toISOString().replace('T', ' ').replace('Z', '');
}
