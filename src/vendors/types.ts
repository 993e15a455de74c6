import type { DeliveryReport } from '../core/reports';
import type { Reply } from '../../entities';
import type { InboundReply } from '../core/replies';

/** One claimed `send` row, as an adapter needs it. */
export interface OutboundMessage {
  id: number;
  mobile: string;
  content: string;
  isLong: boolean;
  segments: number;
  extNo: string | null;
  signature: string | null;
}

/** What the vendor said of one message: accepted with its id, or refused and whether trying again may help. */
export type SendOutcome = { id: number; ok: true; vendorMsgId: string } | { id: number; ok: false; retryable: boolean; error: string };

/** Where adapters deliver what their vendor pushes or answers to polls, already normalized. */
export interface VendorEvents {
  reports(reports: DeliveryReport[]): Promise<unknown>;
  reply(reply: InboundReply): Promise<Reply | null>;
}

/**
 * A backend vendor. `send` turns a batch of claimed rows into the vendor's request(s) and the
 * answer into one outcome per row; it throws only when nothing is known of the batch (network
 * down), which the dispatcher treats as retryable for every row.
 */
export interface Vendor {
  readonly name: string;
  send(batch: OutboundMessage[]): Promise<SendOutcome[]>;
  stop?(): Promise<void>;
}
