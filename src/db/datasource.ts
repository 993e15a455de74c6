import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { entities } from '../../entities';
import { Initial1764000000000 } from './migrations/1764000000000-Initial';
import { VendorPolls1765000000000 } from './migrations/1765000000000-VendorPolls';

export const migrations = [Initial1764000000000, VendorPolls1765000000000];

/** Builds the TypeORM options for a DATABASE_URL: `sqlite:<file>` or `mysql://user:pass@host:port/db`. */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
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
        db.pragma('synchronous = NORMAL');
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
    extra: { connectionLimit: 20 },
  };
}

export async function openDatabase(databaseUrl: string, runMigrations = true): Promise<DataSource> {
  const db = new DataSource(dataSourceOptions(databaseUrl));
  await db.initialize();
  if (runMigrations) await db.runMigrations({ transaction: 'each' });
  return db;
}
