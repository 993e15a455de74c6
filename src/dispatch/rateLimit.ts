import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import type { Send } from '../../entities';
import { mysqlPool, sqliteWrite } from '../db/raw';
import type { Logger } from '../logger';
import { requestsPerBatch, type VendorConfig } from '../vendors/config';
import type { VendorLimits } from '../vendors/settings';

type RateLimit = NonNullable<VendorLimits['rateLimit']>;

/** A vendor's rate and the size of its bucket. */
interface Bucket {
  rate: RateLimit;
  capacity: number;
}

/**
 * The statements behind the shared limits, one set per dialect, each a single statement on the
 * `vendor_rate` and `vendor_slot` tables that computes with the database's clock.
 */
interface LimitStatements {
  /** Creates the vendor's bucket, full (unless it has no rate: `capacity` null), and its first `slots` slots, where no node has yet. */
  prepare(vendor: string, capacity: number | null, slots: number): Promise<void>;
  /**
   * Takes `cost` tokens if the bucket, refilled at `perSecond` up to `capacity` since it was last
   * touched, holds at least `needed`; the bucket may go below zero (a part dearer than the whole
   * bucket). Returns whether it took them, and otherwise what the bucket holds.
   */
  take(vendor: string, cost: number, needed: number, perSecond: number, capacity: number): Promise<{ taken: boolean; tokens: number }>;
  /** Leases up to `count` free slots among the vendor's first `limit` to `holder`; returns how many it got. */
  lease(vendor: string, holder: string, count: number, limit: number, leaseSeconds: number): Promise<number>;
  release(holder: string): Promise<void>;
}

/** The bucket's content refilled to now; parameters: capacity, perSecond. */
const refilled = (now: string) => `MIN_OF(?, tokens + MAX_OF(0, ${now} - refilled_at) * ?)`;

function dialect(sql: string, now: string, least: string, greatest: string): string {
  return sql.replaceAll('NOW_S', now).replaceAll('MIN_OF', least).replaceAll('MAX_OF', greatest);
}

/** Shared by both dialects: the conditional take, and the read that tells how long to wait after a refusal. */
const TAKE = `UPDATE vendor_rate SET tokens = ${refilled('NOW_S')} - ?, refilled_at = MAX_OF(refilled_at, NOW_S)
               WHERE vendor = ? AND ${refilled('NOW_S')} >= ?`;
const TOKENS = `SELECT ${refilled('NOW_S')} AS tokens FROM vendor_rate WHERE vendor = ?`;
const FREE_SLOT = '(holder IS NULL OR lease_until < NOW_S)';

class MysqlLimits implements LimitStatements {
  private readonly pool;
  private readonly sql;

  constructor(db: DataSource) {
    this.pool = mysqlPool(db);
    const my = (sql: string) => dialect(sql, 'UNIX_TIMESTAMP(NOW(6))', 'LEAST', 'GREATEST');
    this.sql = {
      bucket: my('INSERT IGNORE INTO vendor_rate (vendor, tokens, refilled_at) VALUES (?, ?, NOW_S)'),
      take: my(TAKE),
      tokens: my(TOKENS),
      // MySQL's UPDATE takes ORDER BY and LIMIT; every node scans the slots in the same order, so none deadlocks.
      lease: my(
        `UPDATE vendor_slot SET holder = ?, lease_until = NOW_S + ? WHERE vendor = ? AND slot <= ? AND ${FREE_SLOT} ORDER BY slot LIMIT ?`,
      ),
      release: 'UPDATE vendor_slot SET holder = NULL, lease_until = NULL WHERE holder = ?',
    };
  }

  async prepare(vendor: string, capacity: number | null, slots: number): Promise<void> {
    if (capacity !== null) await this.pool.execute(this.sql.bucket, [vendor, capacity]);
    if (slots === 0) return;
    const values = Array.from({ length: slots }, (_, i) => [vendor, i + 1]);
    await this.pool.query('INSERT IGNORE INTO vendor_slot (vendor, slot) VALUES ?', [values]);
  }

  async take(vendor: string, cost: number, needed: number, perSecond: number, capacity: number) {
    const [result] = await this.pool.execute<ResultSetHeader>(this.sql.take, [
      capacity,
      perSecond,
      cost,
      vendor,
      capacity,
      perSecond,
      needed,
    ]);
    if (result.affectedRows === 1) return { taken: true, tokens: 0 };
    const [rows] = await this.pool.execute<RowDataPacket[]>(this.sql.tokens, [capacity, perSecond, vendor]);
    return { taken: false, tokens: Number(rows[0]?.tokens ?? 0) };
  }

