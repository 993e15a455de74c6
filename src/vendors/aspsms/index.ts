import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile, parseVendorTime, withSignature } from '../common';
import { sendInRequests, vendorRequest } from '../request';
import { charset, httpUrl, pollSettings, signatureSettings, vendorSettings } from '../settings';
import {
  defineVendor,
  type OutboundMessage,
  type SendOutcome,
  type Vendor,
  type VendorBalance,
  type VendorContext,
  type VendorNews,
  type VendorPoll,
} from '../types';

/**
 * "XXX短信二次开发接口说明(HTTP接口)", the classic-ASP family of seed 000: every call is a GET of
 * `<page>.asp?Account=…&Password=…` answering plain text. Send answers the batch id (批号) that
 * GetReport's records carry; reports and replies are fetch-once queues read by polling.
 */
const PATHS = {
  send: 'SendSms.asp',
  report: 'GetReport.asp',
  message: 'GetMessage.asp',
  balance: 'GetBalance.asp',
} as const;

/** Field and record separators of GetReport and GetMessage answers. */
const FIELD = '$$$$';
const RECORD = '||||';

const settings = vendorSettings.extend({
  /** The pages' base URL (…:8000/); a URL ending in a page such as …/SendSms.asp is taken as its folder. */
  url: httpUrl,
  /** Where GetBalance.asp lives, when not beside SendSms.asp (the seed shows it on port 8080, sending on 8000). */
  balanceUrl: httpUrl.optional(),
  /** Channel (通道): 1 106全网广告, 2 0713全网广告, 3 1069全网行业应用, 4 1065全网行业应用. Also asked for the balance. */
  channel: z.int().min(1).max(4).default(3),
  /** The seed names none; classic-ASP pages on Chinese Windows read and write GBK (CP936). */
  charset: charset.default('gbk'),
  /** Numbers in one SendSms.asp call, comma-separated (the seed gives no maximum; a GET URL stays short with 100). */
  maxNumbersPerRequest: z.int().min(1).max(1000).default(100),
  /** The vendor takes no signature parameter: the account's signature is written into the text (see signatureSettings). */
  ...signatureSettings(),
  /** 报告标志 value meaning delivered, when 报告 is not a carrier stat word (DELIVRD, UNDELIV …). */
  deliveredFlag: z.string().min(1).default('0'),
  /** Numeric send answers (≤ 0) that refuse the message for good; every other error code is retried on the next vendor. */
  permanentCodes: z.array(z.union([z.int(), z.string().regex(/^-?\d+$/, 'must be a number such as -3')]).transform(String)).default([]),
  ...pollSettings,
});

type Settings = z.infer<typeof settings>;

// ---------------------------------------------------------------------------------------------
// Pure parse and map functions

export type SendAnswer = { ok: true; batchId: string } | { ok: false; retryable: boolean; reason: string };

/** Words of the vendor that refuse the content or number whatever else the answer says (not when about our IP). */
const CONTENT_REFUSED = /关键字|关键词|敏感|违禁|屏蔽|黑名单/;
/** Our account, our balance, access or the vendor's system: another vendor of the route may take the message. */
const ACCOUNT_OR_SYSTEM =
  /密码|帐号|账号|帐户|账户|用户|余额|不足|欠费|ip|鉴权|权限|锁定|冻结|停用|禁用|过期|系统|繁忙|忙|超时|异常|维护|稍后|通道|数据库/i;
/** The message itself (number, length, text): no vendor will take it. */
const MESSAGE_REFUSED = /号码|手机|内容|超长|长度|字数|非法/;

/**
 * SendSms.asp's answer. The seed keeps only "returns the id, used as the batch number"; its error
 * list was lost. So: a positive integer is the batch id; anything else is an error. A numeric
 * error (0 or negative, alone or followed by text) is permanent when listed in `permanentCodes`,
 * else retryable. A text error is permanent when it names a forbidden word or a blacklist (关键字,
 * 敏感, 黑名单 …, unless about our IP); else retryable when it speaks of the account or the system
 * (密码, 余额, IP, 系统忙 …); else permanent when it speaks of the number or the text (号码, 内容,
 * 超长, 非法 …); anything else is retryable.
 */
export function parseSendAnswer(answer: string, permanentCodes: readonly string[] = []): SendAnswer {
  const text = answer.trim();
  if (/^\d+$/.test(text) && /[1-9]/.test(text)) return { ok: true, batchId: text };
  const code = /^(-?\d+)(?:\D|$)/.exec(text)?.[1];
  if (code !== undefined) {
    const permanent = permanentCodes.some((c) => Number(c) === Number(code));
    return { ok: false, retryable: !permanent, reason: permanent ? 'refused' : 'error code, retried' };
  }
  if (text === '') return { ok: false, retryable: true, reason: 'empty answer, retried' };
  if (CONTENT_REFUSED.test(text) && !/ip/i.test(text)) return { ok: false, retryable: false, reason: 'refused' };
  if (!ACCOUNT_OR_SYSTEM.test(text) && MESSAGE_REFUSED.test(text)) return { ok: false, retryable: false, reason: 'refused' };
  return { ok: false, retryable: true, reason: 'account or system, retried' };
}

