import type { FailureBackoff } from './failureBackoff';

/**
 * A background round (a vendor poll, the customer pushes) run every `intervalMs`, one at a time,
 * waiting as long as `backoff` says while rounds fail. stop() lets the round in hand finish.
 */
export class RepeatingRound {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly round: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly backoff: FailureBackoff,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().then(
        () => {
          this.backoff.succeeded();
          this.schedule(this.intervalMs);
        },
        (err) => this.schedule(this.backoff.failed(err)),
      );
    }, delayMs);
  }
}
