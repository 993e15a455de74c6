import type BetterSqlite3 from 'better-sqlite3';
import type { DataSource, EntityManager } from 'typeorm';
import { Reply, Report } from '../../../entities';
import { sqliteHandle, sqliteWrite } from '../../db/raw';
import { sqliteText, sqliteTime } from '../../db/transaction';
import { type EntityRows, entityRows } from '../entityRows';
import type { QueueName, QueueRows, QueueStore, ReportStatements, ReportTarget } from './index';
import { type ParkedRow, parkedReport } from './parked';

/** One fetch-once queue's statements. */
interface FetchStatements<T> {
  /** Whether anything waits: read outside the write queue, so an empty poll (most of them) takes no turn in it. */
  any: BetterSqlite3.Statement;
  take: BetterSqlite3.Statement;
  rows: EntityRows<T>;
}

/** The report queue can be fetched for one batch only (a contract asking by task id); its two parameters are the batch id, or null for all. */
const ofBatch = (table: QueueName) => (table === 'report' ? ' AND (? IS NULL OR batch_id = ?)' : '');

function fetchStatements<T extends object>(sqlite: BetterSqlite3.Database, db: DataSource, entity: new () => T, table: QueueName) {
  const rows = entityRows(db, entity);
  return {
    any: sqlite.prepare(`SELECT 1 FROM ${table} WHERE account_id = ? AND fetch_token IS NULL${ofBatch(table)} LIMIT 1`).pluck(),
    take: sqlite.prepare(
      `UPDATE ${table} SET fetch_token = ?, fetched_at = ?
        WHERE id IN (SELECT id FROM ${table} WHERE account_id = ? AND fetch_token IS NULL${ofBatch(table)} ORDER BY id LIMIT ?)
       RETURNING ${rows.columns}`,
    ),
    rows,
  } satisfies FetchStatements<T>;
}

function prepare(db: DataSource) {
  const sqlite = sqliteHandle(db);
  return {
    rowsFor: sqlite.prepare(
      `SELECT j.key AS keyIndex, s.ID, s.infoto, s.STATUS, s.report_time IS NOT NULL AS reported, s.request_id AS requestId
         FROM json_each(?) j JOIN send s ON s.vendor = j.value ->> 0 AND s.vendor_msgid = j.value ->> 1
        ORDER BY s.ID`,
    ),
    setReported: sqlite.prepare(
      `UPDATE send SET STATUS = j.value ->> 1, report_status = j.value ->> 2, report_time = j.value ->> 3
         FROM json_each(?) j WHERE send.ID = j.value ->> 0`,
    ),
    queue: sqlite.prepare(
      `INSERT INTO report (account_id, send_id, batch_id, mobile, status, code, send_time, report_time)
       SELECT s.account_id, s.ID, s.batch_id, s.infoto, j.value ->> 1, j.value ->> 2, COALESCE(s.submitted_at, s.Createtime), j.value ->> 3
         FROM json_each(?) j JOIN send s ON s.ID = j.value ->> 0
        WHERE s.account_id IS NOT NULL ORDER BY j.key`,
    ),
    park: sqlite.prepare(
      `INSERT INTO parked_report (vendor, vendor_msgid, mobile, outcome, code, report_time, parked_at)
       SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3, j.value ->> 4, j.value ->> 5, ? FROM json_each(?) j ORDER BY j.key`,
    ),
    parkedFor: sqlite.prepare(
      `SELECT p.id, p.vendor_msgid AS vendorMsgId, p.mobile, p.outcome, p.code, p.report_time AS at
         FROM json_each(?) j JOIN parked_report p ON p.vendor = ? AND p.vendor_msgid = j.value ORDER BY p.id`,
    ),
    dropParked: sqlite.prepare('DELETE FROM parked_report WHERE id IN (SELECT value FROM json_each(?))'),
    fetch: { report: fetchStatements(sqlite, db, Report, 'report'), reply: fetchStatements(sqlite, db, Reply, 'reply') },
  };
}

/** A row of rowsFor, as SQLite gives it. */
type TargetRow = Omit<ReportTarget, 'reported'> & { reported: number };

/** A row of parkedFor, as SQLite gives it. */
interface SqliteParkedRow extends ParkedRow {
  at: string;
}

/**
 * SQLite: statements prepared once on the one connection. They run inside whatever transaction
 * holds the writer's turn (inTransaction's, sqliteWrite's), so they can join the dispatcher's.
 */
export class SqliteQueueStore implements QueueStore {
  private prepared: ReturnType<typeof prepare> | null = null;
  private readonly statements: ReportStatements;

  constructor(private readonly db: DataSource) {
    const st = () => this.st;
    this.statements = {
      async rowsFor(keys) {
        const rows = st().rowsFor.all(JSON.stringify(keys.map((k) => [k.vendor, k.vendorMsgId]))) as TargetRow[];
        return rows.map((r) => ({ ...r, reported: r.reported === 1 }));
      },
      async setReported(rows) {
        if (rows.length > 0) st().setReported.run(JSON.stringify(rows.map((r) => [r.id, r.status, r.code, sqliteText(r.at)])));
      },
      async queue(reports) {
        if (reports.length > 0) st().queue.run(JSON.stringify(reports.map((r) => [r.sendId, r.status, r.code, sqliteText(r.at)])));
      },
      async park(reports, at) {
        if (reports.length === 0) return;
        const rows = reports.map((r) => [r.vendor, r.vendorMsgId, r.mobile ?? null, r.status, r.code, sqliteText(r.at)]);
        st().park.run(sqliteText(at), JSON.stringify(rows));
      },
      async parkedFor(vendor, vendorMsgIds) {
        if (vendorMsgIds.length === 0) return [];
        const rows = st().parkedFor.all(JSON.stringify(vendorMsgIds), vendor) as SqliteParkedRow[];
        return rows.map((p) => parkedReport(vendor, p, sqliteTime(p.at)));
      },
      async dropParked(ids) {
        if (ids.length > 0) st().dropParked.run(JSON.stringify(ids));
      },
    };
  }

  private get st(): ReturnType<typeof prepare> {
    this.prepared ??= prepare(this.db);
    return this.prepared;
  }

  in(_m: EntityManager): ReportStatements {
    return this.statements;
  }

  async fetch<Q extends QueueName>(
    queue: Q,
    accountId: number,
    token: string,
    at: Date,
    limit: number,
    batchId?: string,
  ): Promise<QueueRows[Q][]> {
    const st = this.st.fetch[queue] as FetchStatements<QueueRows[Q]>;
    const batch = queue === 'report' ? [batchId ?? null, batchId ?? null] : [];
    if (st.any.get(accountId, ...batch) === undefined) return [];
    const taken = await sqliteWrite(
      this.db,
      () => st.take.all(token, sqliteText(at), accountId, ...batch, limit) as Record<string, unknown>[],
    );
    return taken.map((row) => st.rows.from(row)).sort((a, b) => a.id - b.id);
  }
}