const STAT_WORDS: Record<string, DeliveryStatus> = {
  DELIVRD: 'delivered',
  DELIVERED: 'delivered',
  UNDELIV: 'undelivered',
  UNDELIVERABLE: 'undelivered',
  DELETED: 'undelivered',
  EXPIRED: 'expired',
  REJECTD: 'rejected',
  REJECTED: 'rejected',
  REJECT: 'rejected',
  DTBLACK: 'rejected',
  BLACK: 'rejected',
  UNKNOWN: 'unknown',
  ACCEPTD: 'unknown',
};

/**
 * One GetReport record's status. 报告 (report) is read as the carrier's stat word when it is one
 * (DELIVRD, UNDELIV, EXPIRED, REJECTD, DTBLACK, UNKNOWN …); otherwise 报告标志 (flag) decides:
 * `deliveredFlag` (0, as in CMPP's stat and the seed's own MR push "0成功,1失败") is delivered,
 * an empty flag unknown, any other value undelivered.
 */
export function reportStatus(flag: string, report: string, deliveredFlag = '0'): DeliveryStatus {
  const word = STAT_WORDS[report.trim().toUpperCase()];
  if (word) return word;
  const f = flag.trim();
  if (f === deliveredFlag) return 'delivered';
  if (f === '') return 'unknown';
  return 'undelivered';
}

export interface Parsed<T> {
  items: T[];
  /** Records that could not be read (kept for the log: the vendor has handed them out already). */
  malformed: string[];
}

/**
 * Splits a fetch-once answer into records of at least `fields` fields. An empty answer is an
 * empty queue; an answer with no field separator at all is the vendor's error (thrown: nothing
 * was handed out).
 */
function records(answer: string, fields: number): { records: string[][]; malformed: string[] } {
  const text = answer.trim();
  if (text === '') return { records: [], malformed: [] };
  if (!text.includes(FIELD)) throw new Error(`error answer: ${text}`);
  const out: string[][] = [];
  const malformed: string[] = [];
  for (const chunk of text.split(RECORD)) {
    const record = chunk.trim();
    if (record === '') continue;
    const parts = record.split(FIELD);
    if (parts.length < fields) malformed.push(record);
    else out.push(parts);
  }
  return { records: out, malformed };
}

/** GetReport.asp: `ID$$$$号码$$$$时间$$$$报告标志$$$$报告||||…`, ID being SendSms.asp's batch id. */
export function parseReports(answer: string, vendor: string, deliveredFlag = '0', now = new Date()): Parsed<DeliveryReport> {
  const { records: list, malformed } = records(answer, 5);
  const items: DeliveryReport[] = [];
  for (const [id, mobile, time, flag, ...rest] of list) {
    const report = rest.join(FIELD).trim();
    if (!id!.trim() || !mobile!.trim()) {
      malformed.push([id, mobile, time, flag, report].join(FIELD));
      continue;
    }
    items.push({
      vendor,
      vendorMsgId: id!.trim(),
      mobile: localMobile(mobile!),
      status: reportStatus(flag!, report, deliveredFlag),
      code: report ? `${flag!.trim()}:${report}` : flag!.trim(),
      // ASP's Now on a Chinese Windows (`2024-5-6 10:20:30`, `2024/05/06 下午 3:04:05`), China time.
      at: parseVendorTime(time) ?? now,
    });
  }
  return { items, malformed };
}

/** GetMessage.asp: `手机号$$$$上行内容$$$$发送时间||||…`. The vendor gives no id: the record itself is the key. */
export function parseReplies(answer: string, vendor: string, now = new Date()): Parsed<InboundReply> {
  const { records: list, malformed } = records(answer, 3);
  const items: InboundReply[] = [];
  for (const parts of list) {
    const mobile = parts[0]!.trim();
    const time = parts[parts.length - 1]!.trim();
    const content = parts.slice(1, -1).join(FIELD);
    if (!mobile) {
      malformed.push(parts.join(FIELD));
      continue;
    }
    items.push({ vendor, mobile: localMobile(mobile), content, at: parseVendorTime(time) ?? now, vendorKey: parts.join(FIELD) });
  }
  return { items, malformed };
}

/** GetBalance.asp's answer: a number (messages or money, as the vendor counts); anything else is its error. */
export function parseBalance(answer: string): number {
  const text = answer.trim();
  if (!/^\d+(?:\.\d+)?$/.test(text)) throw new Error(`balance refused: ${text}`);
  return Number(text);
}

