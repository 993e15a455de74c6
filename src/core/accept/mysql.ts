import type { Pool as MysqlPool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { Account, SendStatus } from '../../../entities';
import { mysqlPool } from '../../db/raw';
import { isDuplicateKey, retryingMysql } from '../../db/transaction';
import { POOLS } from '../accounts';
import { type EntityRows, entityRows } from '../entityRows';
import { AccountReads, accountsByUsername, accountsByUsernameParams } from './accountReads';
import type { AcceptStore, Submission, SubmissionResult } from './index';
import {
  accountIds,
  balancesFrom,
  batchId,
  batchRowValues,
  type EarlierBatch,
  FAILED_ROW_CODES,
  FAILED_ROW_REPORT,
  groupRows,
  ledgerNotes,
  parseSends,
  planGroup,
  resultsOf,
  SEND_COLUMNS,
  serialKey,
  serialsOf,
  windowKey,
  windowLookups,
} from './plan';
import { batchIdFor } from '../batchId';

/** Rows one multi-row INSERT carries: a few hundred kilobytes, far below max_allowed_packet. */
const ROWS_PER_INSERT = 1000;

/** How this server numbers the rows of one multi-row INSERT. */
interface AutoIncrement {
  /** innodb_autoinc_lock_mode 0 or 1: one statement's rows get consecutive ids (2 interleaves them). */
  consecutive: boolean;
  /** auto_increment_increment: the step between them (Galera sets it per node). */
  step: number;
}

/**
 * MySQL/MariaDB: a group is a handful of round trips whatever its size: the accounts locked in id
 * order, one UPDATE per pool, multi-row INSERTs of batches, ledger lines, send rows and reports.
 */
export class MysqlAcceptStore implements AcceptStore {
  private readonly pool: MysqlPool;
  private readonly accounts: EntityRows<Account>;
  private readonly accountReads: AccountReads;
  private autoIncrement: Promise<AutoIncrement> | null = null;

  constructor(db: DataSource) {
    this.pool = mysqlPool(db);
    this.accounts = entityRows(db, Account);
    this.accountReads = new AccountReads(async (usernames) => {
      const [rows] = await this.pool.execute<RowDataPacket[]>(
        accountsByUsername(this.accounts.columns, usernames.length),
        accountsByUsernameParams(usernames),
      );
      return new Map(rows.map((row) => [row.wanted as string, row]));
    }, this.accounts);
  }

  findAccount(username: string): Promise<Account | null> {
    return this.accountReads.find(username);
  }

  /**
   * Two nodes may write the same new serial number at once: the unique index lets one commit and
   * fails the other's group, which is written again and then sees the first one's batch.
   */
  async commit(group: readonly Submission[]): Promise<SubmissionResult[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commitOnce(group);
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= 3 || !group.some((s) => s.serial)) throw err;
      }
    }
  }

  private commitOnce(group: readonly Submission[]): Promise<SubmissionResult[]> {
    return retryingMysql(async () => {
      const numbering = await this.numbering();
      const conn = await this.pool.getConnection();
      try {
        await conn.beginTransaction();
        const results = await this.write(conn, group, numbering);
        await conn.commit();
        return results;
      } catch (err) {
        await conn.rollback().catch(() => undefined);
        throw err;
      } finally {
        conn.release();
      }
    });
  }

  private numbering(): Promise<AutoIncrement> {
    this.autoIncrement ??= this.pool
      .query<RowDataPacket[]>('SELECT @@innodb_autoinc_lock_mode AS mode, @@auto_increment_increment AS step')
      .then(([rows]) => ({ consecutive: Number(rows[0]?.mode) < 2, step: Number(rows[0]?.step) || 1 }));
    return this.autoIncrement;
  }

  private async write(conn: PoolConnection, group: readonly Submission[], numbering: AutoIncrement): Promise<SubmissionResult[]> {
    const [balanceRows] = await conn.query<RowDataPacket[]>(
      `SELECT id, ${POOLS.map((p) => p.column).join(', ')} FROM account WHERE id IN (?) ORDER BY id FOR UPDATE`,
      [accountIds(group)],
    );
    const earlier = new Map<string, EarlierBatch>();
    const serials = serialsOf(group);
    if (serials.length > 0) {
      const [rows] = await conn.query<RowDataPacket[]>(
        'SELECT id, account_id, serial, created_at, fingerprint FROM batch WHERE (account_id, serial) IN (?)',
        [serials.map((s) => [s.accountId, s.serial])],
      );
      for (const row of rows) {
        earlier.set(serialKey(Number(row.account_id), row.serial), {
          batchId: batchIdFor(row.created_at, Number(row.id)),
          fingerprint: row.fingerprint,
        });
      }
    }
    const plan = planGroup(group, balancesFrom(balanceRows), earlier, await this.recentSends(conn, group));
    for (const c of plan.charges) {
      const [updated] = await conn.execute<ResultSetHeader>(
        `UPDATE account SET ${c.column} = ${c.column} - ? WHERE id = ? AND ${c.column} >= ?`,
        [c.total, c.accountId, c.total],
      );
      if (updated.affectedRows !== 1) throw new Error(`account ${c.accountId} changed under its charge`);
    }

    for (let i = 0; i < plan.windows.length; i += ROWS_PER_INSERT) {
      await conn.query(
        `INSERT INTO number_window (account_id, signature, mobile, sends, last_at) VALUES ?
         ON DUPLICATE KEY UPDATE sends = VALUES(sends), last_at = VALUES(last_at)`,
        [plan.windows.slice(i, i + ROWS_PER_INSERT).map((w) => [w.accountId, w.signature, w.mobile, w.sends.join(','), w.sends.at(-1)])],
      );
    }

    const time = (d: Date) => d;
    const batchRows = group.flatMap((s, i) => (plan.write[i] ? [batchRowValues(s, plan, i, time)] : []));
    const rowIds: number[] = [];
    if (numbering.consecutive && batchRows.length > 0) {
      const [inserted] = await conn.query<ResultSetHeader>(
        'INSERT INTO batch (account_id, created_at, recipients, segments, cost, serial, fingerprint) VALUES ?',
        [batchRows],
      );
      for (let k = 0; k < batchRows.length; k++) rowIds.push(inserted.insertId + k * numbering.step);
    } else {
      for (const row of batchRows) {
        const [inserted] = await conn.query<ResultSetHeader>(
          'INSERT INTO batch (account_id, created_at, recipients, segments, cost, serial, fingerprint) VALUES (?)',
          [row],
        );
        rowIds.push(inserted.insertId);
      }
    }
    let next = 0;
    const batchIds = group.map((s, i) => (plan.write[i] ? batchId(s, rowIds[next++]!) : null));

    const rows = groupRows(group, plan, batchIds, time);
    await this.insertRows(conn, rows.waiting);
    for (const kind of ['invalid', 'limited'] as const) {
      const firstId = await this.insertRows(conn, rows[kind]);
      if (firstId === null) continue;
      // The failed rows just inserted (ids from the first of them, batches of this group) each get
      // their failure report in one statement, whatever the server's id numbering.
      await conn.query(
        `INSERT INTO report (account_id, send_id, batch_id, mobile, status, code, send_time, report_time)
         SELECT account_id, ID, batch_id, infoto, ?, ?, Createtime, Createtime FROM send
          WHERE ID >= ? AND STATUS = ? AND batch_id IN (?)`,
        [FAILED_ROW_REPORT, FAILED_ROW_CODES[kind], firstId, SendStatus.failed, batchIds.filter(Boolean)],
      );
    }
    if (plan.ledger.length > 0) {
      await conn.query(
        'INSERT INTO balance_ledger (account_id, pool, original, amount, remaining, business, business_number, operator, notes, created_at) VALUES ?',
        [
          plan.ledger.map((line) => {
            const s = group[line.batchIndex]!;
            return [
              line.accountId,
              line.pool,
              line.original,
              line.amount,
              line.remaining,
              'send',
              batchIds[line.batchIndex],
              s.account.username,
              ledgerNotes(s, plan.sent[line.batchIndex]!.length),
              s.acceptedAt,
            ];
          }),
        ],
      );
    }
    return resultsOf(plan, batchIds);
  }

  /**
   * The recent sends of the group's limited numbers, rows too old to count removed first. Plain
   * reads are enough: the group holds the row locks of its accounts (taken first, FOR UPDATE), so
   * no other node's transaction for these accounts runs until this one ends, and this one's first
   * consistent read comes after those locks were granted, seeing every send committed before.
   */
  private async recentSends(conn: PoolConnection, group: readonly Submission[]): Promise<Map<string, number[]>> {
    const recent = new Map<string, number[]>();
    const { lookups, stale } = windowLookups(group);
    for (const [accountId, before] of stale)
      await conn.execute('DELETE FROM number_window WHERE account_id = ? AND last_at < ?', [accountId, before]);
    for (const { accountId, signature, mobiles } of lookups) {
      for (let i = 0; i < mobiles.length; i += ROWS_PER_INSERT) {
        const [rows] = await conn.query<RowDataPacket[]>(
          'SELECT mobile, sends FROM number_window WHERE account_id = ? AND signature = ? AND mobile IN (?)',
          [accountId, signature, mobiles.slice(i, i + ROWS_PER_INSERT)],
        );
        for (const row of rows) recent.set(windowKey(accountId, signature, row.mobile), parseSends(row.sends));
      }
    }
    return recent;
  }

  /** Inserts send rows in multi-row statements; returns the id of the first, or null if there were none. */
  private async insertRows(conn: PoolConnection, rows: unknown[][]): Promise<number | null> {
    let first: number | null = null;
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const [inserted] = await conn.query<ResultSetHeader>(`INSERT INTO send (${SEND_COLUMNS.join(', ')}) VALUES ?`, [
        rows.slice(i, i + ROWS_PER_INSERT),
      ]);
      first ??= inserted.insertId;
    }
    return first;
  }
}
