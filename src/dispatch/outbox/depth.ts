import type { DataSource } from 'typeorm';
import { SendStatus } from '../../../entities';
import { sqliteText, sqliteTime } from '../../db/transaction';
import type { OutboxDepth } from '../../metrics';

/**
 * The outbox's depth for a scrape: one statement over the rows still to send (STATUS 0, the front of
 * idx_send_due), however many final rows the table holds. A row is leased while its claim's lease
 * runs, scheduled while its caller's time is ahead, waiting otherwise (due, or due at its retry time).
 */
export async function outboxDepth(db: DataSource, now = new Date()): Promise<OutboxDepth> {
  const at = db.options.type === 'mysql' ? now : sqliteText(now);
  const free = '(lease_until IS NULL OR lease_until < ?)';
  const waiting = `${free} AND (scheduled_at IS NULL OR scheduled_at <= ?)`;
  const [row] = (await db.query(
    `SELECT COUNT(*) AS total,
            COALESCE(SUM(CASE WHEN lease_until >= ? THEN 1 ELSE 0 END), 0) AS leased,
            COALESCE(SUM(CASE WHEN ${free} AND scheduled_at > ? THEN 1 ELSE 0 END), 0) AS scheduled,
            MIN(CASE WHEN ${waiting} THEN Createtime END) AS oldest
       FROM send WHERE STATUS = ${SendStatus.waiting}`,
    [at, at, at, at, at],
  )) as { total: number | string; leased: number | string; scheduled: number | string; oldest: Date | string | null }[];
  const leased = Number(row!.leased);
  const scheduled = Number(row!.scheduled);
  const oldest = row!.oldest === null ? null : row!.oldest instanceof Date ? row!.oldest : sqliteTime(row!.oldest);
  return {
    waiting: Number(row!.total) - leased - scheduled,
    leased,
    scheduled,
    oldestWaitingSeconds: oldest === null ? 0 : Math.max(0, (now.getTime() - oldest.getTime()) / 1000),
  };
}
