import {
  AggregatorRegistry,
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  type MetricObjectWithValues,
  type MetricValue,
  Registry,
} from 'prom-client';
import type { FailureCode } from './core/failures';
import type { DeliveryReport } from './core/reports';
import type { BreakerStatus } from './dispatch/breakers';
import type { OutboxDepth } from './dispatch/outbox/depth';

/**
 * The process's Prometheus metrics (docs/metrics.md), served at GET /metrics. Every label value comes
 * from a bounded set: contract and vendor names from the configuration, the core's failure codes,
 * delivery statuses, served paths. Numbers, batch ids and usernames are never labels.
 *
 * The accept path runs at thousands of calls a second, so its counters are bound to their labels once
 * (prom-client's `labels()` hashes its arguments at every call) and an increment is a map lookup and an add.
 * Depths (outbox, queues) and breaker states are read when Prometheus scrapes, not kept up to date.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** A metric's children by one bounded key, each made at its first use and reused after. */
function cached<K, V>(make: (key: K) => V): (key: K) => V {
  const children = new Map<K, V>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) {
      child = make(key);
      children.set(key, child);
    }
    return child;
  };
}

const accepted = new Counter({
  name: 'smsgw_messages_accepted_total',
  help: 'Messages (one per recipient) stored in the outbox, by the contract that took them and the balance pool charged',
  labelNames: ['contract', 'pool'],
  registers: [registry],
});
const numbersRefused = new Counter({
  name: 'smsgw_numbers_refused_total',
  help: 'Numbers of an accepted send stored as failed at once: invalidMobile (not a number), tooFrequent (over a per-number limit)',
  labelNames: ['contract', 'reason'],
  registers: [registry],
});
const requestsRefused = new Counter({
  name: 'smsgw_requests_refused_total',
  help: "Calls of any operation refused as a whole, by the core's failure code",
  labelNames: ['contract', 'reason'],
  registers: [registry],
});

/** What a face counts of its calls, bound to its contract's name once. */
export interface ContractMetrics {
  /** A send stored: its accepted messages and the numbers refused in it. A repeated serial number stored nothing and counts nothing. */
  sent(pool: number, result: { accepted: number; invalid: readonly string[]; limited: readonly string[]; repeated: boolean }): void;
  refused(code: FailureCode): void;
}

/** The counters of one contract (userApi, userApiHttp, ums, umsHttp, or a served contract's name). */
export function contractMetrics(contract: string): ContractMetrics {
  const byPool = cached((pool: number) => accepted.labels(contract, String(pool)));
  const invalid = numbersRefused.labels(contract, 'invalidMobile');
  const limited = numbersRefused.labels(contract, 'tooFrequent');
  const refusedBy = cached((code: FailureCode) => requestsRefused.labels(contract, code));
  return {
    sent(pool, result) {
      if (result.repeated) return;
      byPool(pool).inc(result.accepted);
      if (result.invalid.length > 0) invalid.inc(result.invalid.length);
      if (result.limited.length > 0) limited.inc(result.limited.length);
    },
    refused: (code) => refusedBy(code).inc(),
  };
}

const dispatched = new Counter({
  name: 'smsgw_messages_dispatched_total',
  help: 'Messages a vendor accepted (it gave a message id)',
  labelNames: ['vendor'],
  registers: [registry],
});
const sendFailed = new Counter({
  name: 'smsgw_messages_send_failed_total',
  help: 'Messages a vendor did not take: outcome "retry" goes out again later (perhaps through the next vendor), "final" failed for good and was refunded',
  labelNames: ['vendor', 'outcome'],
  registers: [registry],
});
const vendorCallSeconds = new Histogram({
  name: 'smsgw_vendor_call_duration_seconds',
  help: "One vendor call (a batch of messages), from the dispatcher's request to the vendor's answer or error",
  labelNames: ['vendor'],
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});
const deliveries = new Counter({
  name: 'smsgw_deliveries_total',
  help: 'Delivery reports applied to their message, by vendor and normalized status (delivered, undelivered, expired, rejected, unknown)',
  labelNames: ['vendor', 'status'],
  registers: [registry],
});

