import { randomUUID } from 'node:crypto';
import { errors, type PDU, type ShortMessage } from 'smpp';
import { z } from 'zod';
import type { DeliveryReport } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile, withSignature } from '../common';
import { signatureSettings } from '../settings';
import { defineVendor, type OutboundMessage, type SendOutcome, type Vendor, type VendorContext } from '../types';
import { DATA_CODING_UCS2, isDeliveryReceipt, messageReceipt, type Part, parseReceipt, receiptStatus, ucs2Parts } from './message';
import { EsmeSession, statusName } from './session';

const settings = z.strictObject({
  host: z.string().min(1),
  // Coerced: a port often comes from the environment as `${SMSC_PORT}`.
  port: z.coerce.number().int().min(1).max(65535).default(2775),
  /** bind_transceiver's system_id, password (at most 8 characters, SMPP 3.4 5.2.1) and system_type. */
  systemId: z.string().min(1).max(15),
  password: z.string().max(8),
  systemType: z.string().max(12).default(''),
  /** Our source address (接入号 / service number); the account's extension is written after it. */
  sourceAddr: z.string().max(20).default(''),
  /** submit_sm waiting for their submit_sm_resp, at most: the SMSC's window. */
  window: z.int().min(1).max(1000).default(10),
  enquireLinkMs: z.int().min(100).max(600_000).default(30_000),
  responseTimeoutMs: z.int().min(100).max(60_000).default(5_000),
  reconnectMinMs: z.int().min(10).max(600_000).default(1_000),
  reconnectMaxMs: z.int().min(10).max(3_600_000).default(60_000),
  throttleBackoffMs: z.int().min(10).max(60_000).default(500),
  throttleBackoffMaxMs: z.int().min(10).max(600_000).default(8_000),
  /** A dispatch batch's limit: submits still waiting (for the bind, the window, a throttling pause) then are retried. */
  timeoutMs: z.int().min(100).max(30_000).default(10_000),
  /** Ask for delivery receipts (registered_delivery 1). */
  registeredDelivery: z.boolean().default(true),
  /** Parts of long messages sent whose receipts are awaited, remembered at most (the oldest are forgotten). */
  receiptMemory: z.int().min(100).max(10_000_000).default(100_000),
  ...signatureSettings('prefix'),
});

type Settings = z.infer<typeof settings>;

/** command_status that refuse the number or the text itself (5.1.3): another vendor would refuse them too. */
const PERMANENT = new Set([
  errors.ESME_RINVMSGLEN,
  errors.ESME_RINVDSTADR,
  errors.ESME_RINVDSTTON,
  errors.ESME_RINVDSTNPI,
  errors.ESME_RINVNUMDESTS,
]);
/** The SMSC asks us to send slower: the same submit is sent again after a pause. */
const THROTTLING = new Set([errors.ESME_RTHROTTLED, errors.ESME_RMSGQFUL]);
/** dest_addr TON 0 (unknown: the number as the account gave it) and NPI 1 (E.164), as Chinese SMSCs take 11-digit numbers. */
const DEST_TON = 0;
const DEST_NPI = 1;

/** Inbound messages whose parts are still coming, at most (the oldest are forgotten). */
const INBOUND_PARTS_MEMORY = 10_000;

type PartOutcome = { ok: true; id: string } | { ok: false; retryable: boolean; error: string };

/** A long message's parts' receipts, gathered until every part has one; then the message's report is stored. */
interface LongMessage {
  /** The id recorded for the row: the first part's. */
  messageId?: string;
  parts: number;
  receipts: DeliveryReport[];
  /** The message failed (a part was refused): its parts' receipts tell nothing more. */
  failed: boolean;
}

/** An inbound message in parts (a concatenation UDH), gathered by sender, recipient and reference. */
interface InboundParts {
  total: number;
  texts: Map<number, string>;
}

