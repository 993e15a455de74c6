import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import { localMobile, withSignature } from '../common';
import { parseLenientJson } from '../lenientJson';
import { sendInRequests, vendorRequest } from '../request';
import { signatureSettings, vendorSettings } from '../settings';
import { defineVendor, type OutboundMessage, type PushAnswer, type PushRequest, type SendOutcome, type Vendor } from '../types';

/**
 * HI8D.COM 国际云通讯 HTTP 接口 1.0 (seed 004): `POST /servlet/gateway.php` with
 * account, passwd (MD5, upper-case hex), sender, mb (numbers with their country code, comma
 * separated), content (UTF-8); the answer is JSON-ish `{status, msg, guid, mb}` (status 0 fails,
 * any other value succeeds; guid and mb are comma lists in the same order). Reports are pushed as
 * JSON `{status, msg, guid, sms, mb}` (status 1 delivered) to a URL set in the vendor's console.
 * The manual has no reply (MO) interface and no balance call.
 */
export const SEND_PATH = '/servlet/gateway.php';
/** The manual is UTF-8 throughout. */
const CHARSET = 'utf-8';

const settings = vendorSettings.extend({
  /** Country calling code put before every 11-digit number (mb), and stripped from the numbers the vendor sends back (see localMobile). */
  countryCode: z
    .string()
    .regex(/^\d{0,4}$/, 'must be 0 to 4 digits, e.g. "86"')
    .default('86'),
  /** `sender`: the sender number; optional and channel-dependent at HI8D. Empty leaves the parameter out. */
  sender: z.string().max(32).default(''),
  /** Numbers per request; the manual documents no limit. */
  maxNumbersPerRequest: z.int().min(1).max(1000).default(100),
  /** HI8D has no signature parameter: the account's signature goes into the text, before it by default (see signatureSettings). */
  ...signatureSettings(),
});
export type Hi8dSettings = z.infer<typeof settings>;

/** What the parse functions need to know of the configuration. */
export interface Hi8dParseOptions {
  /** The vendor's name in this installation, for reports and error texts. */
  name: string;
  countryCode: string;
}

/** passwd: the password's MD5, upper-case hex (必须为MD5加密 转换大写). */
function sign(password: string): string {
  return createHash('md5').update(password, 'utf8').digest('hex').toUpperCase();
}

/** Our 11-digit number as HI8D wants it: with the country code (13800138000 → 8613800138000). */
export function toVendorNumber(mobile: string, countryCode: string): string {
  return `${countryCode}${mobile}`;
}

/**
 * Whether a `status:0` answer may succeed on another vendor. The manual shows only 用户名或者密码错误;
 * problems of our account (login, balance, IP, lock) are retryable (the next vendor of the route may
 * not have them); refusals of the message itself (number, content, keyword, blacklist, length,
 * parameters) are not; anything else (busy, unknown, no msg) is retryable.
 */
export function isRetryableFailure(msg: string): boolean {
  if (/用户|帐号|账号|帐户|账户|密码|登录|登陆|鉴权|认证|授权|余额|欠费|不足|锁定|冻结|禁用|停用|\bIP\b/.test(msg)) return true;
  if (/\b(account|user(name)?|password|login|auth\w*|balance|credit|locked|disabled|ip)\b/i.test(msg)) return true;
  if (/号码|手机|内容|关键|敏感|违禁|非法|屏蔽|黑名单|长度|过长|字数|参数|签名/.test(msg)) return false;
  if (/\b(mobile|number|phone|content|keyword|blacklist\w*|length|too long|param\w*)\b/i.test(msg)) return false;
  return true;
}

function text(value: unknown): string {
  return value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value).trim();
}

const list = (value: unknown): string[] =>
  text(value)
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');

/** The answer's raw text, short enough for `send.last_error` (255) beside our words. */
const rawOf = (answer: string) => (answer.length > 160 ? `${answer.slice(0, 160)}…` : answer).replace(/\s+/g, ' ').trim();

/**
 * One send answer → one outcome per message of the request. status ≠ 0: each number listed in
 * `mb` gets the guid at its position (a single guid for several numbers goes to all; without `mb`,
 * guids are taken in the order we sent the numbers); a number the answer does not list got no guid
 * and is refused for good (the vendor did not take it). status 0: see isRetryableFailure. An
 * answer that cannot be read at all is retryable (nothing is known).
 */
