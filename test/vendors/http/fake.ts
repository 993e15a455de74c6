import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { chinaTime, type FakeServer, type ReceivedRequest, startFakeServer } from '../support';

/**
 * A fake "JSON cloud" SMS vendor, the kind none of the seed vendors is: a JSON API with an API-key
 * header, a signed body, numbers as a JSON array in E.164, per-number ids, reports pushed as a JSON
 * object holding an array, replies pulled as JSON, a JSON balance. Its manual, which this fake
 * follows (and the test's YAML describes for `type: http`):
 *
 * - Every call carries the header `X-Api-Key: <apiKey>` (else HTTP 401 `{"code":401,"msg":"no key"}`)
 *   and `account`, `ts` (unix seconds, within 300 s of now) and `sign` = lower-case hex
 *   MD5(account + secret + ts); a wrong sign answers `{"code":1001,"msg":"sign mismatch"}`.
 * - `POST /v2/sms/send`, `application/json` UTF-8: `{account, ts, sign, phones: ["+8613800138000", …]
 *   (at most 50), text, ext}`. Answers `{"code":0,"msg":"ok","data":{"batch":"B…","items":[{"phone",
 *   "msgid"}, …]}}`, numbers that are not +86 mobiles left out of items; or a code: 2001 forbidden
 *   word, 2002 text over 500 characters, 2003 no valid number (all for good), 3001 balance low,
 *   5000 busy (worth trying later); HTTP 503 when overloaded.
 * - Reports: POSTed as JSON to the console's report URL: `{"token":<pushToken>,"reports":[{"msgid",
 *   "phone","stat","done"}]}`, stat DELIVRD, UNDELIV, EXPIRED, BLACK, done `yyyy-MM-dd HH:mm:ss`
 *   Beijing time. The receiver answers `{"code":0}`; anything else is pushed again later.
 * - Replies: `GET /v2/sms/mo?account&ts&sign` → `{"code":0,"data":[{"id","phone","text","time","ext"}]}`,
 *   each reply handed out once, at most 100 a call.
 * - Balance: `GET /v2/account?account&ts&sign` → `{"code":0,"data":{"balance":"88.50"}}`.
 */

export const CLOUD = {
  apiKey: 'key-5b1c0e',
  account: 'gw01',
  secret: 's3cr&t 镕',
  pushToken: 'tok-9a2d',
  forbidden: ['赌博'],
};

export type CloudMode = 'ok' | 'slow' | 'busy' | 'http503' | 'balance';

export interface CloudSend {
  request: ReceivedRequest;
  body: Record<string, unknown>;
  answer: string;
  items: { phone: string; msgid: string }[];
}

export interface CloudPush {
  body: string;
  status: number;
  answer: string;
}

const md5 = (s: string) => createHash('md5').update(s, 'utf8').digest('hex');

export class FakeCloud {
  mode: CloudMode = 'ok';
  slowMs = 800;
  /** The stat each number's report carries (E.164); DELIVRD when not set. */
  readonly stats = new Map<string, string>();
  reportUrl: string | null = null;
  /** Push reports on their own after each accepted send. */
  autoReport = true;
  balance = '88.50';
  /** E.164 numbers the vendor leaves out of its answer's items (numbers its carriers refuse). */
  readonly omit = new Set<string>();
  readonly sends: CloudSend[] = [];
  readonly pushes: CloudPush[] = [];
  private readonly moQueue: { id: string; phone: string; text: string; time: string; ext: string }[] = [];
  private nextId = 1;
  private readonly pending = new Set<Promise<unknown>>();
  private stopped = false;

  private constructor(private readonly server: FakeServer) {}

  static async start(): Promise<FakeCloud> {
    let fake: FakeCloud | null = null;
    const server = await startFakeServer((req, res) => fake!.handle(req, res));
    fake = new FakeCloud(server);
    return fake;
  }

  get url(): string {
    return this.server.url;
  }

  get received(): ReceivedRequest[] {
    return this.server.received;
  }

  get pendingReplies(): number {
    return this.moQueue.length;
  }

