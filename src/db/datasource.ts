import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { entities } from '../../entities';
import { redactDatabaseUrl, type SqliteSynchronous } from '../config';
import { ConfigError } from '../configError';
import { Initial1764000000000 } from './migrations/1764000000000-Initial';
import { VendorPolls1765000000000 } from './migrations/1765000000000-VendorPolls';
import { LegacyProcedure1766000000000 } from './migrations/1766000000000-LegacyProcedure';
import { LegacyUserId1767000000000 } from './migrations/1767000000000-LegacyUserId';
import { Audit1768000000000 } from './migrations/1768000000000-Audit';
import { UmsContract1769000000000 } from './migrations/1769000000000-UmsContract';
import { CustomerPush1770000000000 } from './migrations/1770000000000-CustomerPush';
import { NumberLimits1771200000000 } from './migrations/1771200000000-NumberLimits';
import { VendorLimits1771500000000 } from './migrations/1771500000000-VendorLimits';
import { RequestId1772000000000 } from './migrations/1772000000000-RequestId';

export const migrations = [
  Initial1764000000000,
  VendorPolls1765000000000,
  LegacyProcedure1766000000000,
  LegacyUserId1767000000000,
  Audit1768000000000,
  UmsContract1769000000000,
  CustomerPush1770000000000,
  NumberLimits1771200000000,
  VendorLimits1771500000000,
  RequestId1772000000000,
];

/**
 * Builds the TypeORM options for a DATABASE_URL: `sqlite:<file>` or `mysql://user:pass@host:port/db`.
 * `synchronous` is SQLite's: FULL syncs the WAL at every commit (a commit survives a power cut),
 * NORMAL only at checkpoints (it survives a killed process, not a power cut). Group commit is what
 * makes FULL affordable: one sync per group, not per call.
 */
export function dataSourceOptions(databaseUrl: string, synchronous: SqliteSynchronous = 'full'): DataSourceOptions {
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    return {
      type: 'better-sqlite3',
      database: file,
      entities,
      migrations,
      // WAL lets report fetches read while the dispatcher writes; a busy timeout rides out the
      // short write locks instead of failing a caller's request.
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
        db.pragma('busy_timeout = 5000');
      },
    };
  }
  return {
    type: 'mysql',
    url: databaseUrl.replace(/^mariadb:/, 'mysql:'),
    charset: 'utf8mb4_unicode_ci',
    entities,
    migrations,
    // trace: false stops mysql2 capturing a stack trace at every query, a twentieth of the accept
    // path's CPU time on MariaDB; its errors still carry the server's code and message.
    extra: { connectionLimit: 20, trace: false },
  };
}

export async function openDatabase(
  databaseUrl: string,
  runMigrations = true,
  synchronous: SqliteSynchronous = 'full',
): Promise<DataSource> {
  const db = new DataSource(dataSourceOptions(databaseUrl, synchronous));
  try {
    await db.initialize();
  } catch (err) {
    throw unopenable(databaseUrl, err);
  }
  if (runMigrations) await db.runMigrations({ transaction: 'each' });
  return db;
}

/** Why a database cannot be opened, as one line that says what to fix; other errors go on unchanged. */
function unopenable(databaseUrl: string, err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  const url = redactDatabaseUrl(databaseUrl);
  if (e.code === 'ER_BAD_DB_ERROR') {
    const name = new URL(databaseUrl.replace(/^mariadb:/, 'mysql:')).pathname.slice(1);
    return new ConfigError(
      `DATABASE_URL ${url}: the database "${name}" does not exist; create it (CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci) or name one that does`,
    );
  }
  if (e.code === 'ER_ACCESS_DENIED_ERROR') return new ConfigError(`DATABASE_URL ${url}: the server refused the user or password`);
  if (e.code === 'ECONNREFUSED' || e.code === 'ENOTFOUND' || e.code === 'ETIMEDOUT') {
    return new ConfigError(`DATABASE_URL ${url}: cannot reach the database server (${e.code})`);
  }
  if (e.code === 'SQLITE_CANTOPEN') return new ConfigError(`DATABASE_URL ${url}: cannot open the SQLite file (${e.message})`);
  return err;
}
