import { randomUUID } from 'node:crypto';
import { OutboundMessage, SendOutcome, Vendor, VendorEvents } from './types';

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

  constructor(private readonly options: SimulatorOptions, private readonly events: VendorEvents) {}

  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    return batch.map((message) => {
      const vendorMsgId = randomUUID();
      const delivered = Math.random() < this.options.successRatio;
      this.later(this.options.delayMs, () => this.report(vendorMsgId, message.mobile, delivered));
      return { id: message.id, ok: true as const, vendorMsgId };
    });
  }

  injectReply(mobile: string, content: string, username?: string): ReturnType<VendorEvents['reply']> {
    return this.events.reply({ vendor: this.name, mobile, content, username, at: new Date() });
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async report(vendorMsgId: string, mobile: string, delivered: boolean): Promise<void> {
    await this.events.report({
      vendor: this.name, vendorMsgId, mobile, outcome: delivered ? 'delivered' : 'failed', code: delivered ? 'DELIVRD' : 'UNDELIV', at: new Date(),
    }).catch(() => undefined);
  }

  private later(ms: number, fn: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void fn();
    }, ms);
    this.timers.add(timer);
  }
}
