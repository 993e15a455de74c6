import type { ServerResponse } from 'node:http';
import iconv from 'iconv-lite';
import { chinaTime, type FakeServer, formPairs, percentBytes, type ReceivedRequest, startFakeServer } from '../support';

/**
 * A fake of "XXX短信二次开发接口说明(HTTP接口)" (seed 000, the `.asp` family), written from the seed:
 *   SendSms.asp?Account&Password&Phones&Content&Channel&SendTime → the batch id (批号)
 *   GetReport.asp?Account&Password → ID$$$$号码$$$$时间$$$$报告标志$$$$报告||||…   (fetch-once)
 *   GetMessage.asp?Account&Password → 手机号$$$$上行内容$$$$发送时间||||…          (fetch-once)
 *   GetBalance.asp?Account&Password&Channel → the balance
 *   ChangePassword.asp?Account&Password&NewPassword
 * Channel: 1 106全网广告, 2 0713全网广告, 3 1069全网行业应用, 4 1065全网行业应用.
 *
 * Where the seed is silent this fake behaves as a classic-ASP page on a Chinese Windows server:
 * parameters read through ASP's Request collection (names case-insensitive, query or form), GBK
 * (CP936) bytes in and out, answers as `text/html` with no charset. The seed's list of error
 * answers was lost; this fake answers Chinese text errors (ERRORS below). Report flags: 0 with
 * DELIVRD for a delivered number, 1 with UNDELIV for one that was not.
 */

export const FAKE_ACCOUNT = 'acct01';
/** With a '#', so a password sent unencoded cuts the URL short. */
export const FAKE_PASSWORD = 'pass#123';

export const ERRORS = {
  login: '帐号或密码错误',
  channel: '通道错误',
  phones: '手机号码错误',
  forbidden: '内容含有非法关键字',
  busy: '系统忙,请稍后再试',
  balance: '余额不足',
} as const;

export const FORBIDDEN_WORDS = ['赌博', '发票'];

export type FakeMode = 'normal' | 'slow' | 'busy' | 'http500';

/** One call as the fake read it: the raw request and its parameters, raw (as sent) and decoded from GBK. */
export interface FakeCall {
  request: ReceivedRequest;
  page: string;
  /** Lower-cased name → the value exactly as sent, percent-escapes intact. */
  raw: Map<string, string>;
  /** Lower-cased name → the value decoded from GBK. */
  params: Map<string, string>;
}

/** GBK percent-decoding, as ASP's Request collection on a CP936 server does. */
const decodeComponent = (text: string): string => iconv.decode(percentBytes(text), 'gbk');

function readPairs(text: string, raw: Map<string, string>, params: Map<string, string>): void {
  for (const [encodedName, value] of formPairs(text)) {
    const name = decodeComponent(encodedName).trim().toLowerCase();
    if (raw.has(name)) continue; // ASP's Request("x") gives the query's value before the form's
    raw.set(name, value);
    params.set(name, decodeComponent(value));
  }
}

/** China time as ASP's Now writes it on a Chinese Windows: 2024-5-6 8:20:30 (no leading zero in month, day and hour). */
function chinaNow(): string {
  return chinaTime()
    .replace(/-0(?=\d)/g, '-')
    .replace(/ 0(?=\d:)/, ' ');
}

export interface AspSmsFake {
  url: string;
  server: FakeServer;
  calls: FakeCall[];
  /** How SendSms.asp answers: normal, slow (after `slowMs`), busy (系统忙), http500. */
  mode: FakeMode;
  slowMs: number;
  /** Numbers whose SendSms.asp call is answered after `slowMs` whatever the mode. */
  slowPhones: Set<string>;
  /** Numbers reported undelivered (flag 1, UNDELIV); every other number is reported delivered. */
  failPhones: Set<string>;
  balance: number;
  /** Our password at the vendor (change it to see our login refused). */
  password: string;
  /** GetReport records not handed out yet. */
  pendingReports: string[];
  /** While set, new reports wait here (the carrier's receipts have not come yet) until releaseReports(). */
  holdReports: boolean;
  heldReports: string[];
  releaseReports(): void;
  /** GetMessage records not handed out yet. */
  pendingReplies: string[];
  /** Every report record ever queued, with its batch id. */
  issued: { batchId: string; phone: string; record: string }[];
  /** A reply from a phone, queued for GetMessage; returns its record. */
  addReply(phone: string, content: string, time?: string): string;
  /** Queues a raw record again (a vendor that hands out the same record twice). */
  requeueReport(record: string): void;
  callsTo(page: string): FakeCall[];
  stop(): Promise<void>;
}