  async lease(vendor: string, holder: string, count: number, limit: number, leaseSeconds: number): Promise<number> {
    const [result] = await this.pool.execute<ResultSetHeader>(this.sql.lease, [holder, leaseSeconds, vendor, limit, count]);
    return result.affectedRows;
  }

  async release(holder: string): Promise<void> {
    await this.pool.execute(this.sql.release, [holder]);
  }
}

class SqliteLimits implements LimitStatements {
  private readonly sql;

  constructor(private readonly db: DataSource) {
    const lite = (sql: string) => dialect(sql, "unixepoch('subsec')", 'MIN', 'MAX');
    this.sql = {
      bucket: lite('INSERT OR IGNORE INTO vendor_rate (vendor, tokens, refilled_at) VALUES (?, ?, NOW_S)'),
      slots: `WITH RECURSIVE n(slot) AS (SELECT 1 UNION ALL SELECT slot + 1 FROM n WHERE slot < ?)
              INSERT OR IGNORE INTO vendor_slot (vendor, slot) SELECT ?, slot FROM n`,
      take: lite(TAKE),
      tokens: lite(TOKENS),
      lease: lite(
        `UPDATE vendor_slot SET holder = ?, lease_until = NOW_S + ?
          WHERE vendor = ? AND slot IN (SELECT slot FROM vendor_slot WHERE vendor = ? AND slot <= ? AND ${FREE_SLOT} ORDER BY slot LIMIT ?)`,
      ),
      release: 'UPDATE vendor_slot SET holder = NULL, lease_until = NULL WHERE holder = ?',
    };
  }

  prepare(vendor: string, capacity: number | null, slots: number): Promise<void> {
    return sqliteWrite(this.db, (sqlite) => {
      if (capacity !== null) sqlite.prepare(this.sql.bucket).run(vendor, capacity);
      if (slots > 0) sqlite.prepare(this.sql.slots).run(slots, vendor);
    });
  }

  take(vendor: string, cost: number, needed: number, perSecond: number, capacity: number) {
    return sqliteWrite(this.db, (sqlite) => {
      const { changes } = sqlite.prepare(this.sql.take).run(capacity, perSecond, cost, vendor, capacity, perSecond, needed);
      if (changes === 1) return { taken: true, tokens: 0 };
      const row = sqlite.prepare(this.sql.tokens).get(capacity, perSecond, vendor) as { tokens: number } | undefined;
      return { taken: false, tokens: row?.tokens ?? 0 };
    });
  }

  lease(vendor: string, holder: string, count: number, limit: number, leaseSeconds: number): Promise<number> {
    return sqliteWrite(this.db, (sqlite) => sqlite.prepare(this.sql.lease).run(holder, leaseSeconds, vendor, vendor, limit, count).changes);
  }

  async release(holder: string): Promise<void> {
    await sqliteWrite(this.db, (sqlite) => sqlite.prepare(this.sql.release).run(holder));
  }
}

/** Rows a vendor may take now, and what gives their open-request slots back once their call is over. */
export interface Pass {
  rows: Send[];
  release(): void;
}

/** How often a part waiting for open-request slots asks again, at first and at most. */
const SLOT_POLL_MS = { first: 10, max: 200 } as const;
/** The longest a part waiting for tokens sleeps before it asks again (other nodes may have taken them). */
const TOKEN_POLL_MAX_MS = 1000;

/**
 * Each vendor's rate (`rateLimit`: messages or segments per second) and open requests
 * (`openRequests`), honoured together by every node sharing the database, so that no Redis or
 * other store is needed: the rate is a token bucket row refilled and drawn from by one UPDATE on
 * the database's clock, the open requests are slot rows a batch leases until its rows' lease
 * would end (a dead node's slots come back then). A batch that finds no budget waits while its
 * rows stay claimed; what is still waiting when the wait would outlast the rows' lease is left
 * unsent, and comes back when the lease ends, with no attempt counted. A vendor with neither
 * limit costs no statement.
 */
export class VendorLimiter {
  private readonly store: LimitStatements;
  private readonly prepared = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private leases = 0;

  constructor(
    db: DataSource,
    private readonly configs: Map<string, VendorConfig>,
    private readonly owner: string,
    private readonly leaseMs: number,
    private readonly log: Logger,
  ) {
    this.store = db.options.type === 'mysql' ? new MysqlLimits(db) : new SqliteLimits(db);
  }

  /** Ends every wait: what was waiting stays unsent, for its lease to bring back. */
  stop(): void {
    this.stopping.abort();
  }

