import type { DataSource } from 'typeorm';
import { VendorLease } from '../../entities';
import { inTransaction, isDuplicateKey, sqlTime } from '../db/transaction';
import type { Logger } from '../logger';
import type { VendorNews, VendorPoll } from '../vendors/types';
import { FailureBackoff } from './failureBackoff';
import { RepeatingRound } from './repeating';

/**
 * Takes or renews the lease `name` for `owner` until `until`: free, expired, or already ours.
 * The database decides, so of several nodes sharing it exactly one holds a lease at a time.
 */
export async function takeLease(db: DataSource, name: string, owner: string, now: Date, until: Date): Promise<boolean> {
  return inTransaction(db, async (m) => {
    const updated = await m
      .createQueryBuilder()
      .update(VendorLease)
      .set({ owner, leaseUntil: until })
      .where('name = :name AND (owner = :owner OR lease_until < :now)', { name, owner, now: sqlTime(db, now) })
      .execute();
    if ((updated.affected ?? 0) === 1) return true;
    if (await m.getRepository(VendorLease).existsBy({ name })) return false;
    await m.getRepository(VendorLease).insert({ name, owner, leaseUntil: until });
    return true;
  }).catch((err: unknown) => {
    // Another node inserted the lease row first: it holds the lease.
    if (isDuplicateKey(err)) return false;
    throw err;
  });
}

export async function releaseLease(db: DataSource, name: string, owner: string): Promise<void> {
  await inTransaction(db, (m) => m.getRepository(VendorLease).delete({ name, owner }));
}

/**
 * Polls one of a vendor's fetch-once queues on its interval, on one node at a time. What a poll
 * returned is stored before the next poll; while storing fails it is kept and stored again, and
 * the vendor is not asked for more, so nothing it handed out is lost short of a crash in between.
 */
export class Poller {
  private readonly leaseName: string;
  private unstored: VendorNews | null = null;
  private readonly rounds: RepeatingRound;

  constructor(
    private readonly db: DataSource,
    vendorName: string,
    private readonly poll: VendorPoll,
    private readonly store: (news: VendorNews) => Promise<void>,
    private readonly owner: string,
    log: Logger,
  ) {
    this.leaseName = `${vendorName}:${poll.name}`;
    // At most eight intervals (and a minute) between tries while the vendor or the database fails.
    const backoff = new FailureBackoff(
      `poll ${this.leaseName}`,
      log,
      poll.intervalMs,
      Math.max(poll.intervalMs, Math.min(60_000, 8 * poll.intervalMs)),
    );
    this.rounds = new RepeatingRound(() => this.tick(), poll.intervalMs, backoff);
  }

  start(): void {
    this.rounds.start();
  }

  async stop(): Promise<void> {
    await this.rounds.stop();
    await releaseLease(this.db, this.leaseName, this.owner).catch(() => undefined);
  }

  /** One round: store what is left from the last poll, or take the lease and poll. Returns whether the vendor was asked. */
  async tick(): Promise<boolean> {
    if (this.unstored) {
      await this.store(this.unstored);
      this.unstored = null;
    }
    const now = new Date();
    // The lease outlives a few intervals, so a node that died hands the poll over soon, and a live one keeps it.
    const until = new Date(now.getTime() + Math.max(3 * this.poll.intervalMs, 30_000));
    if (!(await takeLease(this.db, this.leaseName, this.owner, now, until))) return false;
    const news = await this.poll.fetch();
    if ((news.reports?.length ?? 0) + (news.replies?.length ?? 0) === 0) return true;
    this.unstored = news;
    await this.store(news);
    this.unstored = null;
    return true;
  }
}
