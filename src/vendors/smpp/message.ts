import type { DeliveryStatus } from '../../core/reports';
import { parseVendorTime } from '../common';

/**
 * What SMPP 3.4 puts on the wire for a text and reads back from a receipt, apart from the session: the text in UCS-2
 * (data_coding 8, which carries Chinese and everything else, so one coding serves every message), cut into parts
 * joined by a concatenation UDH when it does not fit one short_message.
 */

/** data_coding 8: UCS-2 (UTF-16BE) (SMPP 3.4, 5.2.19). */
export const DATA_CODING_UCS2 = 8;
/** esm_class bit 6: the short_message starts with a UDH (5.2.12). */
export const ESM_UDH_INDICATOR = 0x40;
/** esm_class bits 2-5 = 0001: a deliver_sm that is an SMSC delivery receipt (5.2.12). */
const ESM_DELIVERY_RECEIPT = 0x04;
/** 140 bytes of a short_message: 70 UCS-2 characters alone, 67 after a 6-byte concatenation UDH. */
const UCS2_UNITS_SINGLE = 70;
const UCS2_UNITS_PER_PART = 67;
/** UDH: length 5, IEI 0x00 (concatenated message, 8-bit reference), IE length 3, reference, total, sequence (3GPP 23.040 9.2.3.24.1). */
const IEI_CONCAT_8BIT = 0x00;

export interface Part {
  /** The short_message bytes: UDH (when there is more than one part) and UCS-2 text. */
  shortMessage: Buffer;
  esmClass: number;
}

/** UTF-16 code units, cut only between characters: a surrogate pair (an emoji) stays in one part. */
function cutUnits(text: string, unitsPerPart: number): string[] {
  const parts: string[] = [];
  let current = '';
  for (const char of text) {
    if (current.length + char.length > unitsPerPart) {
      parts.push(current);
      current = '';
    }
    current += char;
  }
  if (current !== '' || parts.length === 0) parts.push(current);
  return parts;
}

/**
 * A text as the submit_sm PDUs that carry it: one when it fits 70 UCS-2 units, else parts of 67 with the UDH
 * `05 00 03 ref total seq` and the UDH indicator in esm_class. `reference` (0-255) is the same in every part of one
 * message, so the handset joins them, and differs between messages to one number.
 */
export function ucs2Parts(text: string, reference: number): Part[] {
  if (text.length <= UCS2_UNITS_SINGLE) return [{ shortMessage: Buffer.from(text, 'utf16le').swap16(), esmClass: 0 }];
  const pieces = cutUnits(text, UCS2_UNITS_PER_PART);
  if (pieces.length > 255) throw new Error(`a text of ${pieces.length} parts: SMPP concatenation allows 255`);
  return pieces.map((piece, i) => ({
    shortMessage: Buffer.concat([
      Buffer.from([0x05, IEI_CONCAT_8BIT, 0x03, reference & 0xff, pieces.length, i + 1]),
      Buffer.from(piece, 'utf16le').swap16(),
    ]),
    esmClass: ESM_UDH_INDICATOR,
  }));
}

export function isDeliveryReceipt(esmClass: number | undefined): boolean {
  return ((esmClass ?? 0) & 0x3c) === ESM_DELIVERY_RECEIPT;
}

export interface Receipt {
  /** The message id the SMSC gave in submit_sm_resp. */
  id: string;
  stat: string;
  err: string;
  /** `done date` (YYMMDDhhmm, the SMSC's time, read as China time); null when missing. */
  doneAt: Date | null;
}

/**
 * The receipt text of SMPP 3.4 Appendix B, `id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done
 * date:YYMMDDhhmm stat:DDDDDDD err:E Text:…`, fields in any order and case; the receipted_message_id TLV, when the
 * SMSC sends one, names the message instead of `id:` (some SMSCs write `id:` in decimal, the TLV as submit_sm_resp
 * gave it). Null when the text has no id or no stat.
 */
export function parseReceipt(text: string, receiptedMessageId?: string): Receipt | null {
  const field = (name: string) => new RegExp(`(?:^|\\s)${name}:(\\S*)`, 'i').exec(text)?.[1];
  const id = receiptedMessageId?.trim() || field('id');
  const stat = field('stat');
  if (!id || !stat) return null;
  const done = field('done date');
  return {
    id,
    stat: stat.toUpperCase(),
    err: field('err') ?? '',
    doneAt: done && /^\d{10}$/.test(done) ? parseVendorTime(`20${done}00`) : null,
  };
}

/** The receipt's stat (Appendix B: the message_state names) as the gateway's report status. */
export function receiptStatus(stat: string): DeliveryStatus {
  switch (stat) {
    case 'DELIVRD':
      return 'delivered';
    case 'EXPIRED':
      return 'expired';
    case 'REJECTD':
      return 'rejected';
    case 'UNDELIV':
    case 'DELETED':
      return 'undelivered';
    default:
      // ACCEPTD, ENROUTE, UNKNOWN: not final.
      return 'unknown';
  }
}

/** Of a long message's parts' receipts, the one that tells the message: the first part that was not delivered, else the first. */
export function messageReceipt<R extends { status: DeliveryStatus }>(parts: R[]): R {
  return parts.find((p) => p.status !== 'delivered') ?? parts[0]!;
}
