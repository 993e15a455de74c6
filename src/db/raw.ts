import type BetterSqlite3 from 'better-sqlite3';
import type { Pool } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { inSqliteQueue } from './transaction';

/**
 * The drivers under TypeORM, for the hot paths that run prepared statements themselves (accept,
 * claim, outcomes): TypeORM's query building and entity hydration cost more than the SQL does.
 * Both share TypeORM's own connections, so SQLite keeps its one writer and MySQL its one pool.
 */

/** The better-sqlite3 handle TypeORM opened. */
export function sqliteHandle(db: DataSource): BetterSqlite3.Database {
  if (db.options.type !== 'better-sqlite3') throw new Error(`not an SQLite data source: ${db.options.type}`);
  return (db.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
}

/** The mysql2 pool TypeORM opened, with its promise API. */
export function mysqlPool(db: DataSource): Pool {
  if (db.options.type !== 'mysql') throw new Error(`not a MySQL data source: ${db.options.type}`);
  return (db.driver as unknown as { pool: { promise(): Pool } }).pool.promise();
}

/**
 * Runs fn as one SQLite write transaction (BEGIN IMMEDIATE … COMMIT, rolled back if fn throws) in
 * the same in-process queue as inTransaction. fn is synchronous: nothing else can run on the
 * connection while it does, so no other write can slip into this transaction.
 */
export function sqliteWrite<T>(db: DataSource, fn: (sqlite: BetterSqlite3.Database) => T): Promise<T> {
  const sqlite = sqliteHandle(db);
  return inSqliteQueue(db, () => sqlite.transaction(() => fn(sqlite)).immediate());
}