export async function startAspSmsFake(): Promise<AspSmsFake> {
  let nextBatch = 2024050600;
  const answer = (res: ServerResponse, text: string, status = 200) => {
    res.statusCode = status;
    res.setHeader('content-type', 'text/html');
    res.end(iconv.encode(text, 'gbk'));
  };

  const handle = async (request: ReceivedRequest, res: ServerResponse) => {
    const page = (request.path.split('/').pop() ?? '').toLowerCase();
    const raw = new Map<string, string>();
    const params = new Map<string, string>();
    readPairs(request.rawQuery, raw, params);
    if (request.body.length > 0) readPairs(request.body.toString('latin1'), raw, params);
    fake.calls.push({ request, page, raw, params });
    const get = (name: string) => params.get(name.toLowerCase()) ?? '';

    if (!['sendsms.asp', 'getreport.asp', 'getmessage.asp', 'getbalance.asp', 'changepassword.asp'].includes(page)) {
      return answer(res, '<h1>404 - 找不到文件或目录。</h1>', 404);
    }
    if (get('Account') !== FAKE_ACCOUNT || get('Password') !== fake.password) return answer(res, ERRORS.login);
    const channelOk = ['1', '2', '3', '4'].includes(get('Channel'));

    switch (page) {
      case 'sendsms.asp': {
        const phones = get('Phones')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        if (fake.mode === 'slow' || phones.some((p) => fake.slowPhones.has(p))) await new Promise((r) => setTimeout(r, fake.slowMs));
        if (fake.mode === 'http500') return answer(res, '500 - 内部服务器错误。', 500);
        if (fake.mode === 'busy') return answer(res, ERRORS.busy);
        if (!channelOk) return answer(res, ERRORS.channel);
        const bad = phones.find((p) => !/^1\d{10}$/.test(p));
        if (phones.length === 0 || bad !== undefined) return answer(res, `${ERRORS.phones}:${bad ?? ''}`);
        const content = get('Content');
        const word = FORBIDDEN_WORDS.find((w) => content.includes(w));
        if (word) return answer(res, `${ERRORS.forbidden}:${word}`);
        if (fake.balance < phones.length) return answer(res, ERRORS.balance);
        fake.balance -= phones.length;
        const batchId = String(nextBatch++);
        for (const phone of phones) {
          const failed = fake.failPhones.has(phone);
          const record = [batchId, phone, chinaNow(), failed ? '1' : '0', failed ? 'UNDELIV' : 'DELIVRD'].join('$$$$');
          (fake.holdReports ? fake.heldReports : fake.pendingReports).push(record);
          fake.issued.push({ batchId, phone, record });
        }
        return answer(res, batchId);
      }
      case 'getreport.asp': {
        const out = fake.pendingReports.splice(0).map((r) => `${r}||||`);
        return answer(res, out.join(''));
      }
      case 'getmessage.asp': {
        const out = fake.pendingReplies.splice(0).map((r) => `${r}||||`);
        return answer(res, out.join(''));
      }
      case 'getbalance.asp':
        return answer(res, channelOk ? String(fake.balance) : ERRORS.channel);
      default:
        return answer(res, get('NewPassword') ? '1' : ERRORS.login);
    }
  };

  const server = await startFakeServer((req, res) => handle(req, res));
  const fake: AspSmsFake = {
    url: server.url,
    server,
    calls: [],
    mode: 'normal',
    slowMs: 600,
    slowPhones: new Set(),
    failPhones: new Set(),
    balance: 1000,
    password: FAKE_PASSWORD,
    pendingReports: [],
    holdReports: false,
    heldReports: [],
    releaseReports() {
      fake.pendingReports.push(...fake.heldReports.splice(0));
    },
    pendingReplies: [],
    issued: [],
    addReply(phone, content, time = chinaNow()) {
      const record = [phone, content, time].join('$$$$');
      fake.pendingReplies.push(record);
      return record;
    },
    requeueReport(record) {
      fake.pendingReports.push(record);
    },
    callsTo: (page) => fake.calls.filter((c) => c.page === page.toLowerCase()),
    stop: () => server.stop(),
  };
  return fake;
}
