import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile, withSignature } from '../common';
import { type Params, sendInRequests, vendorRequest } from '../request';
import { charset, pollSettings, signatureSettings, vendorSettings } from '../settings';
import { defineVendor, type OutboundMessage, type SendOutcome, type Vendor, type VendorBalance, type VendorNews } from '../types';

/**
 * 企业短信通 (www.112088.net:8088), seed 002: four plain-text ASP pages under one base URL, the
 * account's name and password (plain) on every call. Sends answer `0|accepted|failed|SMSID,…`;
 * reports and replies are pulled from fetch-once queues; there are no pushes.
 */
export const PATHS = {
  send: 'sendsms_txt.asp',
  reports: 'get_report_txt.asp',
  replies: 'get_receive_message_txt.asp',
  balance: 'Get_Account_Balance.asp',
} as const;

/** The seed: "最大允许每次提交号码100个号码". */
export const MAX_NUMBERS_PER_REQUEST = 100;
/** What one pull hands out at most (seed: 最大返回100条 / 50条); a full page means more may be waiting. */
const REPORTS_PER_PULL = 100;
const REPLIES_PER_PULL = 50;
/** Full pages fetched back to back in one poll, so a backlog drains faster than one page an interval. */
const MAX_PULLS_PER_POLL = 10;

const settings = vendorSettings.extend({
  /** The base URL the four pages live under, e.g. http://www.112088.net:8088/ (a page's full URL is accepted too). */
  url: vendorSettings.shape.url,
  /** The seed names no charset; the site is a Chinese ASP site (code page 936), so GBK. */
  charset: charset.default('gbk'),
  /** The seed shows GET URLs; ASP's Request() reads a POSTed form just the same. */
  method: z.enum(['GET', 'POST']).default('GET'),
  /** The vendor has no signature parameter: the account's signature is written into the text (see signatureSettings). */
  ...signatureSettings(),
  /** How often reports and replies are pulled. */
  ...pollSettings,
});
export type Sms112088Settings = z.infer<typeof settings>;

/** The send answer's error codes: what they mean and whether the next vendor of the route may do better. */
export const SEND_ERRORS: Record<string, { meaning: string; retryable: boolean }> = {
  '-1': { meaning: 'no number', retryable: false },
  '-2': { meaning: 'no content', retryable: false },
  '-3': { meaning: 'forbidden word', retryable: false },
  // Our request's size, not the message's fault: another vendor may take it.
  '-4': { meaning: 'more than 100 numbers', retryable: true },
  '-7': { meaning: 'login failed', retryable: true },
  '-8': { meaning: 'content longer than 335 characters', retryable: false },
  '-9': { meaning: 'balance insufficient', retryable: true },
  '-10': { meaning: 'account locked', retryable: true },
  '-99': { meaning: 'system busy', retryable: true },
};

/** The pull pages' error codes (reports and replies). */
const PULL_ERRORS: Record<string, string> = { '-1': 'user does not exist', '-3': 'system busy', '-7': 'login failed' };
const BALANCE_ERRORS: Record<string, string> = { '-1': 'account does not exist', '-7': 'login failed' };

/** The vendor's text without the BOM or line ends an ASP page may add around it. */
const clean = (text: string): string => text.replace(/^\uFEFF/, '').replace(/^[\r\n]+|[\r\n]+$/g, '');

/**
 * One send answer → one outcome per message, in the order the numbers were sent.
 * `0|a|b|d`: d lists one SMSID per accepted number ("SMSID的个数是本次提交成功的号码数"), so the
 * i-th id is the i-th number's; the report example shows one 批次编号 for two numbers, i.e. a batch
 * id repeated per number, which the same rule records correctly. A single id for several numbers
 * is recorded for each of them. Reports carry the number too, so an id is only ever matched with
 * its own number (see the notes for when a < numbers).
 */
export function parseSendAnswer(vendor: string, messages: Pick<OutboundMessage, 'id'>[], status: number, text: string): SendOutcome[] {
  const raw = clean(text).trim();
  const fail = (retryable: boolean, why: string): SendOutcome[] =>
    messages.map((m) => ({ id: m.id, ok: false, retryable, error: `${vendor}: ${raw || `HTTP ${status}`} (${why})` }));
  if (status < 200 || status >= 300) return fail(true, `HTTP ${status}`);
  const parts = raw.split('|');
  const code = parts[0]!.trim();
  if (code === '0' && parts.length >= 4) {
    const accepted = Number(parts[1]);
    const ids = parts
      .slice(3)
      .join('|')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (accepted === 0) return fail(false, 'every number refused');
    if (ids.length === 0) return fail(true, 'accepted without SMSIDs');
    return messages.map((m, i) => ({ id: m.id, ok: true, vendorMsgId: ids[ids.length === 1 ? 0 : Math.min(i, ids.length - 1)]! }));
  }
  const known = SEND_ERRORS[code];
  if (!known) return fail(true, 'unknown answer');
  const word = code === '-3' && parts[1] ? `: ${parts.slice(1).join('|')}` : '';
  return fail(known.retryable, `${known.meaning}${word}`);
}

/** A report status → the gateway's: 10 delivered, 20 failed, -1 "no report received" (and anything else) unknown. */
export function reportStatus(code: string): DeliveryStatus {
  if (code === '10') return 'delivered';
  if (code === '20') return 'undelivered';
  return 'unknown';
}

