/**
 * 畅卓 chanzor (seed 000, 客户接口说明): HTTP POST of a form, XML answers.
 *   send     POST :8001/sms.aspx (UTF-8) or :8001/smsGBK.aspx (GB2312)
 *            action=send&userid=&account=&password=&mobile=&content=&sendTime=
 *            → <returnsms><returnstatus>Success|Faild</returnstatus><message/><remainpoint/><taskID/><successCounts/></returnsms>
 *   balance  the same endpoint, action=overage → <returnsms>…<payinfo/><overage/><sendTotal/></returnsms>
 *   reports  POST :8001/statusApi.aspx action=query → <returnsms><statusbox>…</statusbox>…</returnsms>, each handed out once
 *   replies  POST :8001/callApi.aspx action=query → <returnsms><callbox>…</callbox>…</returnsms> (chapter 5, lost from the
 *            seed; the shape chanzor's published clients use)
 * One taskID covers a request; reports carry the number, so every number of a request gets that id.
 */
import { randomUUID } from 'node:crypto';
import iconv from 'iconv-lite';
import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { parseXml, type XmlElement } from '../../soap/xml';
import { localMobile, parseVendorTime, withSignature } from '../common';
import { sendInRequests, type VendorResponse, vendorRequest } from '../request';
import { pollSettings, signatureSettings, vendorSettings } from '../settings';
import {
  defineVendor,
  type OutboundMessage,
  type SendOutcome,
  type Vendor,
  type VendorBalance,
  type VendorContext,
  type VendorPoll,
} from '../types';

/** Endpoint paths, appended to `url` (the vendor's base, e.g. http://sms.chanzor.com:8001). */
export const PATHS = {
  /** Send and balance, parameters in UTF-8. */
  sendUtf8: '/sms.aspx',
  /** Send and balance, parameters in GB2312. */
  sendGb2312: '/smsGBK.aspx',
  reports: '/statusApi.aspx',
  replies: '/callApi.aspx',
} as const;

const settings = vendorSettings.extend({
  /** 企业ID; chanzor leaves it empty for most accounts (the seed's examples send `userid=`). */
  userid: z
    .union([z.string().regex(/^\d*$/, 'must be digits'), z.int().min(0)])
    .transform(String)
    .default(''),
  /** Picks the send endpoint: utf-8 → sms.aspx, gb2312 → smsGBK.aspx (read as CP936/GBK, so 镕 survives). */
  charset: z.enum(['utf-8', 'gb2312']).default('utf-8'),
  /** Numbers per send request; the seed names no maximum, so this stays modest. */
  maxNumbersPerRequest: z.int().min(1).max(10_000).default(500),
  /** Whether to pass the account's extension number as `extno` (digits, at most 5, per chanzor's public docs). */
  sendExtNo: z.boolean().default(true),
  /** No signature parameter: the account's signature goes into the text, after it by default as chanzor's clients write it. */
  ...signatureSettings('suffix'),
  ...pollSettings,
});

export type ChanzorSettings = z.infer<typeof settings>;

/** What to do with a failed send, by the vendor's message text. */
export interface SendFailure {
  retryable: boolean;
  reason: string;
}

/**
 * The 返回信息 table (lost from the seed; chanzor's published table): login, balance and the
 * vendor's own database errors are retried on the next vendor; what is wrong with the message
 * itself fails it. A text not in the table is retried (the attempts are bounded).
 */
const SEND_MESSAGES: [RegExp, SendFailure][] = [
  [/用户名或密码不能为空/, { retryable: true, reason: 'our credentials are missing' }],
  [/用户名或密码错误/, { retryable: true, reason: 'our login was refused' }],
  [/余额/, { retryable: true, reason: 'our balance at the vendor is exhausted' }],
  [/其他错误/, { retryable: true, reason: "the vendor's own error" }],
  [/sql注入/i, { retryable: false, reason: 'content refused as SQL injection' }],
  [/号码不能为空/, { retryable: false, reason: 'no valid number' }],
  [/内容不能为空/, { retryable: false, reason: 'empty content' }],
  [/非法字符|非法关键|关键字/, { retryable: false, reason: 'forbidden word' }],
  [/扩展子号/, { retryable: false, reason: 'extension number refused' }],
];

export function classifySendFailure(message: string): SendFailure {
  for (const [pattern, failure] of SEND_MESSAGES) if (pattern.test(message)) return failure;
  return { retryable: true, reason: 'unrecognized answer' };
}

