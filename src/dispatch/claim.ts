import { type DataSource, In } from 'typeorm';
import { Send, SendStatus } from '../../entities';
import { inTransaction, sqlTime } from '../db/transaction';

/**
 * Claims up to `limit` due rows for `owner` until `leaseUntil`. Due: waiting, not leased (or the
 * lease expired, as after a crash), its retry time and scheduled time passed. On MySQL/MariaDB
 * SKIP LOCKED lets several gateway nodes claim side by side without ever taking the same row;
 * SQLite has a single writer and inTransaction queues claims in-process.
 */
export async function claimDueRows(db: DataSource, owner: string, limit: number, now: Date, leaseUntil: Date): Promise<Send[]> {
  const mysql = db.options.type === 'mysql';
  const t = sqlTime(db, now);
  return inTransaction(db, async (m) => {
    const ids: { ID: number }[] = await m.query(
      `SELECT ID FROM send
        WHERE STATUS = ${SendStatus.waiting}
          AND (lease_until IS NULL OR lease_until < ?)
          AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
          AND (scheduled_at IS NULL OR scheduled_at <= ?)
        ORDER BY ID LIMIT ${Number(limit)}${mysql ? ' FOR UPDATE SKIP LOCKED' : ''}`,
      [t, t, t],
    );
    if (ids.length === 0) return [];
    const idList = ids.map((r) => Number(r.ID));
    await m.getRepository(Send).update({ ID: In(idList) }, { claimOwner: owner, leaseUntil });
    return m.getRepository(Send).find({ where: { ID: In(idList) }, order: { ID: 'ASC' } });
  });
}
