import type { PoolConnection as CallbackPoolConnection } from 'mysql2';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DataSource, EntityManager } from 'typeorm';
import { Reply, Report } from '../../../entities';
import { mysqlPool } from '../../db/raw';
import { type EntityRows, entityRows } from '../entityRows';
import type { QueueName, QueueRows, QueueStore, ReportStatements } from './index';
import { type ParkedRow, parkedReport } from './parked';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * A Date as a DATETIME(3) value inside a JSON parameter: in the process's local time, as mysql2
 * binds a Date parameter (the pool's timezone is the default, local), so both read back alike.
 */
export function localText(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** The driver connection a TypeORM transaction runs on, for statements that must join it. */
export function transactionConnection(m: EntityManager): PoolConnection {
  const runner = m.queryRunner as unknown as { databaseConnection?: CallbackPoolConnection; isTransactionActive?: boolean } | undefined;
  if (!runner?.databaseConnection || !runner.isTransactionActive) throw new Error('not inside a MySQL transaction');
  return runner.databaseConnection.promise();
}

/** A LIMIT bound as text: MySQL 8 refuses the DOUBLE that mysql2 binds a JS number as. */
export const limitParam = (n: number) => String(Math.trunc(n));

/** A JSON array of ids as a table `j` of one column, `id`. */
export const JSON_IDS = `JSON_TABLE(?, '$[*]' COLUMNS(id BIGINT PATH '$')) j`;
const SEND_KEYS = `JSON_TABLE(?, '$[*]' COLUMNS(n FOR ORDINALITY, vendor VARCHAR(32) PATH '$[0]', msgid VARCHAR(64) PATH '$[1]')) j`;
const OUTCOMES = `JSON_TABLE(?, '$[*]' COLUMNS(n FOR ORDINALITY, id BIGINT PATH '$[0]', status INT PATH '$[1]', code VARCHAR(32) PATH '$[2]', at DATETIME(3) PATH '$[3]')) j`;

const SQL = {
  // Locking reads: a report waits for a dispatcher recording this vendor id right now and then sees
  // it, instead of parking a report the dispatcher's own look at parked reports would miss.
  rowsFor: `SELECT j.n - 1 AS keyIndex, s.ID, s.infoto, s.STATUS, s.report_time IS NOT NULL AS reported, s.request_id AS requestId
              FROM ${SEND_KEYS} JOIN send s ON s.vendor = j.vendor AND s.vendor_msgid = j.msgid
             ORDER BY s.ID FOR UPDATE`,
  setReported: `UPDATE send s JOIN ${OUTCOMES} ON s.ID = j.id SET s.STATUS = j.status, s.report_status = j.code, s.report_time = j.at`,
  queue: `INSERT INTO report (account_id, send_id, batch_id, mobile, status, code, send_time, report_time)
          SELECT s.account_id, s.ID, s.batch_id, s.infoto, j.status, j.code, COALESCE(s.submitted_at, s.Createtime), j.at
            FROM ${OUTCOMES} JOIN send s ON s.ID = j.id WHERE s.account_id IS NOT NULL ORDER BY j.n`,
  park: `INSERT INTO parked_report (vendor, vendor_msgid, mobile, outcome, code, report_time, parked_at)
         SELECT j.vendor, j.msgid, j.mobile, j.outcome, j.code, j.at, ?
           FROM JSON_TABLE(?, '$[*]' COLUMNS(n FOR ORDINALITY, vendor VARCHAR(32) PATH '$[0]', msgid VARCHAR(64) PATH '$[1]',
                mobile VARCHAR(32) PATH '$[2]', outcome VARCHAR(16) PATH '$[3]', code VARCHAR(32) PATH '$[4]', at DATETIME(3) PATH '$[5]')) j
          ORDER BY j.n`,
  parkedFor: `SELECT p.id, p.vendor_msgid AS vendorMsgId, p.mobile, p.outcome, p.code, p.report_time AS at
                FROM JSON_TABLE(?, '$[*]' COLUMNS(msgid VARCHAR(64) PATH '$')) j
                JOIN parked_report p ON p.vendor = ? AND p.vendor_msgid = j.msgid ORDER BY p.id FOR UPDATE`,
  // A join, not `id IN (SELECT … JSON_TABLE)`: MariaDB runs that as a dependent subquery over a scan
  // of the whole table, locking every parked report, and deadlocks with other nodes parking theirs.
  dropParked: `DELETE p FROM parked_report p JOIN ${JSON_IDS} ON p.id = j.id`,
};

/** A row of parkedFor, as mysql2 gives it (BIGINT ids as strings). */
interface MysqlParkedRow extends ParkedRow, RowDataPacket {
  at: Date;
}

/** A row of rowsFor, as mysql2 gives it. */
interface TargetRow extends RowDataPacket {
  keyIndex: number;
  ID: string;
  infoto: string;
  STATUS: number;
  reported: number;
  requestId: string | null;
}

function statementsOn(conn: PoolConnection): ReportStatements {
  return {
    async rowsFor(keys) {
      const [rows] = await conn.execute<TargetRow[]>(SQL.rowsFor, [JSON.stringify(keys.map((k) => [k.vendor, k.vendorMsgId]))]);
      return rows.map((r) => ({
        keyIndex: Number(r.keyIndex),
        ID: Number(r.ID),
        infoto: r.infoto,
        STATUS: r.STATUS,
        reported: Number(r.reported) === 1,
        requestId: r.requestId,
      }));
    },
    async setReported(rows) {
      if (rows.length > 0)
        await conn.execute(SQL.setReported, [JSON.stringify(rows.map((r) => [r.id, r.status, r.code, localText(r.at)]))]);
    },
    async queue(reports) {
      if (reports.length > 0)
        await conn.execute(SQL.queue, [JSON.stringify(reports.map((r) => [r.sendId, r.status, r.code, localText(r.at)]))]);
    },
    async park(reports, at) {
      if (reports.length === 0) return;
      const rows = reports.map((r) => [r.vendor, r.vendorMsgId, r.mobile ?? null, r.status, r.code, localText(r.at)]);
      await conn.execute(SQL.park, [at, JSON.stringify(rows)]);
    },
    async parkedFor(vendor, vendorMsgIds) {
      if (vendorMsgIds.length === 0) return [];
      const [rows] = await conn.execute<MysqlParkedRow[]>(SQL.parkedFor, [JSON.stringify(vendorMsgIds), vendor]);
      return rows.map((p) => parkedReport(vendor, p, p.at));
    },
    async dropParked(ids) {
      if (ids.length > 0) await conn.execute(SQL.dropParked, [JSON.stringify(ids)]);
    },
  };
}

interface FetchStatements<T> {
  waiting: string;
  take: string;
  taken: string;
  rows: EntityRows<T>;
}

function fetchStatements<T extends object>(db: DataSource, entity: new () => T, table: QueueName): FetchStatements<T> {
  const rows = entityRows(db, entity);
  return {
    // Read in index order: an UPDATE … ORDER BY id LIMIT would sort every unfetched row of the account.
    waiting: `SELECT id FROM ${table} WHERE account_id = ? AND fetch_token IS NULL${table === 'report' ? ' AND (? IS NULL OR batch_id = ?)' : ''} ORDER BY id LIMIT ?`,
    take: `UPDATE ${table} q JOIN ${JSON_IDS} ON q.id = j.id SET q.fetch_token = ?, q.fetched_at = ? WHERE q.fetch_token IS NULL`,
    taken: `SELECT ${rows.columns} FROM ${table} WHERE account_id = ? AND fetch_token = ? ORDER BY id`,
    rows,
  };
}

/**
 * MySQL/MariaDB: statements prepared per pooled connection by mysql2 (execute), each batch one
 * JSON_TABLE parameter. Inside a transaction they run on that transaction's connection.
 */
export class MysqlQueueStore implements QueueStore {
  private readonly pool: Pool;
  private readonly fetches: { [Q in QueueName]: FetchStatements<QueueRows[Q]> };

  constructor(db: DataSource) {
    this.pool = mysqlPool(db);
    this.fetches = { report: fetchStatements(db, Report, 'report'), reply: fetchStatements(db, Reply, 'reply') };
  }

  in(m: EntityManager): ReportStatements {
    return statementsOn(transactionConnection(m));
  }

  /**
   * Three autocommitted statements and no transaction: a plain read of the candidates (an empty queue,
   * most polls, ends there and takes no lock), then the conditional UPDATE alone decides which of them
   * this call takes (InnoDB re-reads a row it had to wait for, so a row another call marked first is
   * left to it), and the token is this call's alone.
   */
  async fetch<Q extends QueueName>(
    queue: Q,
    accountId: number,
    token: string,
    at: Date,
    limit: number,
    batchId?: string,
  ): Promise<QueueRows[Q][]> {
    const st = this.fetches[queue] as FetchStatements<QueueRows[Q]>;
    const batch = queue === 'report' ? [batchId ?? null, batchId ?? null] : [];
    const [waiting] = await this.pool.execute<RowDataPacket[]>(st.waiting, [accountId, ...batch, limitParam(limit)]);
    if (waiting.length === 0) return [];
    const [marked] = await this.pool.execute<ResultSetHeader>(st.take, [JSON.stringify(waiting.map((r) => Number(r.id))), token, at]);
    if (marked.affectedRows === 0) return [];
    const [rows] = await this.pool.execute<RowDataPacket[]>(st.taken, [accountId, token]);
    return rows.map((row) => st.rows.from(row));
  }
}
