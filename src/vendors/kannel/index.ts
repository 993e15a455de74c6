import iconv from 'iconv-lite';
import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile, plainTextAnswer, withSignature } from '../common';
import { percentDecodeBytes, pushForm, sendInRequests, vendorRequest } from '../request';
import { httpUrl, signatureSettings, vendorSettings } from '../settings';
import { defineVendor, type OutboundMessage, type PushRequest, type SendOutcome, type Vendor, type VendorContext } from '../types';

/**
 * Kannel's smsbox (the Kannel user's guide, "Sending SMS via HTTP" and "Delivery reports"): one GET of
 * `cgi-bin/sendsms` per message, its text sent UTF-8 with coding=2, so that Kannel sends it as UCS-2 (and splits a
 * long one into concatenated parts itself); a `dlr-url` back to our callback, with Kannel's escape codes for what it
 * knows when the report comes and our own id for the row. Messages from handsets come the same way, from an
 * sms-service whose get-url is our replies callback.
 */

const SENDSMS_PATH = '/cgi-bin/sendsms';
/** coding=2: UCS-2. charset: what our `text` is written in, for smsbox to convert. */
const CODING_UCS2 = '2';
const TEXT_CHARSET = 'UTF-8';

/** DLR types (dlr-mask bits, the %d of the dlr-url). */
const DLR_DELIVERED = 1;
const DLR_FAILED = 2;
const DLR_BUFFERED = 4;
const DLR_SMSC_SUBMIT = 8;
const DLR_SMSC_REJECT = 16;

const settings = vendorSettings.extend({
  // `url` is smsbox's base URL (its sendsms-port), e.g. http://kannel.internal:13013; `username`/`password` a sendsms-user.
  /** The sender (Kannel refuses a message without one unless it has a global-sender); the account's extension is written after it. */
  from: z.string().min(1).max(20),
  /** The gateway as smsbox reaches it: the dlr-url is `<callbackBaseUrl>/callbacks/<vendor name>/reports?…`. */
  callbackBaseUrl: httpUrl,
  /** Which DLRs Kannel sends: 1 delivered + 2 failed + 16 SMSC reject by default; add 4 (buffered) for intermediate ones. */
  dlrMask: z
    .int()
    .min(0)
    .max(31)
    .default(DLR_DELIVERED + DLR_FAILED + DLR_SMSC_REJECT),
  /** smsbox's `smsc` parameter: route through this smsc-id, when the sendsms-user may choose one. */
  smsc: z.string().min(1).optional(),
  ...signatureSettings('prefix'),
});

type Settings = z.infer<typeof settings>;

/** Answers that refuse the number itself (smsbox's own texts): another vendor would refuse it too. */
const PERMANENT_ANSWERS = /denied by white- and\/or black-lists|receiver|Not routable/i;
/** `0: Accepted for delivery`, `3: Queued for later delivery` (bearerbox is not reachable now; smsbox keeps it). */
const ACCEPTED_ANSWER = /^[03]:/;

/** The dlr-url for one row: our id and the number in it, Kannel's %d (type), %A (the SMSC's answer) and %T (time) filled in by Kannel. */
export function dlrUrl(callbackBaseUrl: string, vendor: string, m: OutboundMessage): string {
  const base = callbackBaseUrl.replace(/\/+$/, '');
  return `${base}/callbacks/${vendor}/reports?id=${m.id}&mobile=${encodeURIComponent(m.mobile)}&type=%d&answer=%A&ts=%T`;
}

/** A sendsms answer as one row's outcome: accepted (our id is the row's), refused for good, or worth another try. */
export function sendOutcome(m: OutboundMessage, vendor: string, status: number, text: string): SendOutcome {
  const answer = text.trim().slice(0, 200);
  if (status >= 200 && status < 300 && ACCEPTED_ANSWER.test(answer)) return { id: m.id, ok: true, vendorMsgId: String(m.id) };
  const error = `${vendor}: HTTP ${status} ${answer}`;
  return { id: m.id, ok: false, retryable: status >= 500 || !PERMANENT_ANSWERS.test(answer), error };
}

/**
 * A DLR type as the report's status: 1 delivered, 2 failed (undelivered), 16 the SMSC rejected it, 4 buffered (not
 * final: unknown). 8, the SMSC took it, says no more than smsbox's answer did: no report.
 */
export function dlrStatus(type: number): DeliveryStatus | null {
  switch (type) {
    case DLR_DELIVERED:
      return 'delivered';
    case DLR_FAILED:
      return 'undelivered';
    case DLR_SMSC_REJECT:
      return 'rejected';
    case DLR_BUFFERED:
      return 'unknown';
    case DLR_SMSC_SUBMIT:
      return null;
    default:
      throw new Error(`DLR type ${type} is none of 1, 2, 4, 8, 16`);
  }
}

/** A %T time (Unix seconds), or now. */
function unixTime(value: string | null): Date {
  const seconds = Number(value);
  return value && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : new Date();
}

