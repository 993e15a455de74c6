/**
 * The bench's own connection to a gateway's database: it makes the account the load sends as,
 * and reads the `send` table to check what the gateway answered against what it stored.
 */
import type { DataSource } from 'typeorm';
import { createCore } from '../src/core';
import { DEMO } from '../src/core/accounts';
import { openDatabase } from '../src/db/datasource';
import { sleep } from './processes';

/** Enough in the 网关 pool that no run can hit 余额不足 mid-way. */
const BALANCE = 100_000_000;
const SETTLED_MS = 1000;
const SETTLE_TIMEOUT_MS = 15_000;

export class SendTable {
  private constructor(private readonly db: DataSource) {}

  /** Migrates the fresh database and creates the demo account (demo / demo123) the requests use. */
  static async prepare(databaseUrl: string): Promise<SendTable> {
    const db = await openDatabase(databaseUrl);
    await createCore(db).accounts.create(DEMO.username, DEMO.password, { 1: BALANCE });
    return new SendTable(db);
  }

  async rows(): Promise<number> {
    return this.count('SELECT COUNT(*) AS n FROM send');
  }

  /** Rows a delivery report has reached. */
  async reported(): Promise<number> {
    return this.count('SELECT COUNT(*) AS n FROM send WHERE report_status IS NOT NULL');
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
