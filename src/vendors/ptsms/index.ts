import { createHash } from 'node:crypto';
import { sameSecret } from '../../secrets';
import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile, parseVendorTime, plainTextAnswer } from '../common';
import { type Params, pushForm, sendInRequests, vendorRequest } from '../request';
import { type Charset, vendorSettings } from '../settings';
import {
  defineVendor,
  type OutboundMessage,
  type PushHandler,
  type PushRequest,
  type SendOutcome,
  type Vendor,
  type VendorBalance,
  type VendorContext,
} from '../types';

/**
 * The name/pwd/type=pt vendor (seed 003): one URL, given by the vendor's support, takes every call
 * as a UTF-8 form POST; `type=pt` sends, `type=balance` asks the balance. Reports and replies are
 * pushed to us (3. 状态报告推送, 4. 接收上行短信).
 */

/** The seed documents UTF-8 for requests and answers alike. */
const CHARSET: Charset = 'utf-8';
/** `type` of a send (1.6: 固定值 pt) and of a balance query (2.2: 固定值 balance). */
const TYPE_SEND = 'pt';
const TYPE_BALANCE = 'balance';
/** 1.6: content is 1 to 500 characters. */
const MAX_CONTENT_CHARS = 500;
/** Separators of the reply push's `args` (4.1). */
const REPLY_SEPARATOR = '#@@#';
const FIELD_SEPARATOR = '#@#';

const settings = vendorSettings.extend({
  // `url` is the full URL the vendor's support gives (the seed prints none); every call goes there.
  /** Signature sent as `sign` when the account has none of its own (the seed makes `sign` required). */
  sign: z.string().min(1).max(32).optional(),
  /** Numbers in one request. The seed gives no limit; its example answer counts 500 accepted. */
  maxNumbersPerRequest: z.int().min(1).max(10_000).default(500),
  /** The AccessSecret the vendor gave: when set, a report push's `name` must be MD5(AccessSecret+random+timestamp). */
  accessSecret: z.string().min(1).optional(),
  /** The receive password configured at the vendor for report pushes (`pwd`); when set, it must match. */
  pushPassword: z.string().min(1).optional(),
  /** The receive user name configured at the vendor for reply pushes (`name`, not the account name); when set, it must match. */
  replyName: z.string().min(1).optional(),
  /** The receive password configured at the vendor for reply pushes (`pwd`); when set, it must match. */
  replyPassword: z.string().min(1).optional(),
  /** Digits of the vendor's own (system) extension in front of a reply's extension; the rest is the account's `extNo`. */
  systemExtLength: z.int().min(0).max(20).default(0),
});

type Settings = z.infer<typeof settings>;

/** What a send answer's code means (1.7.3) and whether the next vendor of the route may do better. */
export const SEND_CODES: Record<string, { meaning: string; retryable: boolean }> = {
  '1': { meaning: 'sensitive words', retryable: false },
  '2': { meaning: 'sensitive words', retryable: false },
  '3': { meaning: 'no number', retryable: false },
  '4': { meaning: 'contains an SQL statement', retryable: false },
  '10': { meaning: 'account does not exist', retryable: true },
  '11': { meaning: 'account cancelled', retryable: true },
  '12': { meaning: 'account disabled', retryable: true },
  '13': { meaning: 'IP authentication failed', retryable: true },
  '14': { meaning: 'format error', retryable: false },
  '-1': { meaning: 'system error', retryable: true },
};

/** Balance answer codes (2.4). */
const BALANCE_CODES: Record<string, string> = {
  '10': 'account does not exist',
  '11': 'account cancelled',
  '12': 'account disabled',
  '13': 'IP authentication failed',
};

export type SendAnswer =
  | { ok: true; sendId: string; invalid: number; accepted: number; blacklisted: number; message: string }
  | { ok: false; code: string; message: string; meaning: string; retryable: boolean };

/**
 * A send answer (1.7): `code,sendid,invalidcount,successcount,blackcount,msg`, or only `code,msg`
 * when code is not 0. Fields are trimmed (the seed's own example has `0, 2014…`). An unknown code
 * is retryable: nothing says the next vendor would refuse it too. Throws on an unreadable answer.
 */
export function parseSendAnswer(text: string): SendAnswer {
  const line = text.trim().split(/\r?\n/, 1)[0] ?? '';
  const fields = line.split(',').map((f) => f.trim());
  const code = fields[0] ?? '';
  if (!/^-?\d+$/.test(code)) throw new Error(`unreadable answer "${line.slice(0, 200)}"`);
  if (code === '0') {
    const [, sendId = '', invalid = '', accepted = '', blacklisted = '', ...message] = fields;
    if (!sendId || ![invalid, accepted, blacklisted].every((n) => /^\d+$/.test(n))) {
      throw new Error(`unreadable answer "${line.slice(0, 200)}"`);
    }
    return {
      ok: true,
      sendId,
      invalid: Number(invalid),
      accepted: Number(accepted),
      blacklisted: Number(blacklisted),
      message: message.join(','),
    };
  }
  const known = SEND_CODES[code];
  return {
    ok: false,
    code,
    message: fields.slice(1).join(','),
    meaning: known?.meaning ?? 'undocumented code',
    retryable: known?.retryable ?? true,
  };
}

