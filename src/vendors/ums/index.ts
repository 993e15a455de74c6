import { randomInt } from 'node:crypto';
import iconv from 'iconv-lite';
import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { parseXml, type XmlElement } from '../../soap/xml';
import { localMobile, parseVendorTime, withSignature } from '../common';
import { decodeForm, sendInRequests, vendorRequest } from '../request';
import { type Charset, charset, pollSettings, signatureSettings, vendorSettings } from '../settings';
import {
  defineVendor,
  type OutboundMessage,
  type PushAnswer,
  type PushHandler,
  type PushRequest,
  type SendOutcome,
  type Vendor,
  type VendorBalance,
  type VendorContext,
  type VendorPoll,
} from '../types';
import { ReceiptBox } from './receipts';

/**
 * 一信通 UMS 企业信息服务平台, HTTP interface (seed 000, 2.1): `Send.do` and `SearchNumber.do`
 * take GB2312 form parameters and answer `k1=v1&k2=v2` with URL-encoded GB2312 values; delivery
 * receipts are text files on the vendor's FTP server; replies are POSTed to us as XML.
 */
export const SEND_PATH = 'sms/Api/Send.do';
export const BALANCE_PATH = 'sms/Api/SearchNumber.do';

/** UserNumber takes at most 1000 numbers a request (public UMS manuals; the seed's table was lost). */
export const MAX_NUMBERS_PER_REQUEST = 1000;

export const settings = vendorSettings.extend({
  /** 企业编号 (SpCode), given by the vendor with the account; `username` is LoginName, `password` is Password (sent as is). */
  spCode: z.string().min(1),
  /**
   * 提交时检测方式 (`f`): 1 sends to the valid numbers of a request and lists the invalid ones in
   * faillist; 0 refuses the whole request when one number is invalid.
   */
  f: z.int().min(0).max(1).default(1),
  /** The seed: every parameter GB2312 then URL-encoded. iconv-lite's gb2312 is CP936 (GBK), as the vendor's servers read it. */
  charset: charset.default('gb2312'),
  /** Numbers a Send.do request carries (UserNumber, comma-separated). */
  maxNumbersPerRequest: z.int().min(1).max(MAX_NUMBERS_PER_REQUEST).default(MAX_NUMBERS_PER_REQUEST),
  /** UMS has no signature parameter: the account's signature goes into MessageContent (see signatureSettings). */
  ...signatureSettings(),
  /** Our 接入号 at the vendor: stripped from a reply's callmdn to leave the extension number (empty: callmdn is taken as the extension). */
  accessNumber: z.string().regex(/^\d*$/, 'must be digits').default(''),
  /** Where receipts come from: the vendor's FTP server, or nowhere (rows then time out as unknown). */
  receipts: z.enum(['ftp', 'none']).default('ftp'),
  /** The receipts FTP server; by default the host of `url`. */
  ftpHost: z.string().min(1).optional(),
  /** Coerced, so `${FTP_PORT}` from the environment works. */
  ftpPort: z.coerce.number().int().min(1).max(65535).default(21),
  /** The FTP account; by default `username` and `password`. */
  ftpUser: z.string().min(1).optional(),
  ftpPassword: z.string().min(1).optional(),
  /** The directory the receipt files are put in; empty: the FTP account's home directory. */
  ftpDir: z.string().default(''),
  /** Where a file goes once its receipts are stored (relative to ftpDir, or absolute); empty: the file is deleted. */
  ftpDoneDir: z.string().default(''),
  /** Only files whose names start with this are receipt files (the seed's example: arrive_000139_25288_00f_6). */
  ftpFilePrefix: z.string().default('arrive_'),
  ...pollSettings,
});
export type UmsSettings = z.infer<typeof settings>;