/** What the dispatcher counts of one vendor. */
export interface VendorMetrics {
  dispatched: Counter.Internal;
  retried: Counter.Internal;
  failed: Counter.Internal;
  callSeconds: Histogram.Internal<'vendor'>;
}

export const vendorMetrics = cached(
  (vendor: string): VendorMetrics => ({
    dispatched: dispatched.labels(vendor),
    retried: sendFailed.labels(vendor, 'retry'),
    failed: sendFailed.labels(vendor, 'final'),
    callSeconds: vendorCallSeconds.labels(vendor),
  }),
);

const deliveriesOf = cached((vendor: string) => cached((status: DeliveryReport['status']) => deliveries.labels(vendor, status)));

/** Counts reports once their transaction committed (a rolled-back or retried one would count twice). */
export function countDeliveries(applied: readonly DeliveryReport[]): void {
  for (const report of applied) deliveriesOf(report.vendor)(report.status).inc();
}

const callbacksReceived = new Counter({
  name: 'smsgw_callbacks_received_total',
  help: "Vendors' pushes (reports, replies) to /callbacks/<vendor>/…, whatever became of them",
  labelNames: ['vendor', 'kind'],
  registers: [registry],
});
const callbacksRefused = new Counter({
  name: 'smsgw_callbacks_refused_total',
  help: 'Pushes answered with the vendor\'s error: reason "notAllowed" (caller outside pushAllowIps), "unreadable" (parse or check failed), "notStored" (database)',
  labelNames: ['vendor', 'kind', 'reason'],
  registers: [registry],
});

export type CallbackRefusal = 'notAllowed' | 'unreadable' | 'notStored';

/** A push of a configured vendor's callback (URLs naming no vendor are not counted: their name is the caller's text). */
export function countCallback(vendor: string, kind: string, refusal?: CallbackRefusal): void {
  callbacksReceived.labels(vendor, kind).inc();
  if (refusal) callbacksRefused.labels(vendor, kind, refusal).inc();
}

const databaseErrors = new Counter({
  name: 'smsgw_database_errors_total',
  help: 'Errors the database gave: "request" failed a caller\'s request (answered with the contract\'s internal error), "background" a loop (dispatch, polls, pushes, sweeps) that retries with backoff',
  labelNames: ['where'],
  registers: [registry],
});
const databaseErrorsIn = {
  request: databaseErrors.labels('request'),
  background: databaseErrors.labels('background'),
};

/** Whether an error came from the database: a failed statement (TypeORM's wrapper, the drivers' codes) or a lost connection. */
export function isDatabaseError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { name?: string; code?: unknown; driverError?: unknown; sqlState?: unknown; fatal?: unknown };
  if (e.name === 'QueryFailedError' || e.driverError !== undefined || e.sqlState !== undefined || e.fatal === true) return true;
  return typeof e.code === 'string' && /^(ER_|SQLITE_|PROTOCOL_)/.test(e.code);
}

export function countDatabaseError(err: unknown, where: keyof typeof databaseErrorsIn): void {
  if (isDatabaseError(err)) databaseErrorsIn[where].inc();
}

