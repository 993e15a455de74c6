import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { DataSource, EntityManager } from 'typeorm';
import { Send, SendStatus } from '../../../entities';
import { type EntityRows, entityRows } from '../../core/entityRows';
import { JSON_IDS, limitParam, localText, transactionConnection } from '../../core/queues/mysql';
import { mysqlPool } from '../../db/raw';
import { retryingMysql } from '../../db/transaction';
import { DUE } from './due';
import type { DispatchAccount, OutboxStore, OutcomeStatements } from './index';

/** A JSON array of [id, claim token, …more] as a table `j`: id, claim, then the columns given. */
const claimedRows = (more: string) => `JSON_TABLE(?, '$[*]' COLUMNS(id BIGINT PATH '$[0]', claim VARCHAR(64) PATH '$[1]', ${more})) j`;
const IDS_WITH_ERROR = claimedRows(`error VARCHAR(255) PATH '$[2]'`);
/** Only rows that still carry the token of the claim that sent them. */
const STILL_CLAIMED = 's.ID = j.id AND s.claim_owner = j.claim';

const SQL = {
  claimed: (columns: string) => `SELECT ${columns} FROM send WHERE ${DUE} LIMIT ? FOR UPDATE SKIP LOCKED`,
  lease: `UPDATE send s JOIN ${JSON_IDS} ON s.ID = j.id SET s.claim_owner = ?, s.lease_until = ?, s.next_attempt_at = ?`,
  accounts: `SELECT a.id, a.route, a.ext_no AS extNo, a.signature FROM ${JSON_IDS} JOIN account a ON a.id = j.id`,
  accept: `UPDATE send s JOIN ${claimedRows(`msgid VARCHAR(64) PATH '$[2]'`)} ON ${STILL_CLAIMED}
              SET s.STATUS = ${SendStatus.submitted}, s.vendor = ?, s.vendor_msgid = j.msgid, s.submitted_at = ?, s.attempts = s.attempts + 1,
                  s.next_attempt_at = NULL, s.claim_owner = NULL, s.lease_until = NULL, s.last_error = NULL`,
  retry: `UPDATE send s JOIN ${claimedRows(`next DATETIME(3) PATH '$[2]', error VARCHAR(255) PATH '$[3]'`)} ON ${STILL_CLAIMED}
              SET s.attempts = s.attempts + 1, s.next_attempt_at = j.next, s.claim_owner = NULL, s.lease_until = NULL,
                  s.vendor = ?, s.last_error = j.error`,
  // MySQL's UPDATE returns no rows: the rows still ours are locked first, then failed.
  stillOwned: `SELECT s.ID FROM ${IDS_WITH_ERROR} JOIN send s ON ${STILL_CLAIMED} FOR UPDATE`,
  fail: `UPDATE send s JOIN ${IDS_WITH_ERROR} ON ${STILL_CLAIMED}
            SET s.STATUS = ${SendStatus.failed}, s.attempts = s.attempts + 1, s.next_attempt_at = NULL, s.claim_owner = NULL,
                s.lease_until = NULL, s.vendor = ?, s.last_error = j.error, s.report_status = 'FAILED', s.report_time = ?`,
};

/**
 * MySQL/MariaDB: several nodes share the outbox. The claim reads with FOR UPDATE SKIP LOCKED, so
 * nodes claiming side by side never take the same row, and in READ COMMITTED, so it locks only the
 * rows it claims (no gap locks holding up the inserts of new rows, no locks kept on rows it passed).
 */
export class MysqlOutbox implements OutboxStore {
  private readonly pool: Pool;
  private readonly rows: EntityRows<Send>;
  private readonly claimSql: string;

  constructor(db: DataSource) {
    this.pool = mysqlPool(db);
    this.rows = entityRows(db, Send);
    this.claimSql = SQL.claimed(this.rows.columns);
  }

  claim(claim: string, limit: number, now: Date, leaseUntil: Date): Promise<Send[]> {
    return retryingMysql(async () => {
      const conn = await this.pool.getConnection();
      try {
        await conn.query('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
        await conn.beginTransaction();
        const [due] = await conn.execute<RowDataPacket[]>(this.claimSql, [now, now, now, limitParam(limit)]);
        const claimed = due.map((row) => Object.assign(this.rows.from(row), { claimOwner: claim, leaseUntil, nextAttemptAt: leaseUntil }));
        if (claimed.length > 0) await conn.execute(SQL.lease, [JSON.stringify(claimed.map((r) => r.ID)), claim, leaseUntil, leaseUntil]);
        await conn.commit();
        return claimed;
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    });
  }

  async accounts(ids: readonly number[]): Promise<Map<number, DispatchAccount>> {
    if (ids.length === 0) return new Map();
    const [rows] = await this.pool.execute<RowDataPacket[]>(SQL.accounts, [JSON.stringify(ids)]);
    return new Map(rows.map((a) => [Number(a.id), { id: Number(a.id), route: a.route, extNo: a.extNo, signature: a.signature }]));
  }

  in(m: EntityManager): OutcomeStatements {
    const conn = transactionConnection(m);
    return {
      async accept(vendor, at, rows) {
        if (rows.length > 0) await conn.execute(SQL.accept, [JSON.stringify(rows.map((r) => [r.id, r.claim, r.vendorMsgId])), vendor, at]);
      },
      async retry(vendor, rows) {
        if (rows.length === 0) return;
        await conn.execute(SQL.retry, [JSON.stringify(rows.map((r) => [r.id, r.claim, localText(r.nextAttemptAt), r.error])), vendor]);
      },
      async fail(vendor, at, rows) {
        if (rows.length === 0) return [];
        const json = JSON.stringify(rows.map((r) => [r.id, r.claim, r.error]));
        const [owned] = await conn.execute<RowDataPacket[]>(SQL.stillOwned, [json]);
        if (owned.length > 0) await conn.execute(SQL.fail, [json, vendor, at]);
        return owned.map((r) => Number(r.ID));
      },
    };
  }
}