/** What the vendor's result codes mean (public UMS manuals; the seed's code table was lost in copying). */
export type ResultKind = 'accepted' | 'permanent' | 'retryable';
const RESULT_CODES: Record<string, [ResultKind, string]> = {
  '0': ['accepted', 'sent'],
  '1': ['permanent', 'a required parameter is empty'],
  '2': ['retryable', 'account unknown or not opened'],
  '3': ['retryable', 'wrong password'],
  '4': ['permanent', 'invalid schedule time'],
  '5': ['retryable', 'IP not allowed'],
  '6': ['permanent', 'invalid number'],
  '7': ['permanent', 'forbidden word'],
  '8': ['permanent', 'content too long'],
  '9': ['retryable', 'too many numbers in one request'],
  '10': ['permanent', 'blacklisted'],
  '11': ['retryable', 'submitting too fast'],
  '12': ['retryable', 'service not subscribed'],
  '13': ['retryable', 'service quota exhausted'],
  '14': ['retryable', 'bad serial number format'],
  '15': ['retryable', 'serial number repeated'],
  '16': ['retryable', 'daily limit of the account reached'],
  '17': ['retryable', 'balance exhausted'],
  '18': ['retryable', 'charging failed'],
  '20': ['retryable', 'system error'],
  '21': ['retryable', 'account may send to China Unicom numbers only'],
  '22': ['retryable', 'account may send to China Mobile numbers only'],
  '23': ['retryable', 'account may send to China Telecom numbers only'],
  '24': ['retryable', 'account state abnormal'],
  '25': ['retryable', 'account lacks the permission'],
  // Held for manual review: it may still go out, and then its receipt comes; sending it elsewhere could deliver it twice.
  '26': ['accepted', 'held for manual review'],
  '28': ['permanent', 'content does not match the template'],
  '29': ['retryable', 'extension number too long or not digits'],
  '32': ['permanent', 'same content to the same number too often'],
};

/** A Send.do / SearchNumber.do result code: what it means for the messages, and in words. Unknown codes are retried. */
export function classifyResult(result: string): { kind: ResultKind; meaning: string } {
  const known = RESULT_CODES[result.trim()];
  return known ? { kind: known[0], meaning: known[1] } : { kind: 'retryable', meaning: 'unknown result code' };
}

/** The vendor's `k1=v1&k2=v2` answer: values URL-encoded (or raw) in the vendor's charset. */
export function parseAnswer(body: Buffer | string, cs: Charset = 'gb2312'): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of decodeForm(typeof body === 'string' ? Buffer.from(body, 'latin1') : body, cs)) {
    const key = k.trim().toLowerCase();
    if (key && !out.has(key)) out.set(key, v.trim());
  }
  return out;
}

/**
 * One Send.do answer → one outcome per message of the request. `result=0` accepts the request
 * under our SerialNumber, except the numbers in faillist (refused for good: invalid numbers).
 */
export function sendOutcomes(
  vendor: string,
  group: Pick<OutboundMessage, 'id' | 'mobile'>[],
  serial: string,
  status: number,
  body: Buffer,
  cs: Charset,
): SendOutcome[] {
  const raw = iconv.decode(body, cs).trim().slice(0, 200);
  if (status !== 200) return group.map((m) => ({ id: m.id, ok: false, retryable: true, error: `${vendor}: HTTP ${status} ${raw}`.trim() }));
  const answer = parseAnswer(body, cs);
  const result = answer.get('result');
  if (result === undefined || result === '') {
    return group.map((m) => ({ id: m.id, ok: false, retryable: true, error: `${vendor}: unreadable answer ${raw}` }));
  }
  const description = answer.get('description') ?? '';
  const failed = new Set(
    (answer.get('faillist') ?? '')
      .split(/[,;，\s]+/)
      .filter(Boolean)
      .map((n) => localMobile(n)),
  );
  const { kind, meaning } = classifyResult(result);
  const said = `${vendor}: ${result}|${description}`;
  return group.map((m): SendOutcome => {
    if (kind === 'accepted') {
      if (failed.has(m.mobile)) return { id: m.id, ok: false, retryable: false, error: `${said} (in faillist: invalid number)` };
      return { id: m.id, ok: true, vendorMsgId: serial };
    }
    // With f=0 an invalid number refuses the request: the numbers in faillist are the invalid ones when the vendor tells them apart.
    if (result === '6' && failed.size > 0 && !failed.has(m.mobile)) {
      return { id: m.id, ok: false, retryable: true, error: `${said} (another number of the request was invalid)` };
    }
    return { id: m.id, ok: false, retryable: kind === 'retryable', error: `${said} (${meaning})` };
  });
}

/** SearchNumber.do's answer: `result=0&description=…&number=<messages left>`. */
export function parseBalance(vendor: string, status: number, body: Buffer, cs: Charset): VendorBalance {
  const raw = iconv.decode(body, cs).trim();
  const answer = parseAnswer(body, cs);
  const result = answer.get('result');
  if (status !== 200 || result !== '0') {
    const desc = answer.get('description');
    throw new Error(
      `${vendor}: balance query refused: ${result === undefined ? `HTTP ${status} ${raw.slice(0, 200)}` : `${result}|${desc ?? ''}`}`,
    );
  }
  const balance = Number(answer.get('number'));
  if (!Number.isFinite(balance)) throw new Error(`${vendor}: balance answer without a number: ${raw}`);
  return { balance, raw };
}

