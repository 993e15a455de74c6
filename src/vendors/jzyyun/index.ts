import { randomUUID } from 'node:crypto';
import iconv from 'iconv-lite';
import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile, parseVendorTime, withSignature } from '../common';
import { type Params, sendInRequests, type VendorResponse, vendorRequest } from '../request';
import { type Charset, charset, pollSettings, signatureSettings, vendorSettings } from '../settings';
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
 * 嘉之元 UserServiceAPI, HTTP face (seed 001, 第一部分): one servlet, the operation in `method`,
 * `username` in plain text and `password` as BASE64. Every answer is `success;…`, `failure;…` or
 * XML; reports and replies are pulled, each handed out once.
 */

/** The one documented endpoint, under the installation's base URL (smsapi.jzyyun.com:9003). */
export const SERVLET_PATH = '/servlet/UserServiceAPI';
export const METHODS = { send: 'sendSMS', balance: 'getRestMoney', reports: 'getSmsReport', replies: 'getRecvSMS' } as const;
/** "mobile … 最大2万个号码". */
export const MAX_NUMBERS_PER_REQUEST = 20_000;

const settings = vendorSettings.extend({
  /** The pool sent from and reported by balance(): 0 卡发 (card), 1 网关 (gateway), 2 会员 (member). */
  smstype: z.int().min(0).max(2).default(1),
  /** "content 为发送内容 采用GBK 进行URLENCODE"; iconv's gb2312 is CP936 too, gb18030 for a server that reads it. */
  charset: charset.default('gbk'),
  /** Numbers in one sendSMS request; the seed allows 20,000, a lower value keeps requests small. */
  maxNumbersPerRequest: z.int().min(1).max(MAX_NUMBERS_PER_REQUEST).default(MAX_NUMBERS_PER_REQUEST),
  /** The API has no signature parameter: the account's signature goes into the text (see signatureSettings). */
  ...signatureSettings(),
  /** How often getSmsReport and getRecvSMS are pulled. */
  ...pollSettings,
});

export type JzyyunSettings = z.infer<typeof settings>;

/** BASE64 of the password's bytes in the vendor's charset (Java's `str.getBytes()` on a Chinese platform). */
function encodePassword(password: string, cs: Charset): string {
  return iconv.encode(password, cs).toString('base64');
}

/** The servlet's URL: the base URL with the documented path, or the configured URL when it already names the servlet. */
export function servletUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith(SERVLET_PATH) ? trimmed : `${trimmed}${SERVLET_PATH}`;
}

// ---------------------------------------------------------------------------------------------
// Pure parsing

/** What sendSMS said of a whole request. */
export type SendAnswer = { ok: true; batchId: string } | { ok: false; retryable: boolean; reason: string };

/** Refusals of the text or the number whatever else the reason mentions: forbidden words, opt-outs. */
const REFUSED_MESSAGE = /关键字|关键词|敏感|违禁|禁发|屏蔽词|违规|违法|退订/;
/**
 * Refusals that say nothing against the message itself: our account here (login, balance, IP,
 * lock, pool, signature registration) or the vendor's load. The next vendor of the route may not
 * have them, so they are retried there.
 */
const ACCOUNT_OR_LOAD =
  /用户名|用户不存在|非法用户|帐号|账号|账户|帐户|登录|登陆|密码|鉴权|认证|权限|余额|欠费|不足|IP|白名单|锁定|冻结|停用|禁用|过期|繁忙|忙碌|稍后|超时|系统|频繁|频率|流量|限制|短信类型|smstype|签名|报备/i;
/** Refusals of the message's text or numbers, which no retry cures. */
const BAD_MESSAGE = /内容|非法|黑名单|号码|手机|过长|长度|字数|为空|格式/;

/** Whether a `failure;` reason is worth trying on another vendor. Unknown wording is retried (see docs/vendors.md). */
export function isRetryableReason(reason: string): boolean {
  if (REFUSED_MESSAGE.test(reason)) return false;
  if (ACCOUNT_OR_LOAD.test(reason)) return true;
  return !BAD_MESSAGE.test(reason);
}