/** A balance answer (2.3): `code,balance`; a code other than 0 throws with the vendor's answer. */
export function parseBalanceAnswer(text: string): VendorBalance {
  const raw = text.trim();
  const [code = '', value = ''] = raw
    .split(/\r?\n/, 1)[0]!
    .split(',')
    .map((f) => f.trim());
  if (code !== '0') throw new Error(`${raw.slice(0, 200)} (${BALANCE_CODES[code] ?? 'balance refused'})`);
  const balance = Number(value);
  if (value === '' || !Number.isFinite(balance)) throw new Error(`unreadable balance answer "${raw.slice(0, 200)}"`);
  return { balance, raw };
}

/**
 * Report states (3.2) to the gateway's statuses. ERR:104 (system busy) and UNKNOWN leave the row
 * open for a final report; the seed's "other gateway-internal states" are carrier error codes
 * (MK:…, DB:…), final failures, so undelivered.
 */
export function deliveryStatus(state: string): DeliveryStatus {
  switch (state.trim().toUpperCase()) {
    case 'DELIVRD':
      return 'delivered';
    case 'EXPIRED':
      return 'expired';
    case 'UNDELIV':
      return 'undelivered';
    case 'REJECTD':
    case 'DTBLACK':
    case 'REJECT':
      return 'rejected';
    case 'UNKNOWN':
    case 'ERR:104':
      return 'unknown';
    default:
      return 'undelivered';
  }
}

/**
 * A push's fields: the query (the seed's examples are URLs) and the form body (it says POST), see pushForm. UTF-8
 * unless the push declares another charset; a JSON or XML body is refused (the seed documents forms only).
 */