/**
 * SMPP 3.4 ESME over one long-lived bind_transceiver session (see EsmeSession). Every text goes as UCS-2
 * (data_coding 8); a long one as parts of 67 characters with a concatenation UDH. Receipts (deliver_sm with the
 * receipt esm_class) and inbound messages are stored through the context; a long message is reported once all its
 * parts' receipts came, under the first part's id, which is the id its row records.
 */
class SmppVendor implements Vendor {
  readonly name: string;
  private readonly session: EsmeSession;
  private reference = Math.floor(Math.random() * 256);
  /** A long message's parts by their SMSC message ids (insertion order: the oldest first, forgotten first). */
  private readonly longParts = new Map<string, LongMessage>();
  private readonly inbound = new Map<string, InboundParts>();

  constructor(
    private readonly settings: Settings,
    private readonly context: VendorContext,
  ) {
    this.name = context.name;
    this.session = new EsmeSession(settings, (pdu) => this.delivered(pdu), context.log);
    this.session.start();
  }

  send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const deadline = Date.now() + this.settings.timeoutMs;
    return Promise.all(batch.map((m) => this.sendMessage(m, deadline)));
  }

  stop(): Promise<void> {
    return this.session.stop();
  }

  private async sendMessage(m: OutboundMessage, deadline: number): Promise<SendOutcome> {
    const text = withSignature(m.content, m.signature, this.settings.signaturePlacement);
    let parts: Part[];
    try {
      this.reference = (this.reference + 1) % 256;
      parts = ucs2Parts(text, this.reference);
    } catch (err) {
      return { id: m.id, ok: false, retryable: false, error: `${this.name}: ${(err as Error).message}` };
    }
    const long: LongMessage | null = parts.length > 1 ? { parts: parts.length, receipts: [], failed: false } : null;
    const outcomes = await Promise.all(
      parts.map(async (part, i) => {
        const outcome = await this.submit(m, part, deadline);
        if (outcome.ok && long) {
          if (i === 0) long.messageId = outcome.id;
          this.remember(outcome.id, long);
        }
        return outcome;
      }),
    );
    const failed = outcomes.find((o) => !o.ok && !o.retryable) ?? outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) {
      if (long) long.failed = true;
      return { id: m.id, ok: false, retryable: failed.retryable, error: `${this.name}: ${failed.error}` };
    }
    return { id: m.id, ok: true, vendorMsgId: (outcomes[0] as { id: string }).id };
  }

  /** One submit_sm, sent again after a pause for as long as the SMSC throttles and the batch's time lasts. */
  private async submit(m: OutboundMessage, part: Part, deadline: number): Promise<PartOutcome> {
    const params = {
      source_addr: this.settings.sourceAddr + (m.extNo ?? ''),
      dest_addr_ton: DEST_TON,
      dest_addr_npi: DEST_NPI,
      destination_addr: m.mobile,
      esm_class: part.esmClass,
      registered_delivery: this.settings.registeredDelivery ? 1 : 0,
      data_coding: DATA_CODING_UCS2,
      short_message: part.shortMessage,
    };
    for (;;) {
      let response: PDU;
      try {
        response = await this.session.request('submit_sm', params, deadline);
      } catch (err) {
        return { ok: false, retryable: true, error: (err as Error).message };
      }
      const status = response.command_status;
      if (status === errors.ESME_ROK) {
        this.session.eased();
        if (response.message_id) return { ok: true, id: response.message_id };
        const id = `gw-${randomUUID()}`;
        this.context.log.warn({ id }, 'submit_sm_resp without a message_id: no receipt can be matched');
        return { ok: true, id };
      }
      if (!THROTTLING.has(status))
        return { ok: false, retryable: !PERMANENT.has(status), error: `submit_sm refused: ${statusName(status)}` };
      this.session.slowDown();
    }
  }

  private remember(partId: string, long: LongMessage): void {
    this.longParts.set(partId, long);
    while (this.longParts.size > this.settings.receiptMemory) this.longParts.delete(this.longParts.keys().next().value!);
  }

  /** A deliver_sm: a receipt or an inbound message, stored before it is acknowledged. */
  private async delivered(pdu: PDU): Promise<number> {
    const content = messageText(pdu.short_message) || messageText(pdu.message_payload);
    if (isDeliveryReceipt(pdu.esm_class)) {
      const report = this.receiptReport(pdu, content);
      if (report) await this.context.store({ reports: [report] });
      return errors.ESME_ROK;
    }
    const reply = this.inboundReply(pdu, content);
    if (reply) await this.context.store({ replies: [reply] });
    return errors.ESME_ROK;
  }

  /** The report a receipt makes; null for an unreadable one and for a long message's parts before its last receipt. */
  private receiptReport(pdu: PDU, text: string): DeliveryReport | null {
    const receipt = parseReceipt(text, pdu.receipted_message_id);
    if (!receipt) {
      // Delivering it again would not make it readable: acknowledged, and logged for support.
      this.context.log.warn({ receipt: text.slice(0, 200) }, 'unreadable SMPP delivery receipt');
      return null;
    }
    const report: DeliveryReport = {
      vendor: this.name,
      vendorMsgId: receipt.id,
      mobile: localMobile(pdu.source_addr ?? ''),
      status: receiptStatus(receipt.stat),
      code: receipt.err && !/^0+$/.test(receipt.err) ? `${receipt.stat}:${receipt.err}` : receipt.stat,
      at: receipt.doneAt ?? new Date(),
    };
    const long = this.longParts.get(receipt.id);
    if (!long) return report;
    long.receipts.push(report);
    if (long.failed || long.receipts.length < long.parts || !long.messageId) return null;
    for (const [id, message] of this.longParts) if (message === long) this.longParts.delete(id);
    return { ...messageReceipt(long.receipts), vendorMsgId: long.messageId };
  }

  /** An inbound message; its parts (a concatenation UDH) are joined, and the reply stored once the last came. */
  private inboundReply(pdu: PDU, text: string): InboundReply | null {
    const from = pdu.source_addr ?? '';
    const to = pdu.destination_addr ?? '';
    const concat = concatenation(pdu.short_message);
    let content = text;
    if (concat) {
      const key = JSON.stringify([from, to, concat.reference]);
      const parts = this.inbound.get(key) ?? { total: concat.total, texts: new Map<number, string>() };
      parts.texts.set(concat.sequence, text);
      this.inbound.set(key, parts);
      while (this.inbound.size > INBOUND_PARTS_MEMORY) this.inbound.delete(this.inbound.keys().next().value!);
      if (parts.texts.size < parts.total) return null;
      this.inbound.delete(key);
      content = [...parts.texts.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, t]) => t)
        .join('');
    }
    const { sourceAddr } = this.settings;
    const extNo = sourceAddr && to.startsWith(sourceAddr) ? to.slice(sourceAddr.length) || null : null;
    return { vendor: this.name, mobile: localMobile(from), content, extNo, at: new Date() };
  }
}

/** The text of a short_message or message_payload as the library decoded it by its data_coding. */
function messageText(field: PDU['short_message']): string {
  if (field === undefined) return '';
  if (typeof field === 'string') return field;
  if (Buffer.isBuffer(field)) return field.toString('latin1');
  const message = (field as ShortMessage).message;
  return typeof message === 'string' ? message : message.toString('latin1');
}

/** The concatenation IE (8-bit 0x00 or 16-bit 0x08 reference) of a short_message's UDH, when it has one. */
function concatenation(field: PDU['short_message']): { reference: number; total: number; sequence: number } | null {
  if (field === undefined || typeof field === 'string' || Buffer.isBuffer(field)) return null;
  for (const ie of field.udh ?? []) {
    if (ie[0] === 0x00 && ie[1] === 3) return { reference: ie[2]!, total: ie[3]!, sequence: ie[4]! };
    if (ie[0] === 0x08 && ie[1] === 4) return { reference: ie.readUInt16BE(2), total: ie[4]!, sequence: ie[5]! };
  }
  return null;
}

export const smpp = defineVendor({
  type: 'smpp',
  settings,
  create: (options, context) => new SmppVendor(options, context),
});