/** A receipt line as the seed's Java reads it: `([^=\t]+)=([^\t]*)`, keys trimmed and upper-cased, values trimmed. */
export function parseReceiptLine(line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of line.matchAll(/([^=\t]+)=([^\t]*)/g)) out.set(m[1]!.trim().toUpperCase(), m[2]!.trim());
  return out;
}

/** RESULT 0 is delivered; otherwise the carrier's DESC decides (UNDELIV, EXPIRED, REJECTD …). */
export function receiptStatus(result: string, desc: string): DeliveryStatus {
  const r = result.trim();
  const d = desc.trim().toUpperCase();
  if (r === '0' || d === 'DELIVRD') return 'delivered';
  if (d === 'EXPIRED') return 'expired';
  if (d === 'REJECTD' || d.includes('BLACK')) return 'rejected';
  if (d === 'UNKNOWN' || (r === '' && d === '')) return 'unknown';
  return 'undelivered';
}

/**
 * A receipt file's lines → reports. `ID` carries the SerialNumber we sent (the only id Send.do
 * lets us know), `MDN` the handset, which narrows the match to one row of the request.
 */
export function parseReceipts(vendor: string, text: string, now = new Date()): DeliveryReport[] {
  const reports: DeliveryReport[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const r = parseReceiptLine(line);
    const id = r.get('ID');
    if (!id) continue;
    const result = r.get('RESULT') ?? '';
    const desc = r.get('DESC') ?? '';
    const mdn = localMobile(r.get('MDN') ?? '');
    reports.push({
      vendor,
      vendorMsgId: id,
      mobile: mdn || undefined,
      status: receiptStatus(result, desc),
      code: desc || result || 'UNKNOWN',
      // `yyyy-MM-dd HH:mm:ss` or `yyyyMMddHHmmss`, China time.
      at: parseVendorTime(r.get('ARRIVE_TIME')) ?? now,
    });
  }
  return reports;
}

