import type { DataSource } from 'typeorm';
import { Account, Reply, Send } from '../../entities';
import { inTransaction } from '../db/transaction';
import { fetchOnce } from './fetchOnce';

/** An inbound message as every vendor adapter normalizes it. */
export interface InboundReply {
  vendor: string;
  mobile: string;
  content: string;
  /** The extension number the reply was sent to, when the vendor tells it. */
  extNo?: string | null;
  at: Date;
  /** Set when the vendor or an operator names the account; otherwise it is found from the last send to the number. */
  username?: string;
}

export class Replies {
  constructor(private readonly db: DataSource) {}

  /** Queues a reply for its account; returns null when no account can be found for it. */
  async record(reply: InboundReply): Promise<Reply | null> {
    const account = await this.findAccount(reply);
    if (!account) return null;
    const row = this.db.getRepository(Reply).create({
      accountId: account.id,
      mobile: reply.mobile,
      receiver: account.username,
      content: reply.content,
      extNo: reply.extNo ?? null,
      vendor: reply.vendor,
      receivedAt: reply.at,
      fetchToken: null,
      fetchedAt: null,
    });
    await inTransaction(this.db, (m) => m.getRepository(Reply).insert(row));
    return row;
  }

  fetch(accountId: number): Promise<Reply[]> {
    return fetchOnce(this.db, Reply, accountId);
  }

  private async findAccount(reply: InboundReply): Promise<Account | null> {
    const accounts = this.db.getRepository(Account);
    if (reply.username) return accounts.findOneBy({ username: reply.username });
    if (reply.extNo) {
      const byExt = await accounts.findOneBy({ extNo: reply.extNo });
      if (byExt) return byExt;
    }
    const last = await this.db.getRepository(Send).findOne({ where: { infoto: reply.mobile }, order: { ID: 'DESC' } });
    return last?.accountId ? accounts.findOneBy({ id: last.accountId }) : null;
  }
}
