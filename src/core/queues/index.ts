import type { DataSource, EntityManager } from 'typeorm';
import type { Reply, Report } from '../../../entities';
import type { DeliveryReport } from '../reports';
import { MysqlQueueStore } from './mysql';
import { SqliteQueueStore } from './sqlite';

/**
 * The report and reply queues' hot statements, one small module per dialect (sqlite.ts,
 * mysql.ts): prepared once, run straight through the driver, each taking a whole batch as one
 * JSON parameter (json_each, JSON_TABLE), so a batch costs a handful of statements whatever its
 * size. The rules (which report applies, what is parked) stay in core/reports.
 */

/** A `send` row a delivery report may apply to, as deciding needs it. */
export interface ReportTarget {
  /**
   * Which of the keys asked for the row matched, by its index: MySQL compares ids by the column's
   * collation, so the row's own id may be written otherwise than the report's.
   */
  keyIndex: number;
  ID: number;
  infoto: string;
  STATUS: number;
  /** A report was applied already (report_time set): "unknown" is told only once. */
  reported: boolean;
  /** The HTTP request that accepted the row (send.request_id), for the log. */
  requestId: string | null;
}

/** A `send` row's report outcome: its new STATUS, the vendor's code, the report's time. */
export interface RowReport {
  id: number;
  status: number;
  code: string;
  at: Date;
}

/** A report to queue for the account of a `send` row; its send time is the row's. */
export interface QueuedReport {
  sendId: number;
  /** The legacy code: 1 delivered, 0 failed, 2 unknown. */
  status: number;
  code: string;
  at: Date;
}

/** A parked report, with the id its row in `parked_report` has. */
export interface ParkedReport {
  id: number;
  report: DeliveryReport;
}

/** What applying reports runs inside the caller's transaction (rows are locked on MySQL). */
export interface ReportStatements {
  /** The rows carrying these vendor ids (every status; a row once per key it matches), locked until the transaction ends where the database locks rows. */
  rowsFor(keys: readonly { vendor: string; vendorMsgId: string }[]): Promise<ReportTarget[]>;
  setReported(rows: readonly RowReport[]): Promise<void>;
  /** Queues the reports, in this order, for the rows that have an account (rows legacy SQL inserted may have none). */
  queue(reports: readonly QueuedReport[]): Promise<void>;
  park(reports: readonly DeliveryReport[], at: Date): Promise<void>;
  /** The parked reports for these vendor ids, oldest first, locked like rowsFor. */
  parkedFor(vendor: string, vendorMsgIds: readonly string[]): Promise<ParkedReport[]>;
  dropParked(ids: readonly number[]): Promise<void>;
}

/** The fetch-once queues, by table. */
export interface QueueRows {
  report: Report;
  reply: Reply;
}
export type QueueName = keyof QueueRows;

export interface QueueStore {
  /** The statements on the connection of the transaction `m` is running. */
  in(m: EntityManager): ReportStatements;
  /**
   * Marks up to `limit` of the account's unfetched rows of `queue` with `token` by one conditional
   * UPDATE and returns them, oldest first: a row another call marked first keeps that call's token.
   * `batchId` (reports only): only that batch's rows.
   */
  fetch<Q extends QueueName>(
    queue: Q,
    accountId: number,
    token: string,
    at: Date,
    limit: number,
    batchId?: string,
  ): Promise<QueueRows[Q][]>;
}

const stores = new WeakMap<DataSource, QueueStore>();

/** The data source's store, made once: SQLite's statements are prepared on its one connection. */
export function queueStore(db: DataSource): QueueStore {
  let store = stores.get(db);
  if (!store) {
    store = db.options.type === 'mysql' ? new MysqlQueueStore(db) : new SqliteQueueStore(db);
    stores.set(db, store);
  }
  return store;
}
