import type { z } from 'zod';
import type { DeliveryReport } from '../core/reports';
import type { InboundReply } from '../core/replies';
import type { Logger } from '../logger';
import type { TemplateBook, TemplateList } from './templates';

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

/**
 * What the vendor said of one message: accepted with its id, or refused and whether trying again
 * may help. `error` keeps the vendor's raw answer, so support can see exactly what it said.
 */
export type SendOutcome = { id: number; ok: true; vendorMsgId: string } | { id: number; ok: false; retryable: boolean; error: string };

/** What a push or a poll brought: reports and replies, already normalized. */
export interface VendorNews {
  reports?: DeliveryReport[];
  replies?: InboundReply[];
}

/** A vendor's HTTP push to `/callbacks/<vendor name>/<kind>`, as received. */
export interface PushRequest {
  method: string;
  /** The raw query string, undecoded: vendors percent-encode in their own charset. */
  query: string;
  body: Buffer;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
  ip: string;
}

/** The exact answer a vendor expects to a push (`OK`, `0`, `<returncode>0</returncode>`, JSON …). */
export interface PushAnswer {
  status?: number;
  contentType: string;
  body: string | Buffer;
}

export type PushKind = 'reports' | 'replies';

export interface PushHandler {
  /** Parses the push; throws when it is malformed or fails the vendor's signature check. */
  parse(push: PushRequest): VendorNews;
  /** The answer for a push that was applied (true) or refused or could not be stored (false). */
  answer(applied: boolean): PushAnswer;
}

/**
 * A pull-only vendor's queue (reports, replies) that hands each item out once. The poller calls
 * `fetch` on the interval and commits what it returned before it fetches again.
 */
export interface VendorPoll {
  name: string;
  intervalMs: number;
  fetch(): Promise<VendorNews>;
}

/** The vendor account's balance as the vendor tells it (messages, or money where it counts money). */
export interface VendorBalance {
  balance: number;
  /** The vendor's raw answer. */
  raw: string;
}

/**
 * A backend vendor. `send` turns a batch of claimed rows into the vendor's request(s) and the
 * answer into one outcome per row; it throws only when nothing is known of the batch (network
 * down, timeout), which the dispatcher treats as retryable for every row.
 */
export interface Vendor {
  readonly name: string;
  send(batch: OutboundMessage[]): Promise<SendOutcome[]>;
  /** Pushes the vendor sends to the gateway's callback URLs. */
  readonly push?: Partial<Record<PushKind, PushHandler>>;
  /** Queues the vendor hands out on request. */
  readonly polls?: VendorPoll[];
  balance?(): Promise<VendorBalance>;
  /**
   * Why this vendor cannot carry a message at all (a template-only vendor and a text no template matches), or null
   * when it can. The dispatcher asks before choosing the vendor, so such a message goes to the next vendor of its route.
   */
  refusal?(message: OutboundMessage): string | null;
  /** A template-only vendor's templates: its rules and, where it lists them, its fetched list (see templates.ts). */
  readonly templates?: { book: TemplateBook; list?: TemplateList };
  stop?(): Promise<void>;
}

/** What every adapter is given besides its settings. */
export interface VendorContext {
  /** The vendor's name in this installation (the key under `vendors:`). */
  name: string;
  /** Stores reports and replies that come neither through a push nor a poll (the simulator's own). */
  store(news: VendorNews): Promise<void>;
  log: Logger;
}

/**
 * An adapter as data: its type name (fixed, so configuration files stay valid across versions),
 * the settings it takes (validated generically at start) and how to build it.
 */
export interface VendorType<S extends z.ZodObject = z.ZodObject> {
  type: string;
  settings: S;
  create(settings: z.infer<S>, context: VendorContext): Vendor;
}

export function defineVendor<S extends z.ZodObject>(definition: VendorType<S>): VendorType<S> {
  return definition;
}
