import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { type DataSource, In } from 'typeorm';
import { Account, Send, SendStatus } from '../../entities';
import type { Config } from '../config';
import { chargeInTransaction, isPool } from '../core/accounts';
import { queueReport, Reports, ReportStatus } from '../core/reports';
import { inTransaction } from '../db/transaction';
import type { Logger } from '../logger';
import type { OutboundMessage, SendOutcome, Vendor } from '../vendors/types';
import { claimDueRows } from './claim';
import { FailureBackoff } from './failureBackoff';
import { prepareLegacyRows } from './legacyRows';

/** Delay before retry n (1-based), doubling from twice the base: 2 s, 4 s, 8 s … at most 5 minutes by default. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** attempt, 300 * baseMs);
}

/**
 * Moves rows from the `send` outbox to vendors: claims due rows with a lease, sends them
 * through the account's route (its vendors in failover order; each retry moves to the next
 * vendor), and records every outcome. A row that runs out of attempts fails for good, its charge
 * is refunded and a failure report queued, so the caller learns of it.
 */
export class Dispatcher {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly backoff: FailureBackoff;

  constructor(
    private readonly db: DataSource,
    private readonly vendors: Map<string, Vendor>,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.backoff = new FailureBackoff('dispatch', log, config.dispatch.intervalMs);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().then(
        (claimed) => {
          this.backoff.succeeded();
          this.schedule(claimed >= this.config.dispatch.batchSize ? 0 : this.config.dispatch.intervalMs);
        },
        (err) => this.schedule(this.backoff.failed(err)),
      );
    }, ms);
  }

  /** One round: claim a batch and send it. Returns how many rows were claimed. */
  async tick(): Promise<number> {
    const now = new Date();
    const claimed = await claimDueRows(
      this.db,
      this.owner,
      this.config.dispatch.batchSize,
      now,
      new Date(now.getTime() + this.config.dispatch.leaseMs),
    );
    if (claimed.length === 0) return 0;
    // Rows legacy SQL inserted (no account) are charged and filled in first, or failed with a reason.
    const rows = await prepareLegacyRows(this.db, claimed, this.owner, this.config, this.log);
    const accounts = await this.accountsOf(rows);
    const groups = new Map<string, { vendor: Vendor; rows: Send[] }>();
    for (const row of rows) {
      const vendor = this.vendorFor(row, accounts.get(row.accountId ?? -1));
      const group = groups.get(vendor.name) ?? { vendor, rows: [] };
      group.rows.push(row);
      groups.set(vendor.name, group);
    }
    await Promise.all([...groups.values()].map(({ vendor, rows: batch }) => this.sendBatch(vendor, batch, accounts)));
    return claimed.length;
  }

  private vendorFor(row: Send, account: Account | undefined): Vendor {
    const route = account?.route
      ? account.route
          .split(',')
          .map((v) => v.trim())
          .filter((v) => this.vendors.has(v))
      : [];
    const names = route.length > 0 ? route : this.config.route;
    return this.vendors.get(names[row.attempts % names.length])!;
  }

  private async accountsOf(rows: Send[]): Promise<Map<number, Account>> {
    const ids = [...new Set(rows.map((r) => r.accountId).filter((id): id is number => id !== null))];
    const list = ids.length ? await this.db.getRepository(Account).findBy({ id: In(ids) }) : [];
    return new Map(list.map((a) => [a.id, a]));
  }

  private async sendBatch(vendor: Vendor, rows: Send[], accounts: Map<number, Account>): Promise<void> {
    const messages: OutboundMessage[] = rows.map((row) => {
      const account = accounts.get(row.accountId ?? -1);
      return {
        id: row.ID,
        mobile: row.infoto,
        content: row.content,
        isLong: row.isLong === 1,
        segments: row.segments,
        extNo: account?.extNo ?? null,
        signature: account?.signature ?? null,
      };
    });
    let outcomes: SendOutcome[];
    try {
      outcomes = await vendor.send(messages);
    } catch (err) {
      this.log.warn({ err, vendor: vendor.name, rows: rows.length }, 'vendor call failed; rows will be retried');
      outcomes = rows.map((row) => ({
        id: row.ID,
        ok: false,
        retryable: true,
        error: `${vendor.name}: ${String((err as Error).message ?? err)}`,
      }));
    }
    const byId = new Map(outcomes.map((o) => [o.id, o]));
    const now = new Date();
    await inTransaction(this.db, async (m) => {
      const sends = m.getRepository(Send);
      const acceptedIds: string[] = [];
      for (const row of rows) {
        const outcome: SendOutcome = byId.get(row.ID) ?? {
          id: row.ID,
          ok: false,
          retryable: true,
          error: `${vendor.name} gave no answer for this message`,
        };
        const attempts = row.attempts + 1;
        const mine = { ID: row.ID, claimOwner: this.owner };
        if (outcome.ok) {
          await sends.update(mine, {
            STATUS: SendStatus.submitted,
            vendor: vendor.name,
            vendorMsgId: outcome.vendorMsgId,
            submittedAt: now,
            attempts,
            claimOwner: null,
            leaseUntil: null,
            lastError: null,
          });
          acceptedIds.push(outcome.vendorMsgId);
        } else if (outcome.retryable && attempts < this.config.dispatch.maxAttempts) {
          await sends.update(mine, {
            attempts,
            nextAttemptAt: new Date(now.getTime() + backoffMs(attempts, this.config.dispatch.retryBaseMs)),
            claimOwner: null,
            leaseUntil: null,
            vendor: vendor.name,
            lastError: outcome.error.slice(0, 255),
          });
        } else {
          const updated = await sends.update(mine, {
            STATUS: SendStatus.failed,
            attempts,
            claimOwner: null,
            leaseUntil: null,
            vendor: vendor.name,
            lastError: outcome.error.slice(0, 255),
            reportStatus: 'FAILED',
            reportTime: now,
          });
          if ((updated.affected ?? 0) === 1) await this.refundAndReport(m, row, now, outcome.error);
        }
      }
      await Reports.applyParked(m, vendor.name, acceptedIds);
    });
  }

  private async refundAndReport(m: import('typeorm').EntityManager, row: Send, now: Date, error: string): Promise<void> {
    if (row.accountId !== null && row.charged > 0 && row.msgType !== null && isPool(row.msgType)) {
      await chargeInTransaction(
        m,
        row.accountId,
        row.msgType,
        -row.charged,
        'refund',
        'dispatcher',
        row.batchId,
        `${row.infoto}: ${error}`.slice(0, 255),
      );
    }
    await queueReport(m, row, ReportStatus.failed, 'FAILED', now);
  }
}
