import type { DataSource } from 'typeorm';
import { SendStatus } from '../../../entities';
import { sqlTime, sqliteTime } from '../../db/transaction';

/** The outbox: rows not yet given to a vendor (STATUS 0), and those given to one and not reported yet. */
export interface OutboxDepth {
  /** Due, or waiting for a retry's time: not leased, not scheduled for later. */
  waiting: number;
  /** Claimed by a dispatcher, its vendor call in flight. */
  leased: number;
  /** Scheduled for later by their caller. */
  scheduled: number;
  /** With a vendor, no final report yet. */
  submitted: number;
  /** When the oldest waiting row was accepted; null when none waits. */
  oldestWaitingAt: Date | null;
}

/**
 * The outbox's depth in one statement over the rows still to send or to be reported (STATUS 0 and
 * 1, the front of idx_send_due), however many final rows the table holds: for a scrape of
 * /metrics and the console's overview. A row is leased while its claim's lease runs, scheduled
 * while its caller's time is ahead, waiting otherwise.
 */
export async function outboxDepth(db: DataSource, now = new Date()): Promise<OutboxDepth> {
  const at = sqlTime(db, now);
  const toSend = `STATUS = ${SendStatus.waiting}`;
  const free = '(lease_until IS NULL OR lease_until < ?)';
  const [row] = (await db.query(
    `SELECT COALESCE(SUM(CASE WHEN ${toSend} THEN 1 ELSE 0 END), 0) AS total,
            COALESCE(SUM(CASE WHEN ${toSend} AND lease_until >= ? THEN 1 ELSE 0 END), 0) AS leased,
            COALESCE(SUM(CASE WHEN ${toSend} AND ${free} AND scheduled_at > ? THEN 1 ELSE 0 END), 0) AS scheduled,
            COALESCE(SUM(CASE WHEN STATUS = ${SendStatus.submitted} THEN 1 ELSE 0 END), 0) AS submitted,
            MIN(CASE WHEN ${toSend} AND ${free} AND (scheduled_at IS NULL OR scheduled_at <= ?) THEN Createtime END) AS oldest
       FROM send WHERE STATUS IN (${SendStatus.waiting}, ${SendStatus.submitted})`,
    [at, at, at, at, at],
  )) as Record<'total' | 'leased' | 'scheduled' | 'submitted', number | string>[] & { oldest: Date | string | null }[];
  const leased = Number(row!.leased);
  const scheduled = Number(row!.scheduled);
  const oldest = row!.oldest;
  return {
    waiting: Number(row!.total) - leased - scheduled,
    leased,
    scheduled,
    submitted: Number(row!.submitted),
    oldestWaitingAt: oldest === null ? null : oldest instanceof Date ? oldest : sqliteTime(oldest),
  };
}
