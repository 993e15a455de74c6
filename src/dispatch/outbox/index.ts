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

/**
 * A row as one claim holds it: `claim` is the fencing token that claim wrote into `claim_owner`.
 * Every outcome statement (and the preparation of a legacy row) touches the row only while it still
 * carries that token, so a claim whose lease ran out and whose row was claimed again records nothing.
 */
export interface ClaimedRow {
  id: number;
  claim: string;
}

export interface Accepted extends ClaimedRow {
  vendorMsgId: string;
}

export interface Retried extends ClaimedRow {
  nextAttemptAt: Date;
  error: string;
}

export interface Failed extends ClaimedRow {
  error: string;
}

/** Outcomes written inside the caller's transaction; each touches only rows their claim still holds. */
export interface OutcomeStatements {
  accept(vendor: string, at: Date, rows: readonly Accepted[]): Promise<void>;
  retry(vendor: string, rows: readonly Retried[]): Promise<void>;
  /** Fails rows for good; returns the ids failed now (rows claimed again since are left alone). */
  fail(vendor: string, at: Date, rows: readonly Failed[]): Promise<number[]>;
}

export interface OutboxStore {
  /**
   * Claims up to `limit` due rows until `leaseUntil`, in one transaction of its own, writing `claim`
   * (the claim's own fencing token, unique to it and at most 64 characters) into their claim_owner.
   * Due: waiting, not leased (or the lease expired, as after a crash), retry and scheduled time
   * passed. A claimed row's next_attempt_at moves to the lease's end: it is not due again before
   * then, and the claim's index scan (STATUS, next_attempt_at) stops before the rows in flight.
   */
  claim(claim: string, limit: number, now: Date, leaseUntil: Date): Promise<Send[]>;
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