export function pushFields(push: Pick<PushRequest, 'query' | 'body' | 'contentType'>): URLSearchParams {
  if (push.body.length > 0 && /json|xml/i.test(push.contentType)) throw new Error(`unexpected ${push.contentType} body`);
  return pushForm(push, CHARSET);
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export interface ReportChecks {
  accessSecret?: string;
  pushPassword?: string;
}

/**
 * A report push (3.1): one sendid, one state, one or several numbers (a comma list when they share
 * the state). Checks `name` = MD5(AccessSecret+random+timestamp) and `pwd` when configured; throws
 * on a failed check or a missing field. `time` is the first number's; all get it.
 */
export function parseReportPush(fields: URLSearchParams, vendor: string, checks: ReportChecks, now = new Date()): DeliveryReport[] {
  if (checks.accessSecret !== undefined) {
    const random = fields.get('random') ?? '';
    const timestamp = fields.get('timestamp') ?? '';
    if (!random || !timestamp) throw new Error('report push without random and timestamp');
    if (!sameSecret((fields.get('name') ?? '').toLowerCase(), md5(checks.accessSecret + random + timestamp))) {
      throw new Error('report push name is not MD5(AccessSecret+random+timestamp)');
    }
  }
  if (checks.pushPassword !== undefined && !sameSecret(fields.get('pwd') ?? '', checks.pushPassword)) {
    throw new Error('report push pwd does not match pushPassword');
  }
  const sendId = (fields.get('sendid') ?? '').trim();
  const state = (fields.get('state') ?? '').trim();
  const mobiles = (fields.get('mobile') ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  if (!sendId || !state || mobiles.length === 0) throw new Error('report push without sendid, mobile or state');
  // `2013-08-20 20:11:34`, Beijing time.
  const at = parseVendorTime(fields.get('time')) ?? now;
  const status = deliveryStatus(state);
  return mobiles.map((mobile) => ({ vendor, vendorMsgId: sendId, mobile: localMobile(mobile), status, code: state, at }));
}

export interface ReplyChecks {
  replyName?: string;
  replyPassword?: string;
  systemExtLength: number;
}

/**
 * A reply push (4.1): `args` = number#@#text#@#time#@#extension, several joined by #@@#. The
 * extension is the vendor's system part (`systemExtLength` digits) followed by the `extno` we sent,
 * which is the account's extension. The extension may be missing entirely; text holding `#@#` is
 * kept whole. The vendor gives replies no id: the key is the item as the vendor sent it.
 */
export function parseReplyPush(fields: URLSearchParams, vendor: string, checks: ReplyChecks, now = new Date()): InboundReply[] {
  if (checks.replyName !== undefined && !sameSecret(fields.get('name') ?? '', checks.replyName)) {
    throw new Error('reply push name does not match replyName');
  }
  if (checks.replyPassword !== undefined && !sameSecret(fields.get('pwd') ?? '', checks.replyPassword)) {
    throw new Error('reply push pwd does not match replyPassword');
  }
  const args = fields.get('args');
  if (!args) throw new Error('reply push without args');
  return args
    .split(REPLY_SEPARATOR)
    .filter((item) => item.trim() !== '')
    .map((item) => parseReplyItem(item, vendor, checks.systemExtLength, now));
}

function parseReplyItem(item: string, vendor: string, systemExtLength: number, now: Date): InboundReply {
  const parts = item.split(FIELD_SEPARATOR);
  if (parts.length < 3) throw new Error(`reply "${item.slice(0, 100)}" has fewer than 3 fields`);
  // The last field is the time when the extension was left off; otherwise the time precedes it.
  const withExt = parts.length > 3 && parseVendorTime(parts[parts.length - 1]) === null;
  const ext = withExt ? parts[parts.length - 1]!.trim() : '';
  const time = parts[parts.length - (withExt ? 2 : 1)]!;
  const content = parts.slice(1, parts.length - (withExt ? 2 : 1)).join(FIELD_SEPARATOR);
  const mobile = localMobile(parts[0]!);
  if (!/^\d{5,20}$/.test(mobile)) throw new Error(`reply "${item.slice(0, 100)}" has no number`);
  const own = ext.slice(systemExtLength);
  return { vendor, mobile, content, extNo: own || null, at: parseVendorTime(time) ?? now, vendorKey: item };
}

/** The seed does not say what the vendor expects back: we answer its own codes, 0 taken, -1 refused. */
const pushAnswer = plainTextAnswer('0', '-1');

class PtsmsVendor implements Vendor {
  readonly name: string;
  readonly push: Record<'reports' | 'replies', PushHandler>;

  constructor(
    private readonly settings: Settings,
    context: VendorContext,
  ) {
    this.name = context.name;
    this.push = {
      reports: { parse: (push) => ({ reports: parseReportPush(pushFields(push), this.name, settings) }), answer: pushAnswer },
      replies: { parse: (push) => ({ replies: parseReplyPush(pushFields(push), this.name, settings) }), answer: pushAnswer },
    };
  }

  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const { maxNumbersPerRequest: maxNumbers, concurrency } = this.settings;
    return sendInRequests(this.name, batch, { maxNumbers, concurrency }, (group) => this.sendGroup(group));
  }

  /**
   * One request for messages sharing text, signature and extension; throws on a network error or timeout. A text the
   * vendor does not take (1.6: 1 to 500 characters) is refused without a request.
   */
  private async sendGroup(group: OutboundMessage[]): Promise<SendOutcome[]> {
    const first = group[0]!;
    const chars = [...first.content].length;
    if (chars === 0 || chars > MAX_CONTENT_CHARS) {
      const error = `${this.name}: content of ${chars} characters, the vendor takes 1 to ${MAX_CONTENT_CHARS}`;
      return group.map((m): SendOutcome => ({ id: m.id, ok: false, retryable: false, error }));
    }
    const form: [string, string][] = [
      ['name', this.settings.username],
      ['pwd', this.settings.password],
      ['content', first.content],
      ['mobile', group.map((m) => m.mobile).join(',')],
      ['sign', first.signature || this.settings.sign || ''],
      ['type', TYPE_SEND],
    ];
    if (first.extNo) form.push(['extno', first.extNo]);
    const res = await vendorRequest({ method: 'POST', url: this.settings.url, form, charset: CHARSET, timeoutMs: this.settings.timeoutMs });
    const all = (outcome: { ok: true; vendorMsgId: string } | { ok: false; retryable: boolean; error: string }) =>
      group.map((m): SendOutcome => ({ id: m.id, ...outcome }));
    const raw = res.text.trim().slice(0, 200);
    if (res.status < 200 || res.status >= 300) return all({ ok: false, retryable: true, error: `${this.name}: HTTP ${res.status} ${raw}` });
    let answer: SendAnswer;
    try {
      answer = parseSendAnswer(res.text);
    } catch (err) {
      return all({ ok: false, retryable: true, error: `${this.name}: ${(err as Error).message}` });
    }
    if (!answer.ok) return all({ ok: false, retryable: answer.retryable, error: `${this.name}: ${raw} (${answer.meaning})` });
    // Accepted, but every number counted invalid or blacklisted: no report will come.
    if (answer.accepted === 0 && answer.invalid + answer.blacklisted > 0) {
      return all({ ok: false, retryable: false, error: `${this.name}: ${raw} (no number accepted: invalid or blacklisted)` });
    }
    return all({ ok: true, vendorMsgId: answer.sendId });
  }

  async balance(): Promise<VendorBalance> {
    const form: Params = [
      ['name', this.settings.username],
      ['pwd', this.settings.password],
      ['type', TYPE_BALANCE],
    ];
    const res = await vendorRequest({ method: 'POST', url: this.settings.url, form, charset: CHARSET, timeoutMs: this.settings.timeoutMs });
    if (res.status < 200 || res.status >= 300) throw new Error(`${this.name}: HTTP ${res.status} ${res.text.trim().slice(0, 200)}`);
    return parseBalanceAnswer(res.text);
  }
}

export const ptsms = defineVendor({
  type: 'ptsms',
  settings,
  create: (options, context) => new PtsmsVendor(options, context),
});
