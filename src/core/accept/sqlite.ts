import type BetterSqlite3 from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import { Account, SendStatus } from '../../../entities';
import { sqliteHandle, sqliteWrite } from '../../db/raw';
import { sqliteText, sqliteTime } from '../../db/transaction';
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

/** Rows one INSERT carries: 17 columns each stay far below SQLite's 32,766 bound parameters. */
const ROWS_PER_INSERT = 500;

/**
 * SQLite: one writer, statements prepared once. A group's transaction is synchronous, so it costs
 * a few microseconds per row and one commit (one fsync) per group.
 */
export class SqliteAcceptStore implements AcceptStore {
  private readonly accounts: EntityRows<Account>;
  private readonly accountReads: AccountReads;
  /** The statements of AccountReads, by the number of usernames they read. */
  private readonly accountStatements = new Map<number, BetterSqlite3.Statement>();
  private readonly statements: {
    balances: BetterSqlite3.Statement;
    charge: BetterSqlite3.Statement[];
    batch: BetterSqlite3.Statement;
    earlier: BetterSqlite3.Statement;
    ledger: BetterSqlite3.Statement;
    reports: BetterSqlite3.Statement;
    staleWindows: BetterSqlite3.Statement;
    windows: BetterSqlite3.Statement;
    saveWindow: BetterSqlite3.Statement;
  };
  /** Multi-row INSERTs into send, by their number of rows (at most ROWS_PER_INSERT). */
  private readonly sendInserts = new Map<number, BetterSqlite3.Statement>();

  constructor(private readonly db: DataSource) {
    const sqlite = sqliteHandle(db);
    this.accounts = entityRows(db, Account);
    this.accountReads = new AccountReads(async (usernames) => {
      let statement = this.accountStatements.get(usernames.length);
      if (!statement) {
        statement = sqlite.prepare(accountsByUsername(this.accounts.columns, usernames.length));
        this.accountStatements.set(usernames.length, statement);
      }
      const rows = statement.all(accountsByUsernameParams(usernames)) as Record<string, unknown>[];
      return new Map(rows.map((row) => [row.wanted as string, row]));
    }, this.accounts);
    this.statements = {
      balances: sqlite.prepare(`SELECT id, ${POOLS.map((p) => p.column).join(', ')} FROM account WHERE id = ?`),
      charge: POOLS.map((p) => sqlite.prepare(`UPDATE account SET ${p.column} = ${p.column} - ? WHERE id = ? AND ${p.column} >= ?`)),
      batch: sqlite.prepare(
        'INSERT INTO batch (account_id, created_at, recipients, segments, cost, serial, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      earlier: sqlite.prepare('SELECT id, created_at, fingerprint FROM batch WHERE account_id = ? AND serial = ?'),
      ledger: sqlite.prepare(
        `INSERT INTO balance_ledger (account_id, pool, original, amount, remaining, business, business_number, operator, notes, created_at)
         VALUES (?, ?, ?, ?, ?, 'send', ?, ?, ?, ?)`,
      ),
      reports: sqlite.prepare(
        `INSERT INTO report (account_id, send_id, batch_id, mobile, status, code, send_time, report_time)
         SELECT account_id, ID, batch_id, infoto, ?, ?, Createtime, Createtime FROM send
          WHERE ID >= ? AND STATUS = ? AND batch_id IN (SELECT value FROM json_each(?))`,
      ),
      staleWindows: sqlite.prepare('DELETE FROM number_window WHERE account_id = ? AND last_at < ?'),
      windows: sqlite.prepare(
        'SELECT mobile, sends FROM number_window WHERE account_id = ? AND signature = ? AND mobile IN (SELECT value FROM json_each(?))',
      ),
      saveWindow: sqlite.prepare(
        `INSERT INTO number_window (account_id, signature, mobile, sends, last_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (account_id, signature, mobile) DO UPDATE SET sends = excluded.sends, last_at = excluded.last_at`,
      ),
    };
  }

  /** Inserts send rows in multi-row statements; returns a lower bound of their ids, or null if there were none. */
  private insertRows(rows: unknown[][]): number | null {
    let first: number | null = null;
    for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
      const chunk = rows.slice(i, i + ROWS_PER_INSERT);
      const last = Number(this.sendInsert(chunk.length).run(chunk.flat()).lastInsertRowid);
      // One statement's rows get consecutive rowids, the last of them reported.
      first ??= last - chunk.length + 1;
    }
    return first;
  }