/** A DLR as the dlr-url brought it: `id`, `mobile` (ours), `type` (%d), `answer` (%A: e.g. `id:… stat:DELIVRD err:000`), `ts` (%T). */
export function parseDlr(push: Pick<PushRequest, 'query' | 'body' | 'contentType'>, vendor: string): DeliveryReport[] {
  const fields = pushForm(push, 'utf-8');
  const id = fields.get('id')?.trim();
  const type = Number(fields.get('type'));
  if (!id || !Number.isInteger(type)) throw new Error('DLR without id or type');
  const status = dlrStatus(type);
  if (!status) return [];
  const stat = /stat:(\w+)/i.exec(fields.get('answer') ?? '')?.[1]?.toUpperCase();
  const mobile = fields.get('mobile');
  return [
    {
      vendor,
      vendorMsgId: id,
      ...(mobile ? { mobile: localMobile(mobile) } : {}),
      status,
      code: stat ?? `DLR${type}`,
      at: unixTime(fields.get('ts')),
    },
  ];
}

/**
 * A message from a handset, as an sms-service's get-url brings it: `from` (%p), `to` (%P, our number and the
 * extension), `text` (%b, the message's bytes) in `charset` (%C: UTF-16BE for a UCS-2 message), `id` (%I), `ts` (%T).
 * The extension is what follows our `from` in `to`.
 */
export function parseMo(push: Pick<PushRequest, 'query' | 'body' | 'contentType'>, vendor: string, ourNumber: string): InboundReply {
  const fields = pushForm(push, 'utf-8');
  const from = fields.get('from')?.trim();
  if (!from) throw new Error('message without from');
  const charset = fields.get('charset')?.trim() || TEXT_CHARSET;
  if (!iconv.encodingExists(charset)) throw new Error(`message in charset ${charset}, which is not known`);
  const content = iconv.decode(percentDecodeBytes(rawField(push, 'text'), 'utf-8'), charset);
  const to = fields.get('to')?.trim() ?? '';
  const extNo = to.startsWith(ourNumber) ? to.slice(ourNumber.length) || null : null;
  const id = fields.get('id')?.trim();
  return {
    vendor,
    mobile: localMobile(from),
    content,
    extNo,
    at: unixTime(fields.get('ts')),
    ...(id ? { vendorKey: `kannel:${id}` } : {}),
  };
}

/** A field still percent-encoded (from the body when it carries it, else the query): %b is bytes, not text in one charset. */
function rawField(push: Pick<PushRequest, 'query' | 'body' | 'contentType'>, name: string): string {
  const find = (raw: string) =>
    raw
      .split('&')
      .map((pair) => pair.split('='))
      .find(([key]) => key === name)?.[1];
  const body = push.body.length > 0 && !/json|xml/i.test(push.contentType) ? find(push.body.toString('latin1')) : undefined;
  return body ?? find(push.query) ?? '';
}

/** smsbox does not read the answer to a dlr-url or get-url; its status tells whether to try again (http-request-retry). */
const pushAnswer = plainTextAnswer('OK', 'ERROR');

/** The adapter: a sendsms per row, DLRs and messages from handsets pushed to our callbacks. */
function kannelVendor(s: Settings, context: VendorContext): Vendor {
  const name = context.name;
  const sendsmsUrl = s.url.replace(/\/+$/, '').endsWith(SENDSMS_PATH) ? s.url : s.url.replace(/\/+$/, '') + SENDSMS_PATH;
  const sendOne = async (m: OutboundMessage): Promise<SendOutcome[]> => {
    const query: [string, string][] = [
      ['username', s.username],
      ['password', s.password],
      ['from', s.from + (m.extNo ?? '')],
      ['to', m.mobile],
      ['text', withSignature(m.content, m.signature, s.signaturePlacement)],
      ['coding', CODING_UCS2],
      ['charset', TEXT_CHARSET],
    ];
    if (s.dlrMask > 0) query.push(['dlr-mask', String(s.dlrMask)], ['dlr-url', dlrUrl(s.callbackBaseUrl, name, m)]);
    if (s.smsc) query.push(['smsc', s.smsc]);
    const res = await vendorRequest({ method: 'GET', url: sendsmsUrl, query, charset: 'utf-8', timeoutMs: s.timeoutMs });
    return [sendOutcome(m, name, res.status, res.text)];
  };
  return {
    name,
    // One request per row: the dlr-url names the row.
    send: (batch) => sendInRequests(name, batch, { maxNumbers: 1, concurrency: s.concurrency }, ([m]) => sendOne(m!)),
    push: {
      reports: { parse: (push) => ({ reports: parseDlr(push, name) }), answer: pushAnswer },
      replies: { parse: (push) => ({ replies: [parseMo(push, name, s.from)] }), answer: pushAnswer },
    },
  };
}

export const kannel = defineVendor({
  type: 'kannel',
  settings,
  create: kannelVendor,
});