export function parseSendAnswer(
  answer: string,
  messages: Pick<OutboundMessage, 'id' | 'mobile'>[],
  options: Hi8dParseOptions,
): SendOutcome[] {
  const { name, countryCode } = options;
  const raw = rawOf(answer);
  const all = (retryable: boolean, error: string): SendOutcome[] => messages.map((m) => ({ id: m.id, ok: false, retryable, error }));
  let parsed: unknown;
  try {
    parsed = parseLenientJson(answer);
  } catch {
    return all(true, `${name}: unreadable answer: ${raw}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return all(true, `${name}: unreadable answer: ${raw}`);
  const fields = parsed as Record<string, unknown>;
  const status = Number(text(fields.status));
  if (text(fields.status) === '' || Number.isNaN(status)) return all(true, `${name}: answer without a status: ${raw}`);
  if (status === 0) {
    const msg = text(fields.msg);
    return all(isRetryableFailure(msg), `${name}: status=0 ${msg} | ${raw}`);
  }
  const guids = list(fields.guid);
  const numbers = list(fields.mb);
  const byMobile = new Map<string, string[]>();
  const give = (mobile: string, guid: string | undefined) => {
    if (guid) byMobile.set(mobile, [...(byMobile.get(mobile) ?? []), guid]);
  };
  if (numbers.length > 0) {
    for (const [i, n] of numbers.entries()) give(localMobile(n, countryCode), guids[i] ?? (guids.length === 1 ? guids[0] : undefined));
  } else if (guids.length === messages.length) {
    for (const [i, m] of messages.entries()) give(m.mobile, guids[i]);
  } else if (guids.length === 1) {
    for (const m of messages) give(m.mobile, guids[0]);
  }
  return messages.map((m): SendOutcome => {
    const guid = byMobile.get(m.mobile)?.shift();
    if (guid) return { id: m.id, ok: true, vendorMsgId: guid };
    return {
      id: m.id,
      ok: false,
      retryable: false,
      error: `${name}: status=${text(fields.status)} but no guid for ${toVendorNumber(m.mobile, countryCode)} | ${raw}`,
    };
  });
}

/** A report's status: 1 delivered; 0 and every other failure value undelivered. The raw value is kept as `status=<value>`. */
export function reportStatus(status: string): { status: DeliveryStatus; code: string } {
  return { status: status === '1' ? 'delivered' : 'undelivered', code: `status=${status}` };
}

/**
 * A report push → reports. The body is one object or an array of them, strict JSON or the manual's
 * loose kind (see parseLenientJson); a body that is not JSON at all is read as a form
 * (`status=1&guid=…&mb=…`), and an empty body's query string the same way. An item without a guid
 * or a status is skipped; a push with no usable item throws (the vendor is answered an error).
 * guid and mb may be comma lists in the same order, as in the send answer.
 */
export function parseReportPush(push: Pick<PushRequest, 'body' | 'query'>, options: Hi8dParseOptions, at = new Date()): DeliveryReport[] {
  const body = push.body
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trim();
  let items: unknown[];
  if (body.startsWith('{') || body.startsWith('[')) {
    const parsed = parseLenientJson(body);
    items = Array.isArray(parsed) ? parsed : [parsed];
  } else {
    const form = new URLSearchParams(body === '' ? push.query : body);
    items = [Object.fromEntries(form)];
  }
  const reports: DeliveryReport[] = [];
  for (const item of items) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const fields = item as Record<string, unknown>;
    const guids = list(fields.guid);
    const status = text(fields.status);
    if (guids.length === 0 || !/^-?\d+$/.test(status)) continue;
    const numbers = list(fields.mb).map((n) => localMobile(n, options.countryCode));
    const { status: outcome, code } = reportStatus(status);
    const count = Math.max(guids.length, numbers.length);
    for (let i = 0; i < count; i++) {
      const vendorMsgId = guids[i] ?? (guids.length === 1 ? guids[0] : undefined);
      if (!vendorMsgId) continue;
      const mobile = numbers[i] ?? (numbers.length === 1 ? numbers[0] : undefined);
      reports.push({ vendor: options.name, vendorMsgId, ...(mobile ? { mobile } : {}), status: outcome, code, at });
    }
  }
  if (reports.length === 0) throw new Error(`no report with a guid and a status in ${JSON.stringify(rawOf(body || push.query))}`);
  return reports;
}

/** What we answer a report push (the manual is silent): {"status":1} when stored, {"status":0} otherwise. */
export function pushAnswer(applied: boolean): PushAnswer {
  return { contentType: 'application/json; charset=utf-8', body: JSON.stringify({ status: applied ? 1 : 0 }) };
}

/** The send URL: the base URL plus /servlet/gateway.php, or the URL itself where it already names a .php script. */
export function sendUrl(base: string): string {
  return /\.php$/i.test(new URL(base).pathname) ? base : base.replace(/\/+$/, '') + SEND_PATH;
}

class Hi8dVendor implements Vendor {
  readonly push;
  private readonly url: string;
  private readonly options: Hi8dParseOptions;

  constructor(
    readonly name: string,
    private readonly s: Hi8dSettings,
  ) {
    this.url = sendUrl(s.url);
    this.options = { name, countryCode: s.countryCode };
    this.push = {
      reports: { parse: (push: PushRequest) => ({ reports: parseReportPush(push, this.options) }), answer: pushAnswer },
    };
  }

  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const limits = { maxNumbers: this.s.maxNumbersPerRequest, concurrency: this.s.concurrency };
    return sendInRequests(this.name, batch, limits, (group) => this.sendGroup(group));
  }

  private async sendGroup(group: OutboundMessage[]): Promise<SendOutcome[]> {
    const first = group[0]!;
    const form: [string, string][] = [
      ['account', this.s.username],
      ['passwd', sign(this.s.password)],
    ];
    if (this.s.sender) form.push(['sender', this.s.sender]);
    form.push(['mb', group.map((m) => toVendorNumber(m.mobile, this.s.countryCode)).join(',')]);
    form.push(['content', withSignature(first.content, first.signature, this.s.signaturePlacement)]);
    const res = await vendorRequest({ method: 'POST', url: this.url, form, charset: CHARSET, timeoutMs: this.s.timeoutMs });
    if (res.status < 200 || res.status >= 300) {
      return group.map((m) => ({ id: m.id, ok: false, retryable: true, error: `${this.name}: HTTP ${res.status} ${rawOf(res.text)}` }));
    }
    return parseSendAnswer(res.text, group, this.options);
  }
}

export const hi8d = defineVendor({
  type: 'hi8d',
  settings,
  create: (s, context) => new Hi8dVendor(context.name, s),
});