  private sendInsert(rows: number): BetterSqlite3.Statement {
    let statement = this.sendInserts.get(rows);
    if (!statement) {
      const row = `(${SEND_COLUMNS.map(() => '?').join(', ')})`;
      statement = sqliteHandle(this.db).prepare(`INSERT INTO send (${SEND_COLUMNS.join(', ')}) VALUES ${Array(rows).fill(row).join(', ')}`);
      this.sendInserts.set(rows, statement);
    }
    return statement;
  }

  findAccount(username: string): Promise<Account | null> {
    return this.accountReads.find(username);
  }

  /** The recent sends of the group's limited numbers, rows too old to count removed first (inside the group's transaction). */
  private recentSends(group: readonly Submission[]): Map<string, number[]> {
    const st = this.statements;
    const recent = new Map<string, number[]>();
    const { lookups, stale } = windowLookups(group);
    for (const [accountId, before] of stale) st.staleWindows.run(accountId, before);
    for (const { accountId, signature, mobiles } of lookups) {
      for (const row of st.windows.all(accountId, signature, JSON.stringify(mobiles)) as { mobile: string; sends: string }[])
        recent.set(windowKey(accountId, signature, row.mobile), parseSends(row.sends));
    }
    return recent;
  }

  commit(group: readonly Submission[]): Promise<SubmissionResult[]> {
    const st = this.statements;
    return sqliteWrite(this.db, () => {
      const balances = accountIds(group).map((id) => st.balances.get(id) as Record<string, unknown>);
      const earlier = new Map<string, EarlierBatch>();
      for (const { accountId, serial } of serialsOf(group)) {
        const row = st.earlier.get(accountId, serial) as { id: number; created_at: string; fingerprint: string | null } | undefined;
        if (row)
          earlier.set(serialKey(accountId, serial), {
            batchId: batchIdFor(sqliteTime(row.created_at), row.id),
            fingerprint: row.fingerprint,
          });
      }
      const plan = planGroup(group, balancesFrom(balances.filter(Boolean)), earlier, this.recentSends(group));
      for (const c of plan.charges) {
        if (st.charge[c.pool]!.run(c.total, c.accountId, c.total).changes !== 1)
          throw new Error(`account ${c.accountId} changed under its charge`);
      }
      for (const w of plan.windows) st.saveWindow.run(w.accountId, w.signature, w.mobile, w.sends.join(','), w.sends.at(-1));
      const batchIds = group.map((s, i) =>
        plan.write[i] ? batchId(s, Number(st.batch.run(...batchRowValues(s, plan, i, sqliteText)).lastInsertRowid)) : null,
      );
      const rows = groupRows(group, plan, batchIds, sqliteText);
      this.insertRows(rows.waiting);
      for (const kind of ['invalid', 'limited'] as const) {
        const firstId = this.insertRows(rows[kind]);
        if (firstId !== null)
          st.reports.run(FAILED_ROW_REPORT, FAILED_ROW_CODES[kind], firstId, SendStatus.failed, JSON.stringify(batchIds.filter(Boolean)));
      }
      for (const line of plan.ledger) {
        const s = group[line.batchIndex]!;
        st.ledger.run(
          line.accountId,
          line.pool,
          line.original,
          line.amount,
          line.remaining,
          batchIds[line.batchIndex],
          s.account.username,
          ledgerNotes(s, plan.sent[line.batchIndex]!.length),
          sqliteText(s.acceptedAt),
        );
      }
      return resultsOf(plan, batchIds);
    });
  }
}