const httpSeconds = new Histogram({
  name: 'smsgw_http_request_duration_seconds',
  help: "HTTP requests, by route (a served contract's path, /admin, /callbacks, /metrics, /healthz, /readyz, /console, or other) and status class",
  labelNames: ['route', 'status'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
  registers: [registry],
});
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
const httpByRoute = cached((route: string) => STATUS_CLASSES.map((status) => httpSeconds.labels(route, status)));

/** `route` must come from a bounded set (the caller maps raw paths onto it). */
export function observeHttp(route: string, status: number, seconds: number): void {
  const byClass = httpByRoute(route);
  (byClass[Math.floor(status / 100) - 1] ?? byClass[4]!).observe(seconds);
}

const groupSize = new Histogram({
  name: 'smsgw_group_commit_submissions',
  help: 'Submissions (accepted calls, from any face and account) written in one group commit transaction',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
  registers: [registry],
});

export function observeGroupCommit(submissions: number): void {
  groupSize.observe(submissions);
}

/** What a scrape reads from the running gateway. */
export interface ScrapeSources {
  outbox(): Promise<OutboxDepth>;
  /** Reports and replies stored for their accounts and not fetched yet. */
  unfetched(): Promise<{ reports: number; replies: number }>;
  breakers(): Promise<BreakerStatus[]>;
}

let sources: ScrapeSources | null = null;

/** Makes the scrape read this gateway; the function returned stops it (when the gateway stops). */
export function scrapeFrom(gateway: ScrapeSources): () => void {
  sources = gateway;
  return () => {
    if (sources === gateway) sources = null;
  };
}

/** One scrape's outbox reading, shared by the four gauges that show it. */
let outboxReading: Promise<OutboxDepth> | null = null;
function readOutbox(from: ScrapeSources): Promise<OutboxDepth> {
  outboxReading ??= from.outbox().finally(() => {
    outboxReading = null;
  });
  return outboxReading;
}

function outboxGauge(name: string, help: string, pick: (depth: OutboxDepth) => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      if (sources) this.set(pick(await readOutbox(sources)));
    },
  });
}
outboxGauge('smsgw_outbox_waiting', 'Outbox rows waiting for a vendor: due now or at their retry time', (d) => d.waiting);
outboxGauge('smsgw_outbox_leased', 'Outbox rows claimed by a dispatcher, their vendor call in flight', (d) => d.leased);
outboxGauge('smsgw_outbox_scheduled', 'Outbox rows scheduled by their caller for later', (d) => d.scheduled);
outboxGauge('smsgw_outbox_submitted', 'Rows given to a vendor that has not reported them yet', (d) => d.submitted);
outboxGauge('smsgw_outbox_oldest_waiting_seconds', 'Age of the oldest waiting outbox row (0 when none waits)', (d) =>
  d.oldestWaitingAt ? Math.max(0, (Date.now() - d.oldestWaitingAt.getTime()) / 1000) : 0,
);

new Gauge({
  name: 'smsgw_unfetched',
  help: 'Reports and replies stored for their accounts that the accounts have not fetched yet',
  labelNames: ['queue'],
  registers: [registry],
  async collect() {
    if (!sources) return;
    const { reports, replies } = await sources.unfetched();
    this.labels('reports').set(reports);
    this.labels('replies').set(replies);
  },
});

const BREAKER_STATES: Partial<Record<BreakerStatus['state'], number>> = { closed: 0, 'half-open': 1, open: 2 };

new Gauge({
  name: 'smsgw_vendor_breaker_state',
  help: "This node's circuit breaker per vendor: 0 closed, 1 half-open, 2 open (vendors with breaker: false have none)",
  labelNames: ['vendor'],
  registers: [registry],
  async collect() {
    const states = (await sources?.breakers()) ?? [];
    this.reset();
    for (const { vendor, state } of states) {
      const value = BREAKER_STATES[state];
      if (value !== undefined) this.labels(vendor).set(value);
    }
  },
});

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Other threads' gateway metrics (the delivery thread's), merged into every scrape. */
const otherThreads = new Set<() => Promise<MetricsJson>>();

/** Adds a thread's metrics to the scrape; the function returned removes them. */
export function addMetricsSource(read: () => Promise<MetricsJson>): () => void {
  otherThreads.add(read);
  return () => otherThreads.delete(read);
}

/** This thread's gateway metrics, for the thread that scrapes: the process metrics are that thread's own. */
export async function ownMetrics(): Promise<MetricsJson> {
  return ((await registry.getMetricsAsJSON()) as MetricsJson).filter((m) => m.name.startsWith('smsgw_'));
}

/** The scrape: this thread's metrics, with the other threads' counters and histograms added in. */
export async function scrape(): Promise<string> {
  if (otherThreads.size === 0) return registry.metrics();
  const parts = await Promise.all([registry.getMetricsAsJSON() as Promise<MetricsJson>, ...[...otherThreads].map((read) => read())]);
  return AggregatorRegistry.aggregate(parts).metrics();
}
