import type { Logger } from '../logger';
import { countDatabaseError } from '../metrics';

/**
 * Paces a background loop (dispatch, a vendor poll, a sweep) while what it needs keeps failing,
 * typically the database: the delay doubles up to a ceiling, the first failure is logged in full,
 * then one summary line per interval, and the recovery once.
 */
export class FailureBackoff {
  private failures = 0;
  private since = 0;
  private lastSummary = 0;

  constructor(
    private readonly what: string,
    private readonly log: Logger,
    private readonly baseMs: number,
    private readonly maxMs = 30_000,
    private readonly summaryEveryMs = 60_000,
  ) {}

  /** Records a failure; returns how long to wait before trying again. */
  failed(err: unknown, now = Date.now()): number {
    this.failures++;
    countDatabaseError(err, 'background');
    if (this.failures === 1) {
      this.since = now;
      this.lastSummary = now;
      this.log.error({ err }, `${this.what} failed; retrying with backoff`);
    } else if (now - this.lastSummary >= this.summaryEveryMs) {
      this.lastSummary = now;
      this.log.error({ failures: this.failures, sinceMs: now - this.since, reason: (err as Error)?.message }, `${this.what} still failing`);
    }
    return Math.min(this.baseMs * 2 ** Math.min(this.failures, 20), this.maxMs);
  }

  /** Records a success; logs the recovery after failures. */
  succeeded(now = Date.now()): void {
    if (this.failures === 0) return;
    this.log.info({ failures: this.failures, downMs: now - this.since }, `${this.what} recovered`);
    this.failures = 0;
  }
}
