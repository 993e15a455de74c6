import type { ServerResponse } from 'node:http';
import iconv from 'iconv-lite';
import { type FakeServer, formPairs, percentBytes, type ReceivedRequest, startFakeServer } from '../support';

/**
 * A fake 企业短信通 (seed 002), written from the seed alone: four ASP pages answering plain text,
 * parameters read as ASP's Request() reads them (query string, then a POSTed form), in GBK (code
 * page 936, the site being Chinese ASP). Reports and replies are fetch-once queues.
 */

/** The account the fake knows; every test configuration of this folder logs in with it. */
export const FAKE_USER = 'gwtest';
export const FAKE_PASSWORD = 'pw&112088 x';

export const FORBIDDEN_WORDS = ['赌博', '发票'];

export interface AcceptedSms {
  smsid: string;
  mobile: string;
  content: string;
  sendTime: string | null;
}

interface QueuedReport {
  smsid: string;
  mobile: string;
  status: string;
}

interface QueuedReply {
  id: string;
  mobile: string;
  content: string;
}

export interface FakeOptions {
  /**
   * How `d` of `0|a|b|d` is written: one SMSID per accepted number (the send section), or the
   * request's one 批次编号 repeated per accepted number (what the report example shows: two numbers share 6408649).
   */
  idStyle?: 'per-number' | 'batch';
  /** Between a reply's id and its number: `;` as the reply section says, `,` as its example writes. */
  replyIdSeparator?: ';' | ',';
  /** Messages left on the account (Get_Account_Balance.asp). */
  balance?: number;
}

export type SendMode = 'normal' | 'slow' | 'busy' | 'http500' | 'locked';

export interface Fake112088 extends FakeServer {
  accepted: AcceptedSms[];
  /** What report status the fake gives a number: 10 delivered, 20 failed, -1 no report yet. */
  reportStatus: (mobile: string) => string;
  sendMode: SendMode;
  /** How long a slow answer takes. */
  slowMs: number;
  /** Numbers whose send request the fake cuts off without an answer (a network error). */
  dropFor: Set<string>;
  balance: number;
  pendingReports(): number;
  pendingReplies(): number;
  /** Counts of report / reply items handed out so far. */
  handedOut: { reports: number; replies: number };
  addReply(mobile: string, content: string, id?: string): string;
  /** Puts every report handed out so far back into the queue (a vendor that repeats itself). */
  repeatReports(): void;
  /** The parameters of a received request, decoded from GBK, as ASP would read them. */
  params(req: ReceivedRequest): Map<string, string>;
  /** The received requests for one page. */
  requests(page: string): ReceivedRequest[];
}

/** Percent-decoding to bytes, then GBK: what IIS does with code page 936. */
export function decodeGbkForm(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of formPairs(raw)) {
    const key = iconv.decode(percentBytes(k), 'gbk');
    if (!out.has(key)) out.set(key, iconv.decode(percentBytes(v), 'gbk'));
  }
  return out;
}

/** The raw (still percent-encoded) value of `name` in a query or form. */
export function rawParam(raw: string, name: string): string | undefined {
  return formPairs(raw).find(([k]) => k === name)?.[1];
}

const answer = (res: ServerResponse, text: string, status = 200) => {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html');
  res.end(iconv.encode(text, 'gbk'));
};

/** Billable messages for a text: 70 characters one message, longer ones in parts of 67 (the long-SMS standard). */
const partsOf = (content: string) => (content.length <= 70 ? 1 : Math.ceil(content.length / 67));
const validNumber = (n: string) => /^(1\d{10}|0\d{9,11})$/.test(n);

