import { type CircuitBreakerPolicy, CircuitState, circuitBreaker, handleAll, SamplingBreaker } from 'cockatiel';
import type { Logger } from '../logger';
import type { VendorConfig } from '../vendors/config';
import type { SendOutcome, Vendor } from '../vendors/types';

/** A vendor's breaker as operators see it (`GET /admin/vendors`): this node's view. */
export interface BreakerStatus {
  vendor: string;
  /** `off` when the vendor's configuration says `breaker: false`. */
  state: 'closed' | 'open' | 'half-open' | 'off';
  /** When it last changed state (null: closed since the node started). */
  since: string | null;
  /** Why it last opened. */
  lastFailure: string | null;
}

const STATE_NAMES: Record<CircuitState, BreakerStatus['state']> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'open',
};

interface Breaker {
  policy: CircuitBreakerPolicy;
  halfOpenAfterMs: number;
  since: number | null;
  lastFailure: string | null;
  /** When a row was last routed to the open vendor as its probe. */
  probeOfferedAt: number;
  guarded: Vendor | null;
}

/**
 * A failed vendor call, for the breaker: it threw (timeout, network, nothing known of the batch),
 * or the vendor took none of the batch and said of every message to try again (5xx, "busy",
 * our account refused). A call with permanent refusals is the vendor working: those are the
 * numbers' or the text's fault.
 */
function failedCall(result: unknown): boolean {
  const outcomes = result as SendOutcome[];
  return Array.isArray(outcomes) && outcomes.length > 0 && outcomes.every((o) => !o.ok && o.retryable);
}

/**
 * One cockatiel circuit breaker per vendor, on this node: a vendor whose calls, over the
 * breaker's window, mostly failed is taken out of the route for `halfOpenAfterMs` (its rows go to
 * the next vendor of their route), then one row probes it, and its answer puts the vendor back or
 * takes it out again. Every change is logged; `status()` is what the admin API shows.
 */
export class VendorBreakers {
  private readonly breakers = new Map<string, Breaker>();

  constructor(configs: Map<string, VendorConfig>, log: Logger) {
    for (const [vendor, config] of configs) {
      const settings = config.limits?.breaker;
      if (settings === false || settings === undefined) continue;
      const { failureRatio, windowMs, minimumCalls, halfOpenAfterMs } = settings;
      const policy = circuitBreaker(handleAll.orWhenResult(failedCall), {
        halfOpenAfter: halfOpenAfterMs,
        // cockatiel counts its minimum in calls per second over the window and opens from `total >= that × window`:
        // half a call less keeps floating-point rounding from asking for one call more.
        breaker: new SamplingBreaker({ threshold: failureRatio, duration: windowMs, minimumRps: (minimumCalls - 0.5) / (windowMs / 1000) }),
      });
      const breaker: Breaker = { policy, halfOpenAfterMs, since: null, lastFailure: null, probeOfferedAt: 0, guarded: null };
      policy.onBreak((reason) => {
        breaker.lastFailure =
          'error' in reason
            ? String((reason.error as Error)?.message ?? reason.error)
            : 'value' in reason
              ? describeFailure(reason.value)
              : 'isolated';
      });
      policy.onStateChange((state) => {
        breaker.since = Date.now();
        breaker.probeOfferedAt = 0;
        const fields = { vendor, breaker: STATE_NAMES[state], lastFailure: breaker.lastFailure };
        if (state === CircuitState.Open)
          log.warn(
            { ...fields, halfOpenAfterMs },
            'vendor breaker open: its calls mostly failed; its rows go to the next vendor of their route',
          );
        else if (state === CircuitState.HalfOpen) log.info(fields, 'vendor breaker half-open: one call probes the vendor');
        else log.info(fields, 'vendor breaker closed: the vendor is back in the route');
      });
      this.breakers.set(vendor, breaker);
    }
  }

  /**
   * Whether a row may go to the vendor now: its breaker is closed, or it has been out long enough
   * and no row was offered as its probe within the last `halfOpenAfterMs` (this row becomes it).
   */
  admits(vendor: string, now = Date.now()): boolean {
    const breaker = this.breakers.get(vendor);
    if (!breaker) return true;
    const state = breaker.policy.state;
    if (state === CircuitState.Closed) return true;
    if (state !== CircuitState.Open) return false;
    if (now - (breaker.since ?? 0) < breaker.halfOpenAfterMs || now - breaker.probeOfferedAt < breaker.halfOpenAfterMs) return false;
    breaker.probeOfferedAt = now;
    return true;
  }

  /** The vendor with its calls counted by its breaker (and refused while it is open); the vendor itself when it has none. */
  guard(vendor: Vendor): Vendor {
    const breaker = this.breakers.get(vendor.name);
    if (!breaker) return vendor;
    breaker.guarded ??= { name: vendor.name, send: (batch) => breaker.policy.execute(() => vendor.send(batch)) };
    return breaker.guarded;
  }

  /** The breaker of each of `vendors`, `off` for those that have none. */
  status(vendors: Iterable<string>): BreakerStatus[] {
    return [...vendors].map((vendor) => {
      const b = this.breakers.get(vendor);
      if (!b) return { vendor, state: 'off', since: null, lastFailure: null };
      const since = b.since === null ? null : new Date(b.since).toISOString();
      return { vendor, state: STATE_NAMES[b.policy.state], since, lastFailure: b.lastFailure };
    });
  }
}

/** The first refusal of a failed batch, as the vendor gave it. */
function describeFailure(value: unknown): string {
  const first = (value as SendOutcome[])[0];
  return first && !first.ok ? first.error : 'failed';
}
