import type { DataSource } from 'typeorm';
import { Account, BalanceLedger, Send, SendStatus } from '../../entities';
import { normalizeMobile } from '../core/numbers';
import { sqlTime, sqliteTime } from '../db/transaction';

/** The overview chart's series, each a count of `send` rows per minute. */
export const SERIES = ['accepted', 'dispatched', 'delivered', 'failed'] as const;
export type SeriesName = (typeof SERIES)[number];

/** Per series, which time of the row puts it in a minute, and which rows count. */
const SERIES_SQL: Record<SeriesName, { time: string; where: string }> = {
  accepted: { time: 'Createtime', where: '1 = 1' },
  dispatched: { time: 'submitted_at', where: 'submitted_at IS NOT NULL' },
  delivered: { time: 'report_time', where: `STATUS = ${SendStatus.delivered}` },
  // A number refused at accept time (invalid, over its limit) has no report time: it failed when accepted.
  failed: { time: 'COALESCE(report_time, Createtime)', where: `STATUS = ${SendStatus.failed}` },
};

/** Minute buckets of the last `minutes` minutes, oldest first: epoch seconds (uPlot's x axis) and a count per series. */
export interface PerMinute {
  minutes: number[];
  counts: Record<SeriesName, number[]>;
}

export interface VendorDelivery {
  vendor: string;
  delivered: number;
  failed: number;
  /** Submitted, no final report yet. */
  pending: number;
}

/**
 * The console's reads of the database: a few grouped statements over the `send` table (one per
 * chart series), the rest through TypeORM's repositories. Nothing here writes.
 */
export class ConsoleQueries {
  private readonly mysql: boolean;

  constructor(private readonly db: DataSource) {
    this.mysql = db.options.type === 'mysql';
  }

  /** Each series per minute over the last `minutes` minutes up to `now`, minutes without rows counted 0. */
  async perMinute(minutes: number, now = new Date()): Promise<PerMinute> {
    const last = Math.floor(now.getTime() / 60_000) * 60_000;
    const first = last - (minutes - 1) * 60_000;
    const starts = Array.from({ length: minutes }, (_, i) => first + i * 60_000);
    const counts = {} as Record<SeriesName, number[]>;
    for (const name of SERIES) {
      const { time, where } = SERIES_SQL[name];
      const rows: { minute: string; n: number | string }[] = await this.db.query(
        `SELECT ${this.minuteOf(time)} AS minute, COUNT(*) AS n FROM send WHERE ${where} AND ${time} >= ? GROUP BY minute`,
        [sqlTime(this.db, new Date(first))],
      );
      const byMinute = new Map(rows.map((r) => [this.minuteStart(r.minute), Number(r.n)]));
      counts[name] = starts.map((t) => byMinute.get(t) ?? 0);
    }
    return { minutes: starts.map((t) => t / 1000), counts };
  }

  /** Rows whose status is final, delivered or failed, over the whole table (an index range of idx_send_due). */
  async finalRows(): Promise<{ delivered: number; failed: number }> {
    const rows: { status: number | string; n: number | string }[] = await this.db.query(
      `SELECT STATUS AS status, COUNT(*) AS n FROM send WHERE STATUS IN (${SendStatus.delivered}, ${SendStatus.failed}) GROUP BY STATUS`,
    );
    const count = (status: number) => Number(rows.find((r) => Number(r.status) === status)?.n ?? 0);
    return { delivered: count(SendStatus.delivered), failed: count(SendStatus.failed) };
  }

  /** Delivered, failed and pending rows per vendor among those accepted since `since`. */
  async deliveryByVendor(since: Date): Promise<VendorDelivery[]> {
    const rows: { vendor: string; delivered: number | string; failed: number | string; pending: number | string }[] = await this.db.query(
      `SELECT vendor,
              SUM(CASE WHEN STATUS = ${SendStatus.delivered} THEN 1 ELSE 0 END) AS delivered,
              SUM(CASE WHEN STATUS = ${SendStatus.failed} THEN 1 ELSE 0 END) AS failed,
              SUM(CASE WHEN STATUS = ${SendStatus.submitted} THEN 1 ELSE 0 END) AS pending
         FROM send WHERE vendor IS NOT NULL AND Createtime >= ? GROUP BY vendor ORDER BY vendor`,
      [sqlTime(this.db, since)],
    );
    return rows.map((r) => ({ vendor: r.vendor, delivered: Number(r.delivered), failed: Number(r.failed), pending: Number(r.pending) }));
  }

  /**
   * The rows a number, batch id, serial number (流水号) or vendor message id names, newest first. A
   * number is matched as the accept path stores it (normalized), whatever prefix the operator typed.
   */
  search(term: string, limit = 200): Promise<Send[]> {
    const value = term.trim();
    const mobile = normalizeMobile(value) ?? value;
    return this.db.getRepository(Send).find({
      where: [{ infoto: mobile }, { batchId: value }, { serial: value }, { vendorMsgId: value }],
      order: { ID: 'DESC' },
      take: limit,
    });
  }

  /** The latest rows that failed for good, newest first, with why. */
  recentFailures(limit = 50): Promise<Send[]> {
    return this.db.getRepository(Send).find({ where: { STATUS: SendStatus.failed }, order: { ID: 'DESC' }, take: limit });
  }

  /** Usernames by account id, to name the account of each row shown. */
  async usernames(): Promise<Map<number, string>> {
    const accounts = await this.db.getRepository(Account).find({ select: { id: true, username: true } });
    return new Map(accounts.map((a) => [a.id, a.username]));
  }

  ledger(accountId: number, limit = 20): Promise<BalanceLedger[]> {
    return this.db.getRepository(BalanceLedger).find({ where: { accountId }, order: { id: 'DESC' }, take: limit });
  }

  /** A time truncated to its minute, as text: SQLite keeps UTC text, MySQL a DATETIME. */
  private minuteOf(column: string): string {
    return this.mysql ? `DATE_FORMAT(${column}, '%Y-%m-%d %H:%i')` : `substr(${column}, 1, 16)`;
  }

  /** A minute as minuteOf wrote it, back to its epoch milliseconds: SQLite's text is UTC, mysql2 writes Dates in local time. */
  private minuteStart(minute: string): number {
    const text = `${minute}:00`;
    return (this.mysql ? new Date(text.replace(' ', 'T')) : sqliteTime(text)).getTime();
  }
}
