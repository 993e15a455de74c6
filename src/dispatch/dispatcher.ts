import { setImmediate } from 'node:timers/promises';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import type { Send } from '../../entities';
import type { Config } from '../config';
import { chargeInTransaction, isPool, type Pool } from '../core/accounts';
import { type QueueStore, queueStore } from '../core/queues';
import { applyParked, ReportStatus } from '../core/reports';
import { inTransaction } from '../db/transaction';
import type { Logger } from '../logger';
import { countDeliveries, vendorMetrics } from '../metrics';
import { BATCHES_IN_FLIGHT } from '../vendors/config';
import type { OutboundMessage, SendOutcome, Vendor } from '../vendors/types';
import { VendorBreakers } from './breakers';
import { type Carrier, pickCarrier } from './carriers';
import { FailureBackoff } from './failureBackoff';
import { prepareLegacyRows } from './legacyRows';
import { Audit } from '../core/audit';
import { type Accepted, type DispatchAccount, type Failed, type OutboxStore, outboxStore, type Retried } from './outbox';
import { VendorLimiter } from './rateLimit';
import { Slots } from './slots';

/** Delay before retry n (1-based), doubling from twice the base: 2 s, 4 s, 8 s … at most 5 minutes by default. */
export function backoffMs(attempt: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** attempt, 300 * baseMs);
}

/** A row that failed for good, with what it is told. */
interface FailedRow {
  row: Send;
  error: string;
}

/** One round: how many rows it claimed, and the vendor calls it started, settled once each is recorded. */
interface Round {
  claimed: number;
  done: Promise<void>;
}

/**
 * Moves rows from the `send` outbox to vendors: claims due rows with a lease, sends them
 * through the account's route (its vendors in failover order; each retry moves to the next
 * vendor), and records every outcome. A row that runs out of attempts fails for good, its charge
 * is refunded and a failure report queued, so the caller learns of it.
 *
 * Claiming goes on while vendor calls are in flight: each vendor takes up to its `batchesInFlight`
 * batches at once, and a claimed batch waits for a free slot of its vendor before the next claim,
 * so at most one batch waits (less than one vendor call, far inside its lease).
 */
export class Dispatcher {
  /**
   * This process, as the lease columns name it: its host (cut so that a claim's token still fits
   * the 64 characters of `claim_owner`), its pid, and a random part, since a restart may reuse a pid.
   */
  readonly owner = `${hostname().slice(0, 32)}:${process.pid}:${randomBytes(3).toString('hex')}`;
  /** How many claims this process has made: the last part of each claim's fencing token. */
  private claims = 0;
  private readonly outbox: OutboxStore;
  private readonly queues: QueueStore;
  /** The content audit legacy rows pass, as every send does (its rules are read from the database). */
  private readonly audit: Audit;
  private readonly slots = new Map<string, Slots>();
  /** Each vendor's rate and open-request limits, shared with every node on the database. */
  private readonly limits: VendorLimiter;
  /** This node's circuit breaker per vendor (src/dispatch/breakers.ts); the admin API shows them. */
  readonly breakers: VendorBreakers;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly backoff: FailureBackoff;
  /**
   * Outcomes that could not be recorded leave their rows leased, to be sent again when the lease
   * ends: while that goes on, claiming waits as long as this backoff says, instead of sending more.
   */
  private readonly recording: FailureBackoff;
  private holdClaimsMs = 0;
  private loop: Promise<void> | null = null;
  private stopped = true;
  private pause: { timer: NodeJS.Timeout; resume: () => void } | null = null;

  constructor(
    private readonly db: DataSource,
    private readonly vendors: Map<string, Vendor>,
    private readonly config: Config,
    private readonly log: Logger,
  ) {
    this.outbox = outboxStore(db);
    this.queues = queueStore(db);
    this.audit = new Audit(db);
    this.limits = new VendorLimiter(db, config.vendors, this.owner, config.dispatch.leaseMs, log);
    this.breakers = new VendorBreakers(config.vendors, log);
    this.backoff = new FailureBackoff('dispatch', log, config.dispatch.intervalMs);
    this.recording = new FailureBackoff('recording vendor outcomes', log, config.dispatch.intervalMs);
  }

