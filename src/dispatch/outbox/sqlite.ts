import type { DataSource, EntityManager } from 'typeorm';
import { Send, SendStatus } from '../../../entities';
import { type EntityRows, entityRows } from '../../core/entityRows';
import { sqliteText } from '../../db/transaction';
import { sqliteHandle, sqliteWrite } from '../../db/raw';
import { DUE } from './due';
import type { DispatchAccount, OutboxStore, OutcomeStatements } from './index';

/** Only rows that still carry the token of the claim that sent them: j is [id, claim token, …]. */
const STILL_CLAIMED = 'send.ID = j.value ->> 0 AND send.claim_owner = j.value ->> 1';

function prepare(db: DataSource, rows: EntityRows<Send>) {
  const sqlite = sqliteHandle(db);
  return {
    // One statement: SQLite has one writer, so the rows it picks cannot be taken under it.
    claim: sqlite.prepare(
      `UPDATE send SET claim_owner = ?, lease_until = ?, next_attempt_at = ?
        WHERE ID IN (SELECT ID FROM send WHERE ${DUE} LIMIT ?)
       RETURNING ${rows.columns}`,
    ),
    accounts: sqlite.prepare('SELECT id, route, ext_no AS extNo, signature FROM account WHERE id IN (SELECT value FROM json_each(?))'),
    accept: sqlite.prepare(
      `UPDATE send SET STATUS = ${SendStatus.submitted}, vendor = ?, vendor_msgid = j.value ->> 2, submitted_at = ?, attempts = attempts + 1,
              next_attempt_at = NULL, claim_owner = NULL, lease_until = NULL, last_error = NULL
         FROM json_each(?) j WHERE ${STILL_CLAIMED}`,
    ),
    retry: sqlite.prepare(
      `UPDATE send SET attempts = attempts + 1, next_attempt_at = j.value ->> 2, claim_owner = NULL, lease_until = NULL,
              vendor = ?, last_error = j.value ->> 3
         FROM json_each(?) j WHERE ${STILL_CLAIMED}`,
    ),
    fail: sqlite
      .prepare(
        `UPDATE send SET STATUS = ${SendStatus.failed}, attempts = attempts + 1, next_attempt_at = NULL, claim_owner = NULL,
                lease_until = NULL, vendor = ?, last_error = j.value ->> 2, report_status = 'FAILED', report_time = ?
           FROM json_each(?) j WHERE ${STILL_CLAIMED}
         RETURNING ID`,
      )
      .pluck(),
  };
}

/**
 * SQLite: statements prepared once on the one connection. The outcome statements run inside the
 * dispatcher's transaction (inTransaction holds the writer's turn), beside its refunds.
 */
export class SqliteOutbox implements OutboxStore {
  private readonly rows: EntityRows<Send>;
  private prepared: ReturnType<typeof prepare> | null = null;
  private readonly outcomes: OutcomeStatements;

  constructor(private readonly db: DataSource) {
    this.rows = entityRows(db, Send);
    const st = () => this.statements;
    this.outcomes = {
      async accept(vendor, at, rows) {
        if (rows.length > 0) st().accept.run(vendor, sqliteText(at), JSON.stringify(rows.map((r) => [r.id, r.claim, r.vendorMsgId])));
      },
      async retry(vendor, rows) {
        if (rows.length > 0) st().retry.run(vendor, JSON.stringify(rows.map((r) => [r.id, r.claim, sqliteText(r.nextAttemptAt), r.error])));
      },
      async fail(vendor, at, rows) {
        if (rows.length === 0) return [];
        return st().fail.all(vendor, sqliteText(at), JSON.stringify(rows.map((r) => [r.id, r.claim, r.error]))) as number[];
      },
    };
  }

  private get statements(): ReturnType<typeof prepare> {
    this.prepared ??= prepare(this.db, this.rows);
    return this.prepared;
  }

  async claim(claim: string, limit: number, now: Date, leaseUntil: Date): Promise<Send[]> {
    const t = sqliteText(now);
    const until = sqliteText(leaseUntil);
    const claimed = await sqliteWrite(
      this.db,
      () => this.statements.claim.all(claim, until, until, t, t, t, limit) as Record<string, unknown>[],
    );
    return claimed.map((row) => this.rows.from(row)).sort((a, b) => a.ID - b.ID);
  }

  async accounts(ids: readonly number[]): Promise<Map<number, DispatchAccount>> {
    if (ids.length === 0) return new Map();
    const rows = this.statements.accounts.all(JSON.stringify(ids)) as DispatchAccount[];
    return new Map(rows.map((a) => [a.id, a]));
  }

  in(_m: EntityManager): OutcomeStatements {
    return this.outcomes;
  }
}
