/**
 * The bench's own connection to a gateway's database: it makes the account the load sends as
 * and reads the `send` table to check what the gateway answered against what it stored;
 * insertLegacyRow() writes a row into it as a legacy system does, by plain SQL.
 */
import type { DataSource } from 'typeorm';
import { createCore } from '../src/core';
import { DEMO } from '../src/core/accounts';
import { openDatabase } from '../src/db/datasource';
import { sleep } from './processes';
import { CONTENT } from './request';

/** Enough in the 网关 pool that no run can hit 余额不足 mid-way. */
const BALANCE = 100_000_000;
const SETTLED_MS = 1000;
const SETTLE_TIMEOUT_MS = 15_000;
/** The `userid` PRO_DSFDXJK writes (the seed's value), mapped to the demo account so legacy rows are charged to it. */
export const LEGACY_USERID = 1598;

/**
 * One row as a legacy system writes it: the legacy columns only, no ID (the auto-increment),
 * `userid` LEGACY_USERID, in one autocommit INSERT, so the promise settles once the row is committed.
 */
export async function insertLegacyRow(db: DataSource, mobile: string): Promise<void> {
  await db.query(
    `INSERT INTO send (Createtime, hostname, infotype, infoto, userid, RECVUSERID, content, contentsize, STATUS, YYB)
     VALUES (CURRENT_TIMESTAMP, '127.0.0.1', 8, ?, ?, NULL, ?, ?, 0, 1)`,
    [mobile, LEGACY_USERID, CONTENT, CONTENT.length],
  );
}

export class SendTable {
  private constructor(
    readonly db: DataSource,
    /** The demo account's id. */
    readonly accountId: number,
  ) {}

  /**
   * Migrates the fresh database and creates the demo account (demo / demo123) the requests use,
   * which rows legacy SQL inserts with `userid` LEGACY_USERID are charged to.
   */
  static async prepare(databaseUrl: string): Promise<SendTable> {
    const db = await openDatabase(databaseUrl);
    const accounts = createCore(db).accounts;
    const account = await accounts.create(DEMO.username, DEMO.password, { 1: BALANCE });
    await accounts.setLegacyUserId(DEMO.username, LEGACY_USERID);
    return new SendTable(db, account.id);
  }

  async rows(): Promise<number> {
    return this.count('SELECT COUNT(*) AS n FROM send');
  }

  /** Rows a delivery report has reached. */
  async reported(): Promise<number> {
    return this.count('SELECT COUNT(*) AS n FROM send WHERE report_status IS NOT NULL');
  }

  /** Rows legacy SQL inserted (`userid` LEGACY_USERID) that the gateway charged to an account and handed to a vendor. */
  async legacyRowsSent(): Promise<number> {
    return this.count(
      `SELECT COUNT(*) AS n FROM send WHERE userid = ${LEGACY_USERID} AND account_id IS NOT NULL AND charged > 0 AND STATUS IN (1, 2)`,
    );
  }

  /** Batch id → its rows. */
  async rowsPerBatch(): Promise<Map<string, number>> {
    const rows = (await this.db.query('SELECT batch_id AS id, COUNT(*) AS n FROM send GROUP BY batch_id')) as {
      id: string | null;
      n: number | string;
    }[];
    return new Map(rows.filter((r) => r.id !== null).map((r) => [r.id!, Number(r.n)]));
  }

  /**
   * The row count once requests still in flight (cut off by wrk at its deadline) have committed:
   * unchanged for SETTLED_MS, which is longer than a commit takes even when a slow database is
   * still working through what the load left.
   */
  async settledRows(): Promise<number> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    let last = await this.rows();
    let since = Date.now();
    while (Date.now() - since < SETTLED_MS && Date.now() < deadline) {
      await sleep(100);
      const n = await this.rows();
      if (n !== last) {
        last = n;
        since = Date.now();
      }
    }
    return last;
  }

  close(): Promise<void> {
    return this.db.destroy();
  }

  private async count(sql: string): Promise<number> {
    const [row] = (await this.db.query(sql)) as { n: number | string }[];
    return Number(row!.n);
  }
}
