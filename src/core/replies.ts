import { createHash } from 'node:crypto';
import { type DataSource, type EntityManager, IsNull } from 'typeorm';
import { Account, Reply, Send } from '../../entities';
import { inTransaction } from '../db/transaction';
import { fetchOnce } from './fetchOnce';
import { type QueueStore, queueStore } from './queues';

/** An inbound message as every vendor adapter normalizes it. */
export interface InboundReply {
  vendor: string;
  mobile: string;
  content: string;
  /** The extension number the reply was sent to, when the vendor tells it. */
  extNo?: string | null;
  at: Date;
  /** Set when the vendor or an operator names the account; otherwise it is found from the extension or the last send to the number. */
  username?: string;
  /**
   * What identifies this message at the vendor: its id, or where it has none the number, time
   * and text the vendor sent. A reply whose key was seen before (a repeated push) is not queued again.
   */
  vendorKey?: string;
}

/** queued: waiting for its account; unassigned: kept for operators, no account found; repeated: seen before. */
export type ReplyOutcome = { result: 'queued' | 'unassigned'; reply: Reply } | { result: 'repeated' };

export class Replies {
  private readonly store: QueueStore;

  constructor(private readonly db: DataSource) {
    this.store = queueStore(db);
  }

  /** Queues a reply for its account, or keeps it unassigned; never drops one. */
  async record(reply: InboundReply): Promise<ReplyOutcome> {
    return (await this.recordAll([reply]))[0]!;
  }

  /** Several replies in one transaction, as a vendor's push or poll brings them. */
  recordAll(replies: InboundReply[]): Promise<ReplyOutcome[]> {
    return inTransaction(this.db, async (m) => {
      const outcomes: ReplyOutcome[] = [];
      for (const reply of replies) outcomes.push(await recordOne(m, reply));
      return outcomes;
    });
  }

  fetch(accountId: number): Promise<Reply[]> {
    return fetchOnce(this.store, 'reply', accountId);
  }

  /** Replies no account could be found for, newest first, for operators. */
  unassigned(limit = 100): Promise<Reply[]> {
    return this.db.getRepository(Reply).find({ where: { accountId: IsNull() }, order: { id: 'DESC' }, take: limit });
  }
}

/** A vendor key of any length, stored as a fixed-width digest. */
function keyDigest(vendorKey: string): string {
  return createHash('sha256').update(vendorKey).digest('hex');
}

async function recordOne(m: EntityManager, reply: InboundReply): Promise<ReplyOutcome> {
  const replies = m.getRepository(Reply);
  const vendorKey = reply.vendorKey ? keyDigest(reply.vendorKey) : null;
  if (vendorKey && (await replies.existsBy({ vendor: reply.vendor, vendorKey }))) return { result: 'repeated' };
  const account = await findAccount(m, reply);
  const row = replies.create({
    accountId: account?.id ?? null,
    mobile: reply.mobile.slice(0, 32),
    receiver: account?.username ?? '',
    content: reply.content,
    extNo: reply.extNo?.slice(0, 16) ?? null,
    vendor: reply.vendor,
    vendorKey,
    receivedAt: reply.at,
    fetchToken: null,
    fetchedAt: null,
  });
  await replies.insert(row);
  return { result: account ? 'queued' : 'unassigned', reply: row };
}

/** The named account; else the one whose extension number the reply was sent to; else the last to send to that number. */
async function findAccount(m: EntityManager, reply: InboundReply): Promise<Account | null> {
  const accounts = m.getRepository(Account);
  if (reply.username) return accounts.findOneBy({ username: reply.username });
  if (reply.extNo) {
    const byExt = await accounts.findOneBy({ extNo: reply.extNo });
    if (byExt) return byExt;
  }
  const last = await m.getRepository(Send).findOne({ where: { infoto: reply.mobile }, order: { ID: 'DESC' } });
  return last?.accountId ? accounts.findOneBy({ id: last.accountId }) : null;
}