  start(): void {
    if (this.loop) return;
    this.stopped = false;
    this.loop = this.run();
  }

  /** Stops claiming and waits until every batch in flight is sent and recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.limits.stop();
    this.resume();
    await this.loop;
    this.loop = null;
    await Promise.all(this.inFlight);
  }

  /** One round, awaited to the end: claim a batch, send it, record it. Returns how many rows were claimed. */
  async tick(): Promise<number> {
    const round = await this.round();
    await round.done;
    return round.claimed;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let delay: number;
      try {
        const round = await this.round();
        round.done.then(
          () => this.recording.succeeded(),
          (err) => {
            this.holdClaimsMs = this.recording.failed(err);
          },
        );
        this.backoff.succeeded();
        delay = round.claimed >= this.config.dispatch.batchSize ? 0 : this.config.dispatch.intervalMs;
      } catch (err) {
        delay = this.backoff.failed(err);
      }
      delay = Math.max(delay, this.holdClaimsMs);
      this.holdClaimsMs = 0;
      if (delay > 0) await this.sleep(delay);
      // A full round goes on at once, but after the I/O already waiting: on SQLite every step of a
      // round can resolve without waiting, and a backlog worked through in one chain of promises
      // would hold every caller's request until it was done (p99 of sendSms at 70 ms).
      else await setImmediate();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.pause = { timer: setTimeout(() => this.resume(), ms), resume: resolve };
    });
  }

  private resume(): void {
    if (!this.pause) return;
    clearTimeout(this.pause.timer);
    this.pause.resume();
    this.pause = null;
  }

  /** Claims a batch and starts its vendor calls, each when its vendor has a free slot; resolves once all are started. */
  private async round(): Promise<Round> {
    const now = new Date();
    const { batchSize, leaseMs } = this.config.dispatch;
    // Every claim writes a token of its own into its rows' claim_owner, and every outcome is recorded
    // only where the row still carries it: an answer that comes back after the lease ran out and the
    // row was claimed again (by another node, or by this one) changes nothing and sends nothing again.
    const claim = `${this.owner}#${++this.claims}`;
    const claimed = await this.outbox.claim(claim, batchSize, now, new Date(now.getTime() + leaseMs));
    if (claimed.length === 0) return { claimed: 0, done: Promise.resolve() };
    // Rows legacy SQL inserted (no account) are charged and filled in first, or failed with a reason.
    const rows = await prepareLegacyRows(this.db, claimed, this.config, this.audit, this.log);
    const accounts = await this.outbox.accounts([...new Set(rows.flatMap((r) => (r.accountId === null ? [] : [r.accountId])))]);
    const groups = new Map<string, { vendor: Vendor; rows: Send[] }>();
    // Rows no vendor of their route can carry fail at once, recorded per (first) vendor like a batch's outcomes.
    const uncarried = new Map<string, { rows: Send[]; outcomes: SendOutcome[] }>();
    let held = 0;
    for (const row of rows) {
      const chosen = this.vendorFor(row, accounts.get(row.accountId ?? -1));
      if ('held' in chosen) {
        held++;
        continue;
      }
      if ('refused' in chosen) {
        const failed = uncarried.get(chosen.vendor) ?? { rows: [], outcomes: [] };
        failed.rows.push(row);
        failed.outcomes.push({ id: row.ID, ok: false, retryable: false, error: chosen.refused.slice(0, 255) });
        uncarried.set(chosen.vendor, failed);
        continue;
      }
      const { vendor } = chosen;
      const group = groups.get(vendor.name) ?? { vendor, rows: [] };
      group.rows.push(row);
      groups.set(vendor.name, group);
    }
    if (held > 0)
      this.log.info(
        { rows: held },
        'rows left for later: every vendor of their route that can carry them is out (breaker open); they come back when their lease ends',
      );
    const leaseEnd = now.getTime() + leaseMs;
    const calls: Promise<void>[] = [...uncarried].map(([vendor, failed]) => this.record(vendor, failed.rows, failed.outcomes));
    for (const { vendor, rows: group } of groups.values()) {
      const slots = this.slotsOf(vendor.name);
      // The vendor's limits may let the group go in parts, each when there is room; what finds none within its lease is left for later.
      for (let rest = group; rest.length > 0; ) {
        await slots.acquire();
        const pass = await this.limits.admit(vendor.name, rest, leaseEnd).catch((err) => {
          slots.release();
          throw err;
        });
        if (!pass) {
          slots.release();
          break;
        }
        rest = rest.slice(pass.rows.length);
        const call = this.sendBatch(this.breakers.guard(vendor), pass.rows, accounts).finally(() => {
          pass.release();
          slots.release();
        });
        const settled = call.catch(() => undefined);
        this.inFlight.add(settled);
        void settled.then(() => this.inFlight.delete(settled));
        calls.push(call);
      }
    }
    return { claimed: claimed.length, done: Promise.all(calls).then(() => undefined) };
  }

  private slotsOf(vendor: string): Slots {
    let slots = this.slots.get(vendor);
    if (!slots) {
      slots = new Slots(this.config.vendors.get(vendor)?.batchesInFlight ?? BATCHES_IN_FLIGHT.default);
      this.slots.set(vendor, slots);
    }
    return slots;
  }

  /**
   * The row's vendor: retry n goes to vendor n mod route length, or the next after it that can carry the message (a
   * template-only vendor refuses a text no template matches) and whose breaker lets it through. Held while every
   * vendor that can carry it is out; when none can, why, to fail the row with.
   */
  private vendorFor(row: Send, account: DispatchAccount | undefined): Carrier {
    const route = account?.route
      ? account.route
          .split(',')
          .map((v) => v.trim())
          .filter((v) => this.vendors.has(v))
      : [];
    const names = route.length > 0 ? route : this.config.route;
    const rotated = names.map((_, i) => this.vendors.get(names[(row.attempts + i) % names.length]!)!);
    return pickCarrier(rotated, messageOf(row, account), (name) => this.breakers.admits(name));
  }

  private async sendBatch(vendor: Vendor, rows: Send[], accounts: Map<number, DispatchAccount>): Promise<void> {
    const messages = rows.map((row) => messageOf(row, accounts.get(row.accountId ?? -1)));
    let outcomes: SendOutcome[];
    const stopTimer = vendorMetrics(vendor.name).callSeconds.startTimer();
    const started = performance.now();
    // The requests that accepted these rows and their batches, for the call's log line (src/requestLog.ts).
    const traced = {
      vendor: vendor.name,
      messages: rows.length,
      req: [...new Set(rows.flatMap((r) => (r.requestId ? [r.requestId] : [])))],
      batch: [...new Set(rows.flatMap((r) => (r.batchId ? [r.batchId] : [])))],
    };
    try {
      outcomes = await vendor.send(messages);
      stopTimer();
      const sent = outcomes.filter((o) => o.ok).length;
      this.log.info(
        { ...traced, ms: Math.round((performance.now() - started) * 100) / 100, sent, refused: outcomes.length - sent },
        'vendor call',
      );
    } catch (err) {
      stopTimer();
      this.log.warn({ err, ...traced }, 'vendor call failed; rows will be retried');
      outcomes = rows.map((row) => ({
        id: row.ID,
        ok: false,
        retryable: true,
        error: `${vendor.name}: ${String((err as Error).message ?? err)}`,
      }));
    }
    await this.record(vendor.name, rows, outcomes);
  }

  /**
   * Records a vendor batch's outcomes in one transaction: one statement each for the accepted, the
   * retried and the failed rows, only rows still held by the claim that sent them (a row whose lease
   * ran out and that was claimed again is left to that claim). Failed rows are refunded and
   * reported, and reports that came before their vendor id are applied.
   */
  private async record(vendor: string, rows: Send[], outcomes: SendOutcome[]): Promise<void> {
    const byId = new Map(outcomes.map((o) => [o.id, o]));
    const at = new Date();
    const accepted: Accepted[] = [];
    const retried: Retried[] = [];
    const failed: FailedRow[] = [];
    for (const row of rows) {
      const outcome: SendOutcome = byId.get(row.ID) ?? {
        id: row.ID,
        ok: false,
        retryable: true,
        error: `${vendor} gave no answer for this message`,
      };
      const attempts = row.attempts + 1;
      // A claimed row carries the token of the claim that gave it to us.
      const claimed = { id: row.ID, claim: row.claimOwner! };
      if (outcome.ok) accepted.push({ ...claimed, vendorMsgId: outcome.vendorMsgId });
      else if (outcome.retryable && attempts < this.config.dispatch.maxAttempts) {
        const nextAttemptAt = new Date(at.getTime() + backoffMs(attempts, this.config.dispatch.retryBaseMs));
        retried.push({ ...claimed, nextAttemptAt, error: outcome.error.slice(0, 255) });
      } else failed.push({ row, error: outcome.error.slice(0, 255) });
    }
    const { refused, delivered } = await inTransaction(this.db, async (m) => {
      const outbox = this.outbox.in(m);
      await outbox.accept(vendor, at, accepted);
      await outbox.retry(vendor, retried);
      const failedNow = new Set(
        await outbox.fail(
          vendor,
          at,
          failed.map((f): Failed => ({ id: f.row.ID, claim: f.row.claimOwner!, error: f.error })),
        ),
      );
      const refused = failed.filter((f) => failedNow.has(f.row.ID));
      await refund(m, refused);
      const reports = this.queues.in(m);
      await reports.queue(refused.map((f) => ({ sendId: f.row.ID, status: ReportStatus.failed, code: 'FAILED', at })));
      const delivered = await applyParked(
        reports,
        vendor,
        accepted.map((a) => a.vendorMsgId),
      );
      return { refused, delivered };
    });
    const counted = vendorMetrics(vendor);
    counted.dispatched.inc(accepted.length);
    counted.retried.inc(retried.length);
    counted.failed.inc(refused.length);
    countDeliveries(delivered);
  }
}