/** `success;批号ID` or `failure;错误提示`. Anything else (an error page, an empty body) is retryable. */
export function parseSendAnswer(text: string): SendAnswer {
  const answer = text.trim();
  const success = /^success(?:;(.*))?$/is.exec(answer);
  // The web-service twin answers a bare "success"; a batch id is made up so the row is still submitted.
  if (success) return { ok: true, batchId: success[1]?.trim().split(/\s/)[0] || `noid-${randomUUID()}` };
  const failure = /^failure;?(.*)$/is.exec(answer);
  if (failure) return { ok: false, retryable: isRetryableReason(failure[1]!.trim()), reason: answer };
  return { ok: false, retryable: true, reason: `unexpected answer: ${answer.slice(0, 200)}` };
}

/** The report status: 1 成功, 0 失败, 2 不明; anything else is unknown too. */
export function mapReportStatus(status: string): DeliveryStatus {
  switch (status.trim()) {
    case '1':
      return 'delivered';
    case '0':
      return 'undelivered';
    default:
      return 'unknown';
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function unescapeXml(text: string): string {
  const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(text);
  if (cdata) return cdata[1]!;
  return text.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (_, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(Number.parseInt(e.slice(e[1] === 'x' || e[1] === 'X' ? 2 : 1), e[1]?.toLowerCase() === 'x' ? 16 : 10))
      : ENTITIES[e.toLowerCase()]!,
  );
}

/** The inner text of every `<tag>…</tag>` (and '' for `<tag/>`) in `xml`. */
function elements(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}\\s*>)`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1] ?? '');
}

function field(block: string, tag: string): string | undefined {
  const found = elements(block, tag)[0];
  return found === undefined ? undefined : unescapeXml(found).trim();
}

/**
 * Reads an XML answer tolerantly (the seed prints `<?xmlversion…` and browser-view dashes), or
 * throws on `failure;…` and on anything without the expected root, so the poller tries again.
 */
function listAnswer(text: string, root: string, item: string): string[] {
  const answer = text.trim();
  if (/^failure/i.test(answer)) throw new Error(answer);
  if (!new RegExp(`<${root}[\\s/>]`).test(answer)) throw new Error(`unexpected answer: ${answer.slice(0, 200)}`);
  return elements(answer, item);
}

/** getSmsReport's XML → reports. One batch id covers a request, so each report carries its number. */
export function parseReports(text: string, vendor: string, now = new Date()): DeliveryReport[] {
  const reports: DeliveryReport[] = [];
  for (const block of listAnswer(text, 'smsreport', 'psreport')) {
    const vendorMsgId = field(block, 'smslogid');
    const mobile = field(block, 'mobile');
    // An item without id or number matches no row; the others of the answer are still kept.
    if (!vendorMsgId || !mobile) continue;
    const code = field(block, 'status') ?? '';
    // <sendtime> is when the message was sent; the report's time is when it reached us.
    reports.push({ vendor, vendorMsgId, mobile: localMobile(mobile), status: mapReportStatus(code), code, at: now });
  }
  return reports;
}

/** getRecvSMS's XML → replies; content is BASE64 of the text's bytes in the vendor's charset (GBK). */
export function parseReplies(text: string, vendor: string, cs: Charset = 'gbk', now = new Date()): InboundReply[] {
  const replies: InboundReply[] = [];
  for (const block of listAnswer(text, 'smsrerecv', 'psrerecv')) {
    const mobile = field(block, 'mobile');
    const encoded = (field(block, 'content') ?? '').replace(/\s+/g, '');
    if (!mobile) continue;
    const sendtime = field(block, 'sendtime') ?? '';
    replies.push({
      vendor,
      mobile: localMobile(mobile),
      content: iconv.decode(Buffer.from(encoded, 'base64'), cs),
      // <receiver> names our account at the vendor, not the caller's, so the account is found by the number.
      extNo: null,
      // java.sql.Timestamp's `2012-08-16 01:05:39.0`, China time.
      at: parseVendorTime(sendtime) ?? now,
      vendorKey: `${mobile}|${sendtime}|${encoded}`,
    });
  }
  return replies;
}

/** `memberSmsNum=684;gateSmsNum=49919;kaSmsNum=49964` → the pools by smstype. */
export function parseBalance(text: string): Record<0 | 1 | 2, number> {
  const answer = text.trim();
  if (/^failure/i.test(answer)) throw new Error(answer);
  const values = new Map<string, string>();
  for (const pair of answer.split(/[;&\s]+/)) {
    const [key = '', value = ''] = pair.split('=', 2).map((s) => s.trim());
    if (/^-?\d+(?:\.\d+)?$/.test(value)) values.set(key, value);
  }
  const pool = (key: string) => {
    const v = values.get(key);
    if (v === undefined) throw new Error(`unexpected answer: ${answer.slice(0, 200)}`);
    return Number(v);
  };
  return { 0: pool('kaSmsNum'), 1: pool('gateSmsNum'), 2: pool('memberSmsNum') };
}

// ---------------------------------------------------------------------------------------------
// The adapter

class JzyyunVendor implements Vendor {
  readonly name: string;
  readonly polls: VendorPoll[];
  private readonly url: string;

  constructor(
    private readonly settings: JzyyunSettings,
    context: VendorContext,
  ) {
    this.name = context.name;
    this.url = servletUrl(settings.url);
    this.polls = [
      { name: 'reports', intervalMs: settings.pollIntervalMs, fetch: () => this.pollReports() },
      { name: 'replies', intervalMs: settings.pollIntervalMs, fetch: () => this.pollReplies() },
    ];
  }

  /** The credentials every method starts with. */
  private credentials(method: string): [[string, string], [string, string], [string, string]] {
    return [
      ['method', method],
      ['username', this.settings.username],
      ['password', encodePassword(this.settings.password, this.settings.charset)],
    ];
  }

  /** One POST to the servlet, parameters as a form body in the vendor's charset (the seed's Java sample). */
  private post(form: Params): Promise<VendorResponse> {
    return vendorRequest({
      method: 'POST',
      url: this.url,
      form,
      charset: this.settings.charset,
      timeoutMs: this.settings.timeoutMs,
    });
  }

  /** A poll or balance call: the answer's text, or an error on an HTTP error status. */
  private async call(form: Params): Promise<string> {
    const res = await this.post(form);
    if (res.status !== 200) throw new Error(httpStatus(res));
    return res.text;
  }

  /** One request per text, extension, signature and isLongSms (see groupForRequests), never a number twice: one batch id per request. */
  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const { maxNumbersPerRequest: maxNumbers, concurrency, charset } = this.settings;
    return sendInRequests(this.name, batch, { maxNumbers, concurrency, charset }, (messages) => this.sendRequest(messages));
  }

  private async sendRequest(messages: OutboundMessage[]): Promise<SendOutcome[]> {
    const first = messages[0]!;
    const [method, username, password] = this.credentials(METHODS.send);
    // In the order of the seed's example URL.
    const res = await this.post([
      method,
      ['isLongSms', first.isLong ? '1' : '0'],
      username,
      password,
      ['smstype', String(this.settings.smstype)],
      ['extenno', first.extNo ?? ''],
      ['mobile', messages.map((m) => m.mobile).join(',')],
      ['content', withSignature(first.content, first.signature, this.settings.signaturePlacement)],
    ]);
    // An HTTP error status: the vendor answered, so this request's rows are retryable while the others' outcomes stand.
    const answer: SendAnswer = res.status === 200 ? parseSendAnswer(res.text) : { ok: false, retryable: true, reason: httpStatus(res) };
    return messages.map((m) =>
      answer.ok
        ? { id: m.id, ok: true, vendorMsgId: answer.batchId }
        : { id: m.id, ok: false, retryable: answer.retryable, error: `${this.name}: ${answer.reason}` },
    );
  }

  private async pollReports(): Promise<VendorNews> {
    const text = await this.call(this.credentials(METHODS.reports));
    return { reports: parseReports(text, this.name) };
  }

  private async pollReplies(): Promise<VendorNews> {
    const text = await this.call(this.credentials(METHODS.replies));
    return { replies: parseReplies(text, this.name, this.settings.charset) };
  }

  async balance(): Promise<VendorBalance> {
    const text = await this.call(this.credentials(METHODS.balance));
    return { balance: parseBalance(text)[this.settings.smstype as 0 | 1 | 2], raw: text.trim() };
  }
}

function httpStatus(res: VendorResponse): string {
  return `HTTP ${res.status} ${res.text.trim().slice(0, 200)}`.trim();
}

export const jzyyun = defineVendor({
  type: 'jzyyun',
  settings,
  create: (options, context) => new JzyyunVendor(options, context),
});
