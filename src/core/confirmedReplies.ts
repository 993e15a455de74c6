import { type DataSource, In, IsNull, LessThanOrEqual, Like } from 'typeorm';
import { Reply } from '../../entities';
import { inTransaction } from '../db/transaction';

/** Replies one Reply call hands out at most. */
const PAGE = 100;
/** fetch_token of a reply the caller confirmed: at most 36 characters, like the fetch-once tokens. */
const CONFIRMED = 'confirmed';

export interface PendingReplies {
  replies: Reply[];
  /** The id to confirm them by (the highest of them), null when there are none. */
  id: string | null;
  /** When this account last confirmed replies, null if never. */
  lastConfirmedAt: Date | null;
}

/**
 * The reply queue as the UMS contract reads it: at least once. `pending` hands out the oldest
 * unconfirmed replies again on every call, until `confirm` is given the id they came with; unlike
 * getRecvSMS's fetch-once, a caller that crashed before storing them gets them again. Both
 * disciplines share the `reply` table: a confirmed reply is one whose fetch_token is set.
 */
export class ConfirmedReplies {
  constructor(private readonly db: DataSource) {}

  async pending(accountId: number): Promise<PendingReplies> {
    const repo = this.db.getRepository(Reply);
    const replies = await repo.find({ where: { accountId, fetchToken: IsNull() }, order: { id: 'ASC' }, take: PAGE });
    const last = await repo.findOne({
      select: { id: true, fetchedAt: true },
      where: { accountId, fetchToken: Like(`${CONFIRMED}%`) },
      order: { fetchedAt: 'DESC' },
    });
    const id = replies.length > 0 ? String(Math.max(...replies.map((r) => Number(r.id)))) : null;
    return { replies, id, lastConfirmedAt: last?.fetchedAt ?? null };
  }

  /** Confirms the account's replies up to `id` (those a Reply answer carried); returns how many were confirmed now. */
  async confirm(accountId: number, id: number): Promise<number> {
    return inTransaction(this.db, async (m) => {
      const repo = m.getRepository(Reply);
      const open = await repo.find({ select: { id: true }, where: { accountId, fetchToken: IsNull(), id: LessThanOrEqual(id) } });
      if (open.length === 0) return 0;
      await repo.update({ id: In(open.map((r) => r.id)) }, { fetchToken: CONFIRMED, fetchedAt: new Date() });
      return open.length;
    });
  }
}