/** Throws the pull page's own error, or gives the items after the count (none for `0`). */
function pullItems(what: string, text: string): string[] {
  const raw = clean(text);
  const [count, ...items] = raw.split('|');
  const code = count!.trim();
  if (code === '0' && items.length === 0) return [];
  if (!/^\d+$/.test(code) || (code !== '0' && items.length === 0)) {
    throw new Error(`${what}: ${raw.slice(0, 200)} (${PULL_ERRORS[code] ?? 'unknown answer'})`);
  }
  return items;
}

/** `N|批次编号;号码;状态|…` → reports. */
export function parseReports(vendor: string, text: string, at = new Date()): DeliveryReport[] {
  return pullItems(`${vendor} reports`, text).flatMap((item): DeliveryReport[] => {
    const [id, mobile, code] = item.split(';').map((s) => s.trim());
    if (!id || !mobile || code === undefined) return [];
    return [{ vendor, vendorMsgId: id, mobile: localMobile(mobile), status: reportStatus(code), code, at }];
  });
}

/** An item's start: `短信编号;号码;` or, as the seed's example writes it, `短信编号,号码;`. */
const REPLY_ITEM = /^\s*([^;,|]+?)\s*[;,]\s*(\+?\d+)\s*;([\s\S]*)$/;

/**
 * `N|短信编号;号码;内容|…` → replies. The text itself may hold `|` or `;`: a `|` starts a new item
 * only where an id and a number follow, otherwise it is part of the text.
 */
export function parseReplies(vendor: string, text: string, at = new Date()): InboundReply[] {
  const items: string[] = [];
  for (const piece of pullItems(`${vendor} replies`, text)) {
    if (REPLY_ITEM.test(piece) || items.length === 0) items.push(piece);
    else items[items.length - 1] += `|${piece}`;
  }
  return items.flatMap((item): InboundReply[] => {
    const m = REPLY_ITEM.exec(item);
    if (!m) return [];
    return [{ vendor, mobile: localMobile(m[2]!), content: m[3]!, at, vendorKey: m[1]! }];
  });
}

/** The balance page's answer: the messages left, or its error. */
export function parseBalance(vendor: string, text: string): VendorBalance {
  const raw = clean(text).trim();
  if (!/^-?\d+(\.\d+)?$/.test(raw) || raw.startsWith('-')) {
    throw new Error(`${vendor} balance: ${raw.slice(0, 200)} (${BALANCE_ERRORS[raw] ?? 'unknown answer'})`);
  }
  return { balance: Number(raw), raw };
}

class Sms112088Vendor implements Vendor {
  readonly polls;
  private readonly base: string;

  constructor(
    readonly name: string,
    private readonly options: Sms112088Settings,
  ) {
    // A page's full URL names the base too; the pages sit side by side.
    const url = options.url.replace(/[^/]*\.asp$/i, '');
    this.base = url.endsWith('/') ? url : `${url}/`;
    this.polls = [
      { name: 'reports', intervalMs: options.pollIntervalMs, fetch: () => this.pull(PATHS.reports, REPORTS_PER_PULL, 'reports') },
      { name: 'replies', intervalMs: options.pollIntervalMs, fetch: () => this.pull(PATHS.replies, REPLIES_PER_PULL, 'replies') },
    ];
  }

  private call(path: string, params: [string, string][]) {
    const o = this.options;
    const all: Params = [['us_name', o.username], ['us_pwd', o.password], ...params];
    return vendorRequest({
      method: o.method,
      url: this.base + path,
      ...(o.method === 'GET' ? { query: all } : { form: all }),
      charset: o.charset,
      timeoutMs: o.timeoutMs,
    });
  }

  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const limits = { maxNumbers: MAX_NUMBERS_PER_REQUEST, concurrency: this.options.concurrency, charset: this.options.charset };
    return sendInRequests(this.name, batch, limits, async (group) => {
      const first = group[0]!;
      const res = await this.call(PATHS.send, [
        ['send_phone', group.map((m) => m.mobile).join(',')],
        ['send_content', withSignature(first.content, first.signature, this.options.signaturePlacement)],
      ]);
      return parseSendAnswer(this.name, group, res.status, res.text);
    });
  }

  /** One poll: a page, and more pages while they come full; a later page's failure keeps what the earlier ones handed out. */
  private async pull(path: string, pageSize: number, kind: 'reports' | 'replies'): Promise<VendorNews> {
    const found: (DeliveryReport | InboundReply)[] = [];
    for (let i = 0; i < MAX_PULLS_PER_POLL; i++) {
      let page: (DeliveryReport | InboundReply)[];
      try {
        const res = await this.call(path, []);
        if (res.status < 200 || res.status >= 300) throw new Error(`${this.name} ${kind}: HTTP ${res.status}`);
        page = kind === 'reports' ? parseReports(this.name, res.text) : parseReplies(this.name, res.text);
      } catch (err) {
        if (i === 0) throw err;
        break;
      }
      found.push(...page);
      if (page.length < pageSize) break;
    }
    return kind === 'reports' ? { reports: found as DeliveryReport[] } : { replies: found as InboundReply[] };
  }

  async balance(): Promise<VendorBalance> {
    const res = await this.call(PATHS.balance, []);
    if (res.status < 200 || res.status >= 300) throw new Error(`${this.name} balance: HTTP ${res.status}`);
    return parseBalance(this.name, res.text);
  }
}

export const sms112088 = defineVendor({
  type: 'sms112088',
  settings,
  create: (options, context) => new Sms112088Vendor(context.name, options),
});