  /**
   * The leading rows of `rows` the vendor may take now, once it may (null when `leaseEnd`, the
   * rows' lease, would come before the vendor's answer could: the rows are left to come back).
   */
  async admit(vendor: string, rows: readonly Send[], leaseEnd: number): Promise<Pass | null> {
    const config = this.configs.get(vendor);
    const rate = config?.limits?.rateLimit;
    const openRequests = config?.limits?.openRequests;
    if (!rate && !openRequests) return { rows: [...rows], release: () => undefined };
    const timeoutMs = typeof config?.settings.timeoutMs === 'number' ? config.settings.timeoutMs : 0;
    const until = leaseEnd - timeoutMs;
    const bucket: Bucket | null = rate ? { rate, capacity: bucketCapacity(rate) } : null;
    const part = bucket ? within(rows, bucket) : [...rows];
    await this.prepare(vendor, bucket?.capacity ?? null, openRequests ?? 0);
    const holder = openRequests ? `${this.owner}:${++this.leases}` : null;
    const slots = Math.min(requestsPerBatch(config!), part.length);
    if (holder && !(await this.leaseSlots(vendor, holder, slots, openRequests!, until))) return this.leftOver(vendor, rows);
    if (bucket && !(await this.takeTokens(vendor, part, bucket, until))) {
      if (holder) await this.store.release(holder);
      return this.leftOver(vendor, rows);
    }
    const release = () => {
      if (!holder) return;
      this.store
        .release(holder)
        .catch((err) => this.log.warn({ err, vendor }, 'open-request slots not given back; they come back when their lease ends'));
    };
    return { rows: part, release };
  }

  private leftOver(vendor: string, rows: readonly Send[]): null {
    if (!this.stopping.signal.aborted)
      this.log.info(
        { vendor, rows: rows.length },
        "rows left for later: the vendor's rate or open-request limit leaves them no room within their lease",
      );
    return null;
  }

  private prepare(vendor: string, capacity: number | null, slots: number): Promise<void> {
    let prepared = this.prepared.get(vendor);
    if (!prepared) {
      prepared = this.store.prepare(vendor, capacity, slots);
      // A failure is tried again by the next batch.
      prepared.catch(() => this.prepared.delete(vendor));
      this.prepared.set(vendor, prepared);
    }
    return prepared;
  }

  /** Leases `count` slots (all or none); false when `until` came first. */
  private async leaseSlots(vendor: string, holder: string, count: number, limit: number, until: number): Promise<boolean> {
    for (let pollMs: number = SLOT_POLL_MS.first; ; pollMs = Math.min(pollMs * 2, SLOT_POLL_MS.max)) {
      const got = await this.store.lease(vendor, holder, count, limit, this.leaseMs / 1000);
      if (got === count) return true;
      if (got > 0) await this.store.release(holder);
      if (!(await this.sleepUntil(pollMs, until))) return false;
    }
  }

  /** Takes the part's tokens; false when `until` came first. */
  private async takeTokens(vendor: string, part: readonly Send[], { rate, capacity }: Bucket, until: number): Promise<boolean> {
    const cost = part.reduce((sum, row) => sum + costOf(row, rate), 0);
    const needed = Math.min(cost, capacity);
    for (;;) {
      const { taken, tokens } = await this.store.take(vendor, cost, needed, rate.perSecond, capacity);
      if (taken) return true;
      const refillMs = ((needed - tokens) / rate.perSecond) * 1000;
      if (!(await this.sleepUntil(Math.min(Math.max(refillMs, 1), TOKEN_POLL_MAX_MS), until))) return false;
    }
  }

  /** Sleeps `ms`; false, at once, when that would pass `until` or the limiter is stopping. */
  private sleepUntil(ms: number, until: number): Promise<boolean> {
    const signal = this.stopping.signal;
    if (signal.aborted || Date.now() + ms > until) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (woken: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(woken);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      signal.addEventListener('abort', onAbort);
    });
  }
}

/** The bucket's size: `burst`, else one second of the rate; never less than one token. */
export function bucketCapacity(rate: RateLimit): number {
  return Math.max(1, rate.burst ?? rate.perSecond);
}

function costOf(row: Send, rate: RateLimit): number {
  return rate.counts === 'segments' ? Math.max(1, row.segments) : 1;
}

/** The leading rows that together cost no more than the bucket holds when full (at least one row). */
function within(rows: readonly Send[], { rate, capacity }: Bucket): Send[] {
  let cost = 0;
  let n = 0;
  while (n < rows.length && (n === 0 || cost + costOf(rows[n]!, rate) <= capacity)) cost += costOf(rows[n++]!, rate);
  return rows.slice(0, n);
}