/** The charset an XML push is in: its declaration, else its Content-Type, else the vendor's. */
function xmlCharset(body: Buffer, contentType: string, fallback: Charset): string {
  const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w.-]+)["']/i.exec(body.subarray(0, 200).toString('latin1'))?.[1];
  const fromHeader = /charset=["']?([\w.-]+)/i.exec(contentType)?.[1];
  for (const c of [declared, fromHeader]) if (c && iconv.encodingExists(c)) return c.toLowerCase();
  return fallback;
}

/**
 * The vendor's reply push: `<packet><reply><mdn/><callmdn/><msg/><replytime/></reply>…</packet>`,
 * one or more replies. `mdn` is the handset, `callmdn` the number it wrote to (access number and
 * extension). Throws on anything else.
 */
export function parseReplyPacket(
  vendor: string,
  body: Buffer,
  contentType: string,
  options: { charset: Charset; accessNumber: string },
  now = new Date(),
): InboundReply[] {
  if (body.length === 0) throw new Error('empty reply push');
  const text = iconv.decode(body, xmlCharset(body, contentType, options.charset));
  const root = parseXml(text);
  if (root.local !== 'packet') throw new Error(`reply push root is <${root.local}>, not <packet>`);
  const child = (el: XmlElement, name: string) => el.children.find((c) => c.local.toLowerCase() === name);
  return root.children
    .filter((c) => c.local === 'reply')
    .map((reply) => {
      const mdn = child(reply, 'mdn')?.text.trim() ?? '';
      const msg = child(reply, 'msg');
      if (!/^\+?\d{5,20}$/.test(mdn)) throw new Error(`reply without a valid <mdn>: "${mdn}"`);
      if (!msg) throw new Error('reply without <msg>');
      const callmdn = child(reply, 'callmdn')?.text.trim() ?? '';
      const replytime = child(reply, 'replytime')?.text.trim() ?? '';
      const ext = options.accessNumber && callmdn.startsWith(options.accessNumber) ? callmdn.slice(options.accessNumber.length) : callmdn;
      return {
        vendor,
        mobile: localMobile(mdn),
        content: msg.text,
        extNo: ext || null,
        at: parseVendorTime(replytime) ?? now,
        // The push carries no id of its own: the fields as sent tell a repeated push from a new reply.
        vendorKey: JSON.stringify([mdn, callmdn, replytime, msg.text]),
      };
    });
}

/** `<returncode>0</returncode>` for a packet taken; non-zero (1) for one refused or not stored, so the vendor sends it again. */
export function replyAnswer(applied: boolean): PushAnswer {
  return { contentType: 'text/xml', body: `<returncode>${applied ? 0 : 1}</returncode>` };
}

let serialCounter = 0;
/**
 * SerialNumber: 20 digits, unique (the vendor refuses a repeated one with 15): the time in
 * milliseconds (13), a per-process counter (3: one process never repeats one short of a thousand
 * requests in a millisecond; two digits let 500 serials made at once collide by their draw) and 4
 * random digits, so nodes sharing the account do not collide short of the same millisecond,
 * counter and draw.
 */
export function newSerialNumber(now = Date.now()): string {
  serialCounter = (serialCounter + 1) % 1000;
  return `${String(now).padStart(13, '0').slice(-13)}${String(serialCounter).padStart(3, '0')}${String(randomInt(10_000)).padStart(4, '0')}`;
}

/** `url` is the vendor's base (`http://host:8899`); a base that already ends in /sms/Api/ is accepted too. */
export function endpoint(base: string, path: string): string {
  const root = base.endsWith('/') ? base : `${base}/`;
  return root.endsWith('/sms/Api/') ? root + path.replace(/^sms\/Api\//, '') : root + path;
}

class UmsVendor implements Vendor {
  readonly name: string;
  readonly push: { replies: PushHandler };
  readonly polls: VendorPoll[];
  private readonly receiptBox: ReceiptBox | null = null;

  constructor(
    private readonly options: UmsSettings,
    context: VendorContext,
  ) {
    this.name = context.name;
    this.push = {
      replies: {
        parse: (push: PushRequest) => ({
          replies: parseReplyPacket(this.name, push.body, push.contentType, {
            charset: options.charset,
            accessNumber: options.accessNumber,
          }),
        }),
        answer: replyAnswer,
      },
    };
    this.polls = [];
    if (options.receipts === 'ftp') {
      const box = new ReceiptBox(
        {
          host: options.ftpHost ?? new URL(options.url).hostname,
          port: options.ftpPort,
          user: options.ftpUser ?? options.username,
          password: options.ftpPassword ?? options.password,
          dir: options.ftpDir,
          doneDir: options.ftpDoneDir,
          prefix: options.ftpFilePrefix,
          timeoutMs: options.timeoutMs,
        },
        (text) => parseReceipts(this.name, text),
        options.charset,
      );
      this.receiptBox = box;
      this.polls.push({ name: 'reports', intervalMs: options.pollIntervalMs, fetch: async () => ({ reports: await box.fetch() }) });
    }
  }

  async stop(): Promise<void> {
    this.receiptBox?.close();
  }

  private auth(): [string, string][] {
    return [
      ['SpCode', this.options.spCode],
      ['LoginName', this.options.username],
      ['Password', this.options.password],
    ];
  }

  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const limits = { maxNumbers: this.options.maxNumbersPerRequest, concurrency: this.options.concurrency, charset: this.options.charset };
    return sendInRequests(this.name, batch, limits, async (group) => {
      const first = group[0]!;
      const serial = newSerialNumber();
      const res = await vendorRequest({
        method: 'POST',
        url: endpoint(this.options.url, SEND_PATH),
        form: [
          ...this.auth(),
          ['MessageContent', withSignature(first.content, first.signature, this.options.signaturePlacement)],
          ['UserNumber', group.map((m) => m.mobile).join(',')],
          ['SerialNumber', serial],
          ['ScheduleTime', ''],
          ['ExtendAccessNum', first.extNo ?? ''],
          ['f', String(this.options.f)],
        ],
        charset: this.options.charset,
        timeoutMs: this.options.timeoutMs,
      });
      return sendOutcomes(this.name, group, serial, res.status, res.body, this.options.charset);
    });
  }

  async balance(): Promise<VendorBalance> {
    const res = await vendorRequest({
      method: 'POST',
      url: endpoint(this.options.url, BALANCE_PATH),
      form: this.auth(),
      charset: this.options.charset,
      timeoutMs: this.options.timeoutMs,
    });
    return parseBalance(this.name, res.status, res.body, this.options.charset);
  }
}

export const ums = defineVendor({
  type: 'ums',
  settings,
  create: (options, context) => new UmsVendor(options, context),
});
