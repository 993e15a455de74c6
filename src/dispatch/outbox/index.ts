import type { DataSource, EntityManager } from 'typeorm';
import type { Account, Send } from '../../../entities';
import { MysqlOutbox } from './mysql';
import { SqliteOutbox } from './sqlite';

/**
 * The dispatcher's statements on the `send` outbox, one small module per dialect (sqlite.ts,
 * mysql.ts): prepared once, run straight through the driver, a vendor batch's rows passed as one
 * JSON parameter, so claiming and recording a batch cost a handful of statements whatever its size.
 * The rules (which outcome is a retry, refunds, reports) stay in the dispatcher.
 */

/** What sending needs of a row's account. */
export type DispatchAccount = Pick<Account, 'id' | 'route' | 'extNo' | 'signature'>;

export interface Accepted {
  id: number;
  vendorMsgId: string;
}

export interface Retried {
  id: number;
  nextAttemptAt: Date;
  error: string;
}

export interface Failed {
  id: number;
  error: string;
}

/** Outcomes written inside the caller's transaction; each touches only rows `owner` still holds. */
export interface OutcomeStatements {
  accept(owner: string, vendor: string, at: Date, rows: readonly Accepted[]): Promise<void>;
  retry(owner: string, vendor: string, rows: readonly Retried[]): Promise<void>;
  /** Fails rows for good; returns the ids failed now (rows whose lease another node took are left alone). */
  fail(owner: string, vendor: string, at: Date, rows: readonly Failed[]): Promise<number[]>;
}

export interface OutboxStore {
  /**
   * Claims up to `limit` due rows for `owner` until `leaseUntil`, in one transaction of its own.
   * Due: waiting, not leased (or the lease expired, as after a crash), retry and scheduled time
   * passed. A claimed row's next_attempt_at moves to the lease's end: it is not due again before
   * then, and the claim's index scan (STATUS, next_attempt_at) stops before the rows in flight.
   */
  claim(owner: string, limit: number, now: Date, leaseUntil: Date): Promise<Send[]>;
  accounts(ids: readonly number[]): Promise<Map<number, DispatchAccount>>;
  /** The outcome statements on the connection of the transaction `m` is running. */
  in(m: EntityManager): OutcomeStatements;
}

const stores = new WeakMap<DataSource, OutboxStore>();

/** The data source's outbox, made once: SQLite's statements are prepared on its one connection. */
export function outboxStore(db: DataSource): OutboxStore {
  let store = stores.get(db);
  if (!store) {
    store = db.options.type === 'mysql' ? new MysqlOutbox(db) : new SqliteOutbox(db);
    stores.set(db, store);
  }
  return store;
}
