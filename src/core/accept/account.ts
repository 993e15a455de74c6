import type { DataSource } from 'typeorm';
import { Account } from '../../../entities';

/**
 * `SELECT … FROM account WHERE username = ?` written once from the entity's metadata, and the row
 * turned into an Account without TypeORM's hydration: columns renamed to properties, datetimes
 * parsed (SQLite keeps them as UTC text, mysql2 already gives Dates), integers as numbers.
 */
export function accountQuery(db: DataSource): { sql: string; toAccount(row: Record<string, unknown>): Account } {
  const columns = db.getMetadata(Account).columns;
  const sql = `SELECT ${columns.map((c) => c.databaseName).join(', ')} FROM account WHERE username = ?`;
  const toAccount = (row: Record<string, unknown>): Account => {
    const account = new Account();
    const fields = account as unknown as Record<string, unknown>;
    for (const c of columns) {
      const value = row[c.databaseName];
      if (typeof value !== 'string') fields[c.propertyName] = value;
      else if (c.type === 'datetime') fields[c.propertyName] = new Date(`${value.replace(' ', 'T')}Z`);
      // The MySQL schema makes ids BIGINT, which the pool hands over as strings.
      else if (c.type === 'integer') fields[c.propertyName] = Number(value);
      else fields[c.propertyName] = value;
    }
    return account;
  };
  return { sql, toAccount };
}
