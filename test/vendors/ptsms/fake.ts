import { createHash, randomInt } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { chinaTime, type FakeServer, type ReceivedRequest, startFakeServer } from '../support';

/**
 * A fake of the name/pwd/type=pt vendor, written from its manual (seed 003), not from the adapter:
 *
 * - One URL (1.5 "联系客服获取接口请求地址"): here `<fake>/sms`, the whole URL given as `url`.
 *   POST only (1.4), a UTF-8 application/x-www-form-urlencoded body.
 * - `type=pt` (1.6): name, pwd (the 接口密码, as is), content (1–500 characters), mobile (comma
 *   list), stime (optional, `2012-08-01 8:20:23`), sign (required), extno (optional, digits).
 *   Answers one line (1.7) `0, <sendid>,<invalid>,<success>,<black>,提交成功` (the space after the
 *   first comma is the seed's own example), or `<code>,<msg>`: 1 sensitive words, 3 no number,
 *   4 SQL, 10 account does not exist (wrong name or pwd: the seed has no "wrong password" code),
 *   14 format error, -1 system error. One sendid per request whatever the number count.
 * - `type=balance` (2.): `0,<balance>` (2.3 "code为获取状态,balance是用户余额"), or `10,账户不存在`.
 * - Reports (3.): POSTed to `reportUrl` after a send, one push per state with the numbers sharing it
 *   as a comma list, `name=MD5(AccessSecret+random+timestamp)`, pwd = the receive password, sendid,
 *   time, mobile, state, and the random and timestamp it carries.
 * - Replies (4.): POSTed to `replyUrl`: name, pwd, args = number#@#text#@#time#@#system ext +
 *   own ext, several joined by #@@#.
 */

export const FAKE_PTSMS = {
  path: '/sms',
  name: 'gwtest',
  /** The 28-character 接口密码 of the seed's Java example: sent as it is. */
  pwd: '0C759A360WWBD5F5E0F5FF9F0597',
  accessSecret: 'ak-7f3e9b21',
  /** Receive password of report pushes (3.1 pwd). */
  pushPassword: 'rpt-pass',
  /** Receive user name and password of reply pushes (4.1 name, pwd). */
  replyName: 'mo-user',
  replyPassword: 'mo-pass',
  /** The system extension the vendor gives this account (4.: "008为系统为该用户设置的扩展码"). */
  systemExt: '008',
  sensitiveWords: ['赌博', '发票'],
  blacklist: ['13700137000'],
};

export type FakeMode = 'ok' | 'slow' | 'busy' | 'http500';

export interface FakeSend {
  fields: URLSearchParams;
  answer: string;
}

export interface FakePush {
  kind: 'reports' | 'replies';
  body: string;
  status: number;
  answer: string;
}

export interface FakeReply {
  mobile: string;
  content: string;
  time: string;
  /** System extension plus the extno of the send; may be empty. */
  ext: string;
}

const SENDID_DIGITS = 9;

export class FakePtsms {
  /** How the next requests are answered: ok, slow (answered after `slowMs`), busy (-1 系统异常), http500. */
  mode: FakeMode = 'ok';
  slowMs = 1500;
  /** The mode of one request, by its fields; `mode` unless a test says otherwise. */
  modeOf: (fields: URLSearchParams) => FakeMode = () => this.mode;
  /** The state each number's report will carry; DELIVRD when not set. */
  readonly states = new Map<string, string>();
  /** Where reports and replies are pushed (the gateway's callback URLs); no push while unset. */
  reportUrl: string | null = null;
  replyUrl: string | null = null;
  balance = 5000;
  /**
   * Time from an accepted send to its report push. None by default: the push overtakes the
   * gateway recording the sendid, the race a fast carrier causes (see test/vendors/ptsms.test.ts).
   */
  reportDelayMs = 0;
  readonly sends: FakeSend[] = [];
  readonly pushes: FakePush[] = [];
  private pending = new Set<Promise<unknown>>();
  private stopped = false;

  private constructor(private readonly server: FakeServer) {}

  static async start(): Promise<FakePtsms> {
    let fake: FakePtsms | null = null;
    const server = await startFakeServer((req, res) => fake!.handle(req, res));
    fake = new FakePtsms(server);
    return fake;
  }

  /** The full URL of the vendor's one endpoint. */
  get url(): string {
    return `${this.server.url}${FAKE_PTSMS.path}`;
  }

