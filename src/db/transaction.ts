import { DataSource, EntityManager } from 'typeorm';

/**
 * Runs fn in a transaction. Every write of the gateway goes through here.
 * SQLite: TypeORM drives it through one connection, so transactions are queued in-process, and
 * a write issued outside this queue while a transaction is open would join that transaction and
 * vanish with its rollback. MySQL runs transactions concurrently on its pool, on row locks.
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