/** A claimed row as its vendor is given it. */
function messageOf(row: Send, account: DispatchAccount | undefined): OutboundMessage {
  return {
    id: row.ID,
    mobile: row.infoto,
    content: row.content,
    isLong: row.isLong === 1,
    segments: row.segments,
    extNo: account?.extNo ?? null,
    signature: account?.signature ?? null,
  };
}

/**
 * Gives back what failed rows took from their pools: one ledger line per batch and pool, as the
 * batch was charged, naming the number (or how many) and why. Accounts in id order, the order
 * MySQL locks them in elsewhere.
 */
async function refund(m: EntityManager, failed: readonly FailedRow[]): Promise<void> {
  const lines = new Map<string, { accountId: number; pool: Pool; batchId: string | null; amount: number; rows: FailedRow[] }>();
  for (const f of failed) {
    const { accountId, msgType, charged, batchId } = f.row;
    if (accountId === null || charged <= 0 || msgType === null || !isPool(msgType)) continue;
    const key = JSON.stringify([accountId, msgType, batchId]);
    const line = lines.get(key) ?? { accountId, pool: msgType, batchId, amount: 0, rows: [] };
    line.amount += charged;
    line.rows.push(f);
    lines.set(key, line);
  }
  for (const line of [...lines.values()].sort((a, b) => a.accountId - b.accountId)) {
    const which = line.rows.length === 1 ? line.rows[0]!.row.infoto : `${line.rows.length} numbers`;
    const why = [...new Set(line.rows.map((f) => f.error))].join('; ');
    await chargeInTransaction(
      m,
      line.accountId,
      line.pool,
      -line.amount,
      'refund',
      'dispatcher',
      line.batchId,
      `${which}: ${why}`.slice(0, 255),
    );
  }
}
