import type BetterSqlite3 from 'better-sqlite3';
import type { DataSource } from 'typeorm';
import type { Account } from '../../../entities';
import { sqliteHandle, sqliteWrite } from '../../db/raw';
import { POOLS } from '../accounts';
import { accountQuery } from './account';
import type { AcceptStore, Submission, SubmissionResult } from './index';
import {
  accountIds,
  balancesFrom,
  batchId,
  INVALID_NUMBER_CODE,
  INVALID_NUMBER_REPORT,
  ledgerNotes,
  planGroup,
  resultsOf,
  SEND_COLUMNS,
  sendRowValues,
} from './plan';

/** A Date as TypeORM keeps it in SQLite: UTC text with milliseconds. */
function utcText(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/**
 * SQLite: one writer, statements prepared once. A group's transaction is synchronous, so it costs
 * a few microseconds per row and one commit (one fsync) per group.
 */
export class SqliteAcceptStore implements AcceptStore {
  private readonly account: ReturnType<typeof accountQuery>;
  private readonly statements: {
    findAccount: BetterSqlite3.Statement;
    balances: BetterSqlite3.Statement;
    charge: BetterSqlite3.Statement[];
    batch: BetterSqlite3.Statement;
    ledger: BetterSqlite3.Statement;
    send: BetterSqlite3.Statement;
    report: BetterSqlite3.Statement;
  };

  constructor(private readonly db: DataSource) {
    const sqlite = sqliteHandle(db);
    this.account = accountQuery(db);
    this.statements = {
      findAccount: sqlite.prepare(this.account.sql),
      balances: sqlite.prepare(`SELECT id, ${POOLS.map((p) => p.column).join(', ')} FROM account WHERE id = ?`),
      charge: POOLS.map((p) => sqlite.prepare(`UPDATE account SET ${p.column} = ${p.column} - ? WHERE id = ? AND ${p.column} >= ?`)),
      batch: sqlite.prepare('INSERT INTO batch (account_id, created_at, recipients, segments, cost) VALUES (?, ?, ?, ?, ?)'),
      ledger: sqlite.prepare(
        `INSERT INTO balance_ledger (account_id, pool, original, amount, remaining, business, business_number, operator, notes, created_at)
         VALUES (?, ?, ?, ?, ?, 'send', ?, ?, ?, ?)`,
      ),
      send: sqlite.prepare(`INSERT INTO send (${SEND_COLUMNS.join(', ')}) VALUES (${SEND_COLUMNS.map(() => '?').join(', ')})`),
      report: sqlite.prepare(
        'INSERT INTO report (account_id, send_id, batch_id, mobile, status, code, send_time, report_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
  }

  async findAccount(username: string): Promise<Account | null> {
    const row = this.statements.findAccount.get(username) as Record<string, unknown> | undefined;
    return row ? this.account.toAccount(row) : null;
  }

  commit(group: readonly Submission[]): Promise<SubmissionResult[]> {
    const st = this.statements;
    return sqliteWrite(this.db, () => {
      const rows = accountIds(group).map((id) => st.balances.get(id) as Record<string, unknown>);
      const plan = planGroup(group, balancesFrom(rows.filter(Boolean)));
      for (const c of plan.charges) {
        if (st.charge[c.pool]!.run(c.total, c.accountId, c.total).changes !== 1)
          throw new Error(`account ${c.accountId} changed under its charge`);
      }
      const batchIds = group.map((s, i) => {
        if (!plan.paid[i]) return null;
        const at = utcText(s.acceptedAt);
        const id = Number(st.batch.run(s.account.id, at, s.valid.length, s.segments, s.cost).lastInsertRowid);
        const batch = batchId(s, id);
        for (const mobile of s.valid) st.send.run(...sendRowValues(s, batch, mobile, true, utcText));
        for (const mobile of s.invalid) {
          const values = sendRowValues(s, batch, mobile, false, utcText);
          const sendId = st.send.run(...values).lastInsertRowid;
          st.report.run(s.account.id, sendId, batch, values[3], INVALID_NUMBER_REPORT, INVALID_NUMBER_CODE, at, at);
        }
        return batch;
      });
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
          ledgerNotes(s),
          utcText(s.acceptedAt),
        );
      }
      return resultsOf(plan, batchIds);
    });
  }
}
