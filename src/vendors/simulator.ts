import { randomUUID } from 'node:crypto';
import type { DeliveryReport } from '../core/reports';
import type { OutboundMessage, SendOutcome, Vendor, VendorEvents } from './types';

export interface SimulatorOptions {
  /** Time from acceptance to the delivery report. */
  delayMs: number;
  /** Share of messages reported delivered; the others are reported UNDELIV. */
  successRatio: number;
}

/**
 * The built-in vendor: accepts every message, then reports each one after a delay, delivered or
 * not by the configured ratio, so that the whole loop runs with no vendor configured. Operators
 * and tests inject inbound replies through it.
 */
export class SimulatorVendor implements Vendor {
  readonly name = 'simulator';
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly options: SimulatorOptions,
    private readonly events: VendorEvents,
  ) {}

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
          outcome: delivered[i] ? 'delivered' : 'failed',
          code: delivered[i] ? 'DELIVRD' : 'UNDELIV',
          at,
        }),
      );
      await this.events.reports(reports).catch(() => undefined);
    });
    return outcomes;
  }

  injectReply(mobile: string, content: string, username?: string): ReturnType<VendorEvents['reply']> {
    return this.events.reply({ vendor: this.name, mobile, content, username, at: new Date() });
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