  addReply(phone: string, text: string, ext = '', id = `MO${this.nextId++}`): string {
    this.moQueue.push({ id, phone, text, time: chinaTime(), ext });
    return id;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.pending]);
    await this.server.stop();
  }

  /** Whether account, ts and sign hold; the error answer when not. */
  private auth(fields: { account?: unknown; ts?: unknown; sign?: unknown }): string | null {
    const ts = Number(fields.ts);
    if (fields.account !== CLOUD.account) return JSON.stringify({ code: 1001, msg: 'sign mismatch' });
    if (!Number.isInteger(ts) || Math.abs(Date.now() / 1000 - ts) > 300) return JSON.stringify({ code: 1002, msg: 'ts out of range' });
    if (fields.sign !== md5(CLOUD.account + CLOUD.secret + String(fields.ts))) return JSON.stringify({ code: 1001, msg: 'sign mismatch' });
    return null;
  }

  private async handle(req: ReceivedRequest, res: ServerResponse): Promise<void> {
    if (req.headers['x-api-key'] !== CLOUD.apiKey) return json(res, 401, JSON.stringify({ code: 401, msg: 'no key' }));
    if (req.method === 'POST' && req.path === '/v2/sms/send') return this.send(req, res);
    if (req.method === 'GET' && (req.path === '/v2/sms/mo' || req.path === '/v2/account')) {
      const q = new URLSearchParams(req.rawQuery);
      const refused = this.auth({ account: q.get('account') ?? undefined, ts: q.get('ts') ?? undefined, sign: q.get('sign') ?? undefined });
      if (refused) return json(res, 200, refused);
      if (req.path === '/v2/account') return json(res, 200, JSON.stringify({ code: 0, data: { balance: this.balance } }));
      const page = this.moQueue.splice(0, 100);
      return json(res, 200, JSON.stringify({ code: 0, data: page }));
    }
    return json(res, 404, JSON.stringify({ code: 404, msg: 'not found' }));
  }

  private async send(req: ReceivedRequest, res: ServerResponse): Promise<void> {
    if (!/^application\/json/.test(String(req.headers['content-type'])))
      return json(res, 415, JSON.stringify({ code: 415, msg: 'json only' }));
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return json(res, 400, JSON.stringify({ code: 400, msg: 'bad json' }));
    }
    const record: CloudSend = { request: req, body, answer: '', items: [] };
    this.sends.push(record);
    const reply = (status: number, value: unknown) => {
      record.answer = JSON.stringify(value);
      json(res, status, record.answer);
    };
    if (this.mode === 'http503') return json(res, 503, '<html>503 Service Unavailable</html>', 'text/html');
    if (this.mode === 'slow') await new Promise((r) => setTimeout(r, this.slowMs));
    if (this.mode === 'busy') return reply(200, { code: 5000, msg: 'busy' });
    const refused = this.auth(body);
    if (refused) {
      record.answer = refused;
      return json(res, 200, refused);
    }
    if (this.mode === 'balance') return reply(200, { code: 3001, msg: 'balance low' });
    const phones = Array.isArray(body.phones) ? body.phones.map(String) : [];
    const text = typeof body.text === 'string' ? body.text : '';
    if (phones.length === 0 || phones.length > 50) return reply(200, { code: 2003, msg: 'no valid number' });
    if ([...text].length > 500) return reply(200, { code: 2002, msg: 'text too long' });
    const word = CLOUD.forbidden.find((w) => text.includes(w));
    if (word) return reply(200, { code: 2001, msg: `forbidden word: ${word}` });
    const good = phones.filter((p) => /^\+861\d{10}$/.test(p) && !this.omit.has(p));
    if (good.length === 0) return reply(200, { code: 2003, msg: 'no valid number' });
    record.items = good.map((phone) => ({ phone, msgid: `M${Date.now()}${this.nextId++}` }));
    reply(200, { code: 0, msg: 'ok', data: { batch: `B${this.nextId++}`, items: record.items } });
    if (this.autoReport) {
      const items = record.items;
      this.later(() =>
        this.pushReports(items.map((i) => ({ msgid: i.msgid, phone: i.phone, stat: this.stats.get(i.phone) ?? 'DELIVRD' }))),
      );
    }
  }

  /** Pushes reports as the vendor does; `token` may be overridden to test refusals. */
  async pushReports(reports: { msgid: string; phone: string; stat: string }[], token = CLOUD.pushToken): Promise<CloudPush> {
    const done = chinaTime();
    return this.post(JSON.stringify({ token, reports: reports.map((r) => ({ ...r, done })) }));
  }

  /** Posts any body to the report URL. */
  async post(body: string, contentType = 'application/json'): Promise<CloudPush> {
    if (!this.reportUrl) throw new Error('fake cloud: no report URL set');
    const res = await fetch(this.reportUrl, { method: 'POST', headers: { 'content-type': contentType }, body });
    const push = { body, status: res.status, answer: await res.text() };
    this.pushes.push(push);
    return push;
  }

  private later(fn: () => Promise<unknown>): void {
    const run = new Promise((r) => setTimeout(r, 20)).then(() => (this.stopped ? undefined : fn())).catch(() => undefined);
    this.pending.add(run);
    void run.finally(() => this.pending.delete(run));
  }
}

function json(res: ServerResponse, status: number, body: string, type = 'application/json; charset=utf-8'): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.end(body);
}
