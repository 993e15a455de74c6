import type { DataSource } from 'typeorm';
import { sqliteTime } from '../db/transaction';

/**
 * An entity's columns for statements run through the driver, and a driver row turned into that
 * entity without TypeORM's hydration: written once from the entity's metadata, so a row only needs
 * its fields renamed, the ids MySQL returns as strings (BIGINT) made numbers and the datetimes
 * SQLite keeps as text made Dates.
 */
export interface EntityRows<T> {
  /** Every column, comma-separated, as a SELECT or RETURNING lists them. */
  columns: string;
  from(row: Record<string, unknown>): T;
}

export function entityRows<T extends object>(db: DataSource, entity: new () => T): EntityRows<T> {
  const columns = db.getMetadata(entity).columns.map((c) => ({ name: c.databaseName, property: c.propertyName, type: c.type }));
  return {
    columns: columns.map((c) => c.name).join(', '),
    from(row) {
      const target = new entity();
      const fields = target as Record<string, unknown>;
      for (const c of columns) {
        const value = row[c.name];
        if (value === null || value === undefined) fields[c.property] = null;
        else if (c.type === 'datetime') fields[c.property] = typeof value === 'string' ? sqliteTime(value) : value;
        else if (c.type === 'integer') fields[c.property] = Number(value);
        else fields[c.property] = value;
      }
      return target;
    },
  };
}