export async function startFake112088(options: FakeOptions = {}): Promise<Fake112088> {
  const idStyle = options.idStyle ?? 'per-number';
  const sep = options.replyIdSeparator ?? ';';
  let nextId = 6408600;
  let nextReplyId = 133;
  const reportQueue: QueuedReport[] = [];
  const reportsGiven: QueuedReport[] = [];
  const replyQueue: QueuedReply[] = [];

  const params = (req: ReceivedRequest): Map<string, string> => {
    const merged = decodeGbkForm(req.rawQuery);
    const type = String(req.headers['content-type'] ?? '');
    if (req.method === 'POST' && type.startsWith('application/x-www-form-urlencoded')) {
      for (const [k, v] of decodeGbkForm(req.body.toString('latin1'))) if (!merged.has(k)) merged.set(k, v);
    }
    return merged;
  };

  /** -1 no such user, -7 wrong password; null when the login holds. */
  const login = (p: Map<string, string>, noUser: string): string | null => {
    if (p.get('us_name') !== FAKE_USER) return noUser;
    if (p.get('us_pwd') !== FAKE_PASSWORD) return '-7';
    return null;
  };

  const send = async (res: ServerResponse, p: Map<string, string>) => {
    const phones = (p.get('send_phone') ?? '').split(',').map((s) => s.trim());
    if (phones.some((n) => fake.dropFor.has(n))) {
      res.socket?.destroy();
      return;
    }
    if (fake.sendMode === 'slow') {
      await new Promise((r) => setTimeout(r, fake.slowMs));
      return answer(res, '-99');
    }
    if (fake.sendMode === 'http500') return answer(res, 'Microsoft VBScript runtime error', 500);
    if (fake.sendMode === 'busy') return answer(res, '-99');
    const refused = login(p, '-7');
    if (refused) return answer(res, refused);
    if (fake.sendMode === 'locked') return answer(res, '-10');
    const numbers = phones.filter((n) => n !== '');
    const content = p.get('send_content') ?? '';
    if (numbers.length === 0) return answer(res, '-1');
    if (content === '') return answer(res, '-2');
    if (numbers.length > 100) return answer(res, '-4');
    if (content.length > 335) return answer(res, '-8');
    const word = FORBIDDEN_WORDS.find((w) => content.includes(w));
    if (word) return answer(res, `-3|${word}`);
    const good = numbers.filter(validNumber);
    const cost = good.length * partsOf(content);
    if (cost > fake.balance) return answer(res, '-9');
    fake.balance -= cost;
    const sendTime = p.get('send_time') ?? null;
    const batchId = String(nextId++);
    const ids = good.map((mobile) => {
      const smsid = idStyle === 'batch' ? batchId : String(nextId++);
      fake.accepted.push({ smsid, mobile, content, sendTime });
      reportQueue.push({ smsid, mobile, status: fake.reportStatus(mobile) });
      return smsid;
    });
    return answer(res, `0|${good.length}|${numbers.length - good.length}|${ids.join(',')}`);
  };

  const reports = (res: ServerResponse, p: Map<string, string>) => {
    const refused = login(p, '-1');
    if (refused) return answer(res, refused);
    const page = reportQueue.splice(0, 100);
    reportsGiven.push(...page);
    fake.handedOut.reports += page.length;
    if (page.length === 0) return answer(res, '0');
    return answer(res, [String(page.length), ...page.map((r) => `${r.smsid};${r.mobile};${r.status}`)].join('|'));
  };

  const replies = (res: ServerResponse, p: Map<string, string>) => {
    const refused = login(p, '-1');
    if (refused) return answer(res, refused);
    const page = replyQueue.splice(0, 50);
    fake.handedOut.replies += page.length;
    if (page.length === 0) return answer(res, '0');
    return answer(res, [String(page.length), ...page.map((r) => `${r.id}${sep}${r.mobile};${r.content}`)].join('|'));
  };

  const server = await startFakeServer(async (req, res) => {
    const p = params(req);
    switch (req.path) {
      case '/sendsms_txt.asp':
        return send(res, p);
      case '/get_report_txt.asp':
        return reports(res, p);
      case '/get_receive_message_txt.asp':
        return replies(res, p);
      case '/Get_Account_Balance.asp': {
        const refused = login(p, '-1');
        return answer(res, refused ?? String(fake.balance));
      }
      default:
        return answer(res, '<html><body>404 - File or directory not found.</body></html>', 404);
    }
  });

  const fake: Fake112088 = {
    ...server,
    accepted: [],
    reportStatus: () => '10',
    sendMode: 'normal',
    slowMs: 1000,
    dropFor: new Set(),
    balance: options.balance ?? 10_000,
    handedOut: { reports: 0, replies: 0 },
    pendingReports: () => reportQueue.length,
    pendingReplies: () => replyQueue.length,
    addReply(mobile, content, id = String(nextReplyId++)) {
      replyQueue.push({ id, mobile, content });
      return id;
    },
    repeatReports() {
      reportQueue.push(...reportsGiven);
    },
    params,
    requests: (page) => server.received.filter((r) => r.path === `/${page}`),
  };
  return fake;
}