/** The answer's text: the XML declaration's encoding wins over the HTTP header (chanzor declares utf-8 on every endpoint). */
export function decodeAnswer(body: Buffer, fallback: string): string {
  const head = body
    .subarray(0, 200)
    .toString('latin1')
    .replace(/^\xEF\xBB\xBF/, '');
  const declared = /^\s*<\?xml[^>]*encoding=["']([\w-]+)["']/i.exec(head)?.[1]?.toLowerCase();
  const charset = declared && iconv.encodingExists(declared) ? declared : fallback;
  return iconv.decode(body, charset).replace(/^\uFEFF/, '');
}

function parseRoot(xml: string): XmlElement {
  const root = parseXml(xml.trim());
  if (root.local !== 'returnsms') throw new Error(`not a <returnsms> answer: <${root.local}>`);
  return root;
}

/** The text of `name` under `el` (case-insensitive: the seed writes both taskID and taskid), trimmed. */
function field(el: XmlElement, name: string): string {
  const lower = name.toLowerCase();
  return el.children.find((c) => c.local.toLowerCase() === lower)?.text.trim() ?? '';
}

/** The send answer. */
export interface SendAnswer {
  ok: boolean;
  returnstatus: string;
  message: string;
  taskID: string;
  remainpoint: string;
  successCounts: string;
}

export function parseSendAnswer(xml: string): SendAnswer {
  const root = parseRoot(xml);
  const returnstatus = field(root, 'returnstatus');
  if (returnstatus === '') throw new Error('no <returnstatus> in the answer');
  return {
    ok: returnstatus.toLowerCase() === 'success',
    returnstatus,
    message: field(root, 'message'),
    taskID: field(root, 'taskID'),
    remainpoint: field(root, 'remainpoint'),
    successCounts: field(root, 'successCounts'),
  };
}

/**
 * One outcome per message of a request from its answer. Success: every number gets the request's
 * taskID (successCounts is a count, not a list, so a partial success cannot be told apart; the
 * reports say which numbers failed).
 */
export function sendOutcomes(vendor: string, batch: OutboundMessage[], res: Pick<VendorResponse, 'status' | 'text'>): SendOutcome[] {
  const fail = (retryable: boolean, error: string): SendOutcome[] => batch.map((m) => ({ id: m.id, ok: false, retryable, error }));
  if (res.status !== 200) return fail(true, `${vendor}: HTTP ${res.status} ${res.text.slice(0, 200)}`.trim());
  let answer: SendAnswer;
  try {
    answer = parseSendAnswer(res.text);
  } catch (err) {
    return fail(true, `${vendor}: unreadable answer (${(err as Error).message}): ${res.text.slice(0, 200)}`);
  }
  if (answer.ok) {
    // Accepted with no id: not retried (it may be sent), reported unknown when the report window closes.
    const vendorMsgId = answer.taskID || `no-taskid:${randomUUID()}`;
    return batch.map((m) => ({ id: m.id, ok: true, vendorMsgId }));
  }
  const failure = classifySendFailure(answer.message);
  return fail(failure.retryable, `${vendor}: ${answer.returnstatus}|${answer.message} (${failure.reason})`);
}

/** `<errorstatus><error>n</error><remark>…</remark></errorstatus>`, the reports and replies calls' refusal (1 empty login, 2 wrong login, 3 not allowed, 4 bad parameters). */
function queryError(root: XmlElement): string | null {
  const err = root.local === 'errorstatus' ? root : root.children.find((c) => c.local.toLowerCase() === 'errorstatus');
  return err ? `${field(err, 'error')}|${field(err, 'remark')}` : null;
}

/** 10 delivered, 20 failed, refined by the upstream gateway's errorcode; anything else unknown. */
export function deliveryStatus(status: string, errorcode: string): DeliveryStatus {
  const code = errorcode.toUpperCase();
  if (status === '10') return 'delivered';
  if (status !== '20') return 'unknown';
  if (code.includes('EXPIRED')) return 'expired';
  if (/REJECT|BLACK/.test(code)) return 'rejected';
  return 'undelivered';
}

export function parseReports(vendor: string, xml: string, now = new Date()): DeliveryReport[] {
  const root = parseRoot(xml);
  const error = queryError(root);
  if (error) throw new Error(`${vendor}: statusApi refused: ${error}`);
  return root.children
    .filter((c) => c.local.toLowerCase() === 'statusbox')
    .map((box) => {
      const status = field(box, 'status');
      const errorcode = field(box, 'errorcode');
      const taskid = field(box, 'taskid');
      if (!taskid) throw new Error(`${vendor}: a statusbox without taskid`);
      return {
        vendor,
        vendorMsgId: taskid,
        mobile: localMobile(field(box, 'mobile')),
        status: deliveryStatus(status, errorcode),
        code: errorcode ? `${status}:${errorcode}` : status,
        // `2011-12-02 22:12:11` (or with slashes), Beijing time.
        at: parseVendorTime(field(box, 'receivetime')) ?? now,
      };
    });
}

export function parseReplies(vendor: string, xml: string, now = new Date()): InboundReply[] {
  const root = parseRoot(xml);
  const error = queryError(root);
  if (error) throw new Error(`${vendor}: callApi refused: ${error}`);
  return root.children
    .filter((c) => c.local.toLowerCase() === 'callbox')
    .map((box) => {
      const mobile = field(box, 'mobile');
      const receivetime = field(box, 'receivetime');
      // The raw (untrimmed) text, so a reply is kept exactly as sent.
      const content = box.children.find((c) => c.local.toLowerCase() === 'content')?.text ?? '';
      const taskid = field(box, 'taskid');
      const extno = field(box, 'extno');
      return {
        vendor,
        mobile: localMobile(mobile),
        content,
        extNo: extno || null,
        at: parseVendorTime(receivetime) ?? now,
        // No id of its own: what the vendor sent identifies it.
        vendorKey: [taskid, mobile, receivetime, content].join('|'),
      };
    });
}

export function parseBalance(vendor: string, xml: string): VendorBalance {
  const root = parseRoot(xml);
  const returnstatus = field(root, 'returnstatus');
  const overage = field(root, 'overage');
  // The seed writes Success; chanzor's own sample client also expects the misspelt Sucess here.
  if (!/^succ?ess$/i.test(returnstatus) || !/^-?\d+(\.\d+)?$/.test(overage)) {
    throw new Error(`${vendor}: overage refused: ${returnstatus}|${field(root, 'message')}`);
  }
  return { balance: Number(overage), raw: xml };
}

class ChanzorVendor implements Vendor {
  readonly name: string;
  readonly polls: VendorPoll[];

  constructor(
    private readonly s: ChanzorSettings,
    context: VendorContext,
  ) {
    this.name = context.name;
    this.polls = [
      {
        name: 'reports',
        intervalMs: s.pollIntervalMs,
        fetch: async () => ({ reports: parseReports(this.name, await this.query(PATHS.reports)) }),
      },
      {
        name: 'replies',
        intervalMs: s.pollIntervalMs,
        fetch: async () => ({ replies: parseReplies(this.name, await this.query(PATHS.replies)) }),
      },
    ];
  }

  private url(path: string): string {
    return this.s.url.replace(/\/+$/, '') + path;
  }

  private login(action: string): [string, string][] {
    return [
      ['action', action],
      ['userid', this.s.userid],
      ['account', this.s.username],
      ['password', this.s.password],
    ];
  }

  private get sendPath(): string {
    return this.s.charset === 'gb2312' ? PATHS.sendGb2312 : PATHS.sendUtf8;
  }

  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const limits = { maxNumbers: this.s.maxNumbersPerRequest, concurrency: this.s.concurrency, charset: this.s.charset };
    return sendInRequests(this.name, batch, limits, (group) => this.sendGroup(group));
  }

  private async sendGroup(group: OutboundMessage[]): Promise<SendOutcome[]> {
    const first = group[0]!;
    const form = [
      ...this.login('send'),
      ['mobile', group.map((m) => m.mobile).join(',')],
      ['content', withSignature(first.content, first.signature, this.s.signaturePlacement)],
      ['sendTime', ''],
    ] as [string, string][];
    if (this.s.sendExtNo && first.extNo) form.push(['extno', first.extNo]);
    const res = await vendorRequest({
      method: 'POST',
      url: this.url(this.sendPath),
      form,
      charset: this.s.charset,
      timeoutMs: this.s.timeoutMs,
    });
    return sendOutcomes(this.name, group, { status: res.status, text: decodeAnswer(res.body, this.s.charset) });
  }

  /** statusApi / callApi: the seed's interfaces are UTF-8 apart from the GB2312 send twin. */
  private async query(path: string): Promise<string> {
    const res = await vendorRequest({
      method: 'POST',
      url: this.url(path),
      form: this.login('query'),
      charset: 'utf-8',
      timeoutMs: this.s.timeoutMs,
    });
    if (res.status !== 200) throw new Error(`${this.name}: ${path} answered HTTP ${res.status}`);
    return decodeAnswer(res.body, 'utf-8');
  }

  async balance(): Promise<VendorBalance> {
    const res = await vendorRequest({
      method: 'POST',
      url: this.url(this.sendPath),
      form: this.login('overage'),
      charset: this.s.charset,
      timeoutMs: this.s.timeoutMs,
    });
    if (res.status !== 200) throw new Error(`${this.name}: overage answered HTTP ${res.status}`);
    return parseBalance(this.name, decodeAnswer(res.body, this.s.charset));
  }
}

export const chanzor = defineVendor({
  type: 'chanzor',
  settings,
  create: (options, context) => new ChanzorVendor(options, context),
});
