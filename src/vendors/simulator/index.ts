import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { DeliveryReport } from '../../core/reports';
import { defineVendor, type OutboundMessage, type SendOutcome, type Vendor, type VendorContext } from '../types';

const settings = z.strictObject({
  /** Time from acceptance to the delivery report. */
  delayMs: z.int().min(0).max(3_600_000).default(2000),
  /** Share of messages reported delivered; the others are reported UNDELIV. */
  successRatio: z.number().min(0).max(1).default(0.95),
});

/**
 * The built-in vendor: accepts every message, then reports each one after a delay, delivered or
 * not by the configured ratio, so that the whole loop runs with no vendor configured.
 */
class SimulatorVendor implements Vendor {
  readonly name: string;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: z.infer<typeof settings>,
    private readonly context: VendorContext,
  ) {
    this.name = context.name;
  }

  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const outcomes = batch.map((message) => ({ id: message.id, ok: true as const, vendorMsgId: randomUUID() }));
    const delivered = batch.map(() => Math.random() < this.options.successRatio);
    // One push for the whole batch, as real vendors push arrays of reports.
    this.later(this.options.delayMs, async () => {
      const at = new Date();
      const reports = batch.map(
        (message, i): DeliveryReport => ({
          vendor: this.name,
          vendorMsgId: outcomes[i]!.vendorMsgId,
          mobile: message.mobile,
          status: delivered[i] ? 'delivered' : 'undelivered',
          code: delivered[i] ? 'DELIVRD' : 'UNDELIV',
          at,
        }),
      );
      await this.context
        .store({ reports })
        .catch((err) => this.context.log.warn({ err, vendor: this.name }, 'simulator reports not recorded'));
    });
    return outcomes;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, fn: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void fn();
    }, ms);
    this.timers.add(timer);
  }
}

export const simulator = defineVendor({
  type: 'simulator',
  settings,
  create: (options, context) => new SimulatorVendor(options, context),
});