  /** Every request, raw bytes as received. */
  get received(): ReceivedRequest[] {
    return this.server.received;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.pending]);
    await this.server.stop();
  }

  private async handle(req: ReceivedRequest, res: ServerResponse): Promise<void> {
    if (req.path !== FAKE_PTSMS.path) return answer(res, 404, 'Not Found');
    if (req.method !== 'POST') return answer(res, 405, 'Method Not Allowed');
    // A form body: percent-escapes are UTF-8 bytes (1.4), '+' a space.
    const fields = new URLSearchParams(req.body.toString('utf8'));
    const mode = this.modeOf(fields);
    if (mode === 'http500') return answer(res, 500, 'Internal Server Error');
    if (mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    if (mode === 'busy') return answer(res, 200, '-1,系统异常');
    if (fields.get('name') !== FAKE_PTSMS.name || fields.get('pwd') !== FAKE_PTSMS.pwd) return answer(res, 200, '10,账号不存在');
    const type = fields.get('type');
    if (type === 'balance') return answer(res, 200, `0,${this.balance}`);
    if (type !== 'pt') return answer(res, 200, '14,格式错误');
    const text = this.submit(fields);
    this.sends.push({ fields, answer: text });
    answer(res, 200, text);
  }

  /** 1.6/1.7: checks a send and answers it; an accepted one gets its reports pushed. */
  private submit(fields: URLSearchParams): string {
    const content = fields.get('content') ?? '';
    const sign = fields.get('sign') ?? '';
    const extno = fields.get('extno') ?? '';
    const stime = fields.get('stime') ?? '';
    const mobiles = (fields.get('mobile') ?? '')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean);
    if (mobiles.length === 0) return '3,没有号码';
    const chars = [...content].length;
    if (chars < 1 || chars > 500 || sign === '' || !/^\d*$/.test(extno)) return '14,格式错误';
    if (stime !== '' && !/^\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}$/.test(stime)) return '14,格式错误';
    if (FAKE_PTSMS.sensitiveWords.some((w) => content.includes(w) || sign.includes(w))) return '1,含有敏感词汇';
    if (/\b(select|insert|update|delete|drop)\b[\s\S]*\b(from|into|table|set)\b/i.test(content)) return '4,包含sql语句';
    const invalid = mobiles.filter((m) => !/^1\d{10}$/.test(m));
    const black = mobiles.filter((m) => FAKE_PTSMS.blacklist.includes(m));
    const accepted = mobiles.filter((m) => !invalid.includes(m) && !black.includes(m));
    const sendid = newSendId();
    this.balance -= accepted.length;
    if (accepted.length > 0) this.later(() => this.pushReportsOf(sendid, accepted));
    return `0, ${sendid},${invalid.length},${accepted.length},${black.length},提交成功`;
  }

  /** One push per state: the numbers sharing a state go together as a comma list (3.1 mobile). */
  private async pushReportsOf(sendid: string, mobiles: string[]): Promise<void> {
    const byState = new Map<string, string[]>();
    for (const m of mobiles) {
      const state = this.states.get(m) ?? 'DELIVRD';
      byState.set(state, [...(byState.get(state) ?? []), m]);
    }
    for (const [state, list] of byState) await this.pushReport({ sendid, mobiles: list, state });
  }

  /** Pushes one report as the vendor does (3.1); `name` and `pwd` may be overridden to test refusals. */
  async pushReport(report: { sendid: string; mobiles: string[]; state: string; name?: string; pwd?: string }): Promise<FakePush> {
    const random = String(randomInt(100_000, 999_999));
    const timestamp = String(Math.floor(Date.now() / 1000));
    const params = new URLSearchParams({
      name: report.name ?? md5(FAKE_PTSMS.accessSecret + random + timestamp),
      pwd: report.pwd ?? FAKE_PTSMS.pushPassword,
      sendid: report.sendid,
      time: chinaTime(),
      mobile: report.mobiles.join(','),
      state: report.state,
      random,
      timestamp,
    });
    return this.post('reports', this.reportUrl, params.toString());
  }

  /** Pushes replies as the vendor does (4.1), several in one push joined by #@@#. */
  async pushReplies(replies: FakeReply[], auth: { name?: string; pwd?: string } = {}): Promise<FakePush> {
    const args = replies.map((r) => [r.mobile, r.content, r.time, r.ext].join('#@#')).join('#@@#');
    const params = new URLSearchParams({ name: auth.name ?? FAKE_PTSMS.replyName, pwd: auth.pwd ?? FAKE_PTSMS.replyPassword, args });
    return this.post('replies', this.replyUrl, params.toString());
  }

  /** Posts any form body to a callback, for malformed pushes. */
  async post(kind: 'reports' | 'replies', url: string | null, body: string): Promise<FakePush> {
    if (!url) throw new Error(`fake ptsms: no ${kind} URL set`);
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const push = { kind, body, status: res.status, answer: await res.text() };
    this.pushes.push(push);
    return push;
  }

  private later(fn: () => Promise<void>): void {
    const run = new Promise((r) => setTimeout(r, this.reportDelayMs)).then(() => (this.stopped ? undefined : fn())).catch(() => undefined);
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/html; charset=utf-8');
  res.end(body);
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** Like the seed's example sendid 20140821110353234137876543: time to the millisecond and 9 digits. */
function newSendId(): string {
  const now = new Date();
  const t = chinaTime(now).replace(/\D/g, '') + String(now.getMilliseconds()).padStart(3, '0');
  let tail = '';
  for (let i = 0; i < SENDID_DIGITS; i++) tail += String(randomInt(0, 10));
  return t + tail;
}