/** The folder the pages are in: `http://host:8000/sms/SendSms.asp` and `http://host:8000/sms/` both give `…/sms/`. */
function pageBase(url: string): string {
  const base = url.replace(/[?#].*$/, '').replace(/\/[^/]*\.asp$/i, '');
  return base.endsWith('/') ? base : `${base}/`;
}

// ---------------------------------------------------------------------------------------------

class AspSmsVendor implements Vendor {
  readonly name: string;
  readonly polls: VendorPoll[];
  private readonly base: string;
  private readonly balanceBase: string;

  constructor(
    private readonly settings: Settings,
    private readonly context: VendorContext,
  ) {
    this.name = context.name;
    this.base = pageBase(settings.url);
    this.balanceBase = pageBase(settings.balanceUrl ?? settings.url);
    this.polls = [
      { name: 'reports', intervalMs: settings.pollIntervalMs, fetch: () => this.fetchReports() },
      { name: 'replies', intervalMs: settings.pollIntervalMs, fetch: () => this.fetchReplies() },
    ];
  }

  private credentials(): [string, string][] {
    return [
      ['Account', this.settings.username],
      ['Password', this.settings.password],
    ];
  }

  private get(base: string, page: string, params: [string, string][]) {
    return vendorRequest({
      method: 'GET',
      url: base + page,
      query: params,
      charset: this.settings.charset,
      timeoutMs: this.settings.timeoutMs,
    });
  }

  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const { maxNumbersPerRequest: maxNumbers, concurrency, charset } = this.settings;
    return sendInRequests(this.name, batch, { maxNumbers, concurrency, charset }, (group) => this.sendGroup(group));
  }

  private async sendGroup(group: OutboundMessage[]): Promise<SendOutcome[]> {
    const first = group[0]!;
    const res = await this.get(this.base, PATHS.send, [
      ...this.credentials(),
      ['Phones', group.map((m) => m.mobile).join(',')],
      ['Content', withSignature(first.content, first.signature, this.settings.signaturePlacement)],
      ['Channel', String(this.settings.channel)],
      // Empty: send now (the seed gives no format for a scheduled time).
      ['SendTime', ''],
    ]);
    const raw = res.text.trim();
    if (res.status !== 200) {
      return group.map((m) => ({ id: m.id, ok: false, retryable: true, error: `${this.name}: HTTP ${res.status} ${raw.slice(0, 200)}` }));
    }
    const answer = parseSendAnswer(raw, this.settings.permanentCodes);
    return group.map(
      (m): SendOutcome =>
        answer.ok
          ? { id: m.id, ok: true, vendorMsgId: answer.batchId }
          : { id: m.id, ok: false, retryable: answer.retryable, error: `${this.name}: ${raw.slice(0, 200)} (${answer.reason})` },
    );
  }

  private async fetchText(page: string): Promise<string> {
    const res = await this.get(this.base, page, this.credentials());
    if (res.status !== 200) throw new Error(`${this.name}: ${page}: HTTP ${res.status} ${res.text.trim().slice(0, 200)}`);
    return res.text;
  }

  private logMalformed(page: string, malformed: string[]): void {
    if (malformed.length > 0) this.context.log.warn({ vendor: this.name, page, malformed }, 'unreadable records skipped');
  }

  private async fetchReports(): Promise<VendorNews> {
    const text = await this.fetchText(PATHS.report);
    const parsed = this.named(PATHS.report, () => parseReports(text, this.name, this.settings.deliveredFlag));
    this.logMalformed(PATHS.report, parsed.malformed);
    return { reports: parsed.items };
  }

  private async fetchReplies(): Promise<VendorNews> {
    const text = await this.fetchText(PATHS.message);
    const parsed = this.named(PATHS.message, () => parseReplies(text, this.name));
    this.logMalformed(PATHS.message, parsed.malformed);
    return { replies: parsed.items };
  }

  /** Runs a parse, naming the vendor and page in its error. */
  private named<T>(page: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw new Error(`${this.name}: ${page}: ${(err as Error).message}`);
    }
  }

  async balance(): Promise<VendorBalance> {
    const res = await this.get(this.balanceBase, PATHS.balance, [...this.credentials(), ['Channel', String(this.settings.channel)]]);
    const raw = res.text.trim();
    if (res.status !== 200) throw new Error(`${this.name}: ${PATHS.balance}: HTTP ${res.status} ${raw.slice(0, 200)}`);
    return { balance: this.named(PATHS.balance, () => parseBalance(raw)), raw };
  }
}

export const aspsms = defineVendor({
  type: 'aspsms',
  settings,
  create: (options, context) => new AspSmsVendor(options, context),
});
