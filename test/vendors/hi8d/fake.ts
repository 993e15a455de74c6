import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type ReceivedRequest, startFakeServer } from '../support';

/**
 * A fake HI8D.COM 国际云通讯 HTTP 接口 1.0, written from the manual (seed 004), not from the adapter:
 * - `POST /servlet/gateway.php`, form fields account, passwd (MD5 of the password, upper-case hex),
 *   sender (optional), mb (numbers with their country code, "," separated), content (UTF-8);
 * - answers `{status, msg, guid, mb}`: status 1 with one guid per number, guid and mb comma lists
 *   in the same order; status 0 with msg only (用户名或者密码错误 for wrong credentials, 参数错误 for a
 *   missing parameter: the only two texts the manual has);
 * - a number sent without its country code "cannot go out" (manual: 否则短信无法发出): it is left
 *   out of the answer's guid/mb lists; when no number is left, status 0 参数错误;
 * - pushes reports `{status, msg, guid, sms, mb}` (status 1 success, 0 failure) as a JSON POST to
 *   the URL set in its console (`callbackUrl`), one object per number.
 * `style: 'json'` writes what a PHP server's json_encode writes (keys quoted, non-ASCII as \uXXXX);
 * `style: 'seed'` writes the manual's own examples literally: `{status:1,msg:\u7528…,"guid":"…"}`.
 */

export const HI8D_PATH = '/servlet/gateway.php';
/** The credentials the fake knows; the account is the manual's example account. */
export const HI8D_ACCOUNT = '10010';
export const HI8D_PASSWORD = 'Hi8d-secret';
/** The manual's two msg texts (its success examples carry the first, copied from the failure one). */
export const MSG_LOGIN = '用户名或者密码错误';
export const MSG_PARAMS = '参数错误';

export const md5Upper = (s: string) => createHash('md5').update(s, 'utf8').digest('hex').toUpperCase();

export interface Hi8dSend {
  request: ReceivedRequest;
  form: URLSearchParams;
  /** The numbers of `mb`, as sent. */
  numbers: string[];
  /** The guid the fake gave each number it took. */
  guids: Map<string, string>;
  answer: string;
}

export interface Hi8dPush {
  body: string;
  status: number;
  answer: string;
}

export interface FakeHi8d {
  url: string;
  received: ReceivedRequest[];
  /** Send requests the fake answered (or would have, for a slow answer). */
  sends: Hi8dSend[];
  /** Pushes the fake made and what the gateway answered. */
  pushes: Hi8dPush[];
  /** The report URL set in the vendor's console. */
  callbackUrl: string | null;
  style: 'json' | 'seed';
  /** The account and password the fake accepts. */
  credentials: { account: string; password: string };
  /** Time before the send answer, or a function of the request's numbers. */
  answerDelayMs: number | ((numbers: string[]) => number);
  /** Answer sends with this HTTP status and an error page (500). */
  httpStatus: number | null;
  /** Answer sends status 0 with this msg. */
  refuse: string | null;
  /** Country-code numbers the fake leaves out of its answer, as numbers it did not take. */
  omit: Set<string>;
  /** Report status for a number (with country code): 1 success, 0 failure. */
  reportStatus: (number: string) => number;
  /** Push a report for each number taken, `reportDelayMs` after the answer. */
  autoReport: boolean;
  reportDelayMs: number;
  /** A report body as this fake writes it. */
  reportBody(guid: string, number: string, status: number): string;
  /** POSTs a body to callbackUrl as the vendor does. */
  push(body: string, contentType?: string): Promise<Hi8dPush>;
  stop(): Promise<void>;
}

/** PHP's json_encode: keys quoted, `/` as `\/`, every non-ASCII character as \uXXXX (lower-case hex). */
function phpJson(value: Record<string, string | number>): string {
  return JSON.stringify(value)
    .replace(/\//g, '\\/')
    .replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const escapeU = (s: string) => s.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The manual's literal shape: status and msg bare (msg \u-escaped), the other keys quoted. */
function seedJson(value: Record<string, string | number>): string {
  const members = Object.entries(value).map(([k, v]) =>
    k === 'status' || k === 'msg' ? `${k}:${escapeU(String(v))}` : `"${k}":${JSON.stringify(String(v))}`,
  );
  return `{${members.join(',')}}`;
}

export async function startFakeHi8d(options: { countryCodes?: string[]; style?: 'json' | 'seed' } = {}): Promise<FakeHi8d> {
  const countryCodes = options.countryCodes ?? ['86'];
  const timers = new Set<NodeJS.Timeout>();
  let nextGuid = 1_000_000_000 + Math.floor(Math.random() * 1_000_000_000);

  const encode = (value: Record<string, string | number>) => (fake.style === 'seed' ? seedJson(value) : phpJson(value));

  const answer = (res: ServerResponse, status: number, body: string, type = 'text/html; charset=UTF-8') => {
    res.statusCode = status;
    res.setHeader('content-type', type);
    res.end(body);
  };

  const handle = async (req: ReceivedRequest, res: ServerResponse) => {
    if (req.method !== 'POST' || req.path !== HI8D_PATH) return answer(res, 404, '<h1>404 Not Found</h1>');
    const form = new URLSearchParams(
      /application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') ? req.body.toString('utf8') : '',
    );
    const numbers = (form.get('mb') ?? '').split(',').filter((n) => n !== '');
    const send: Hi8dSend = { request: req, form, numbers, guids: new Map(), answer: '' };
    fake.sends.push(send);
    const delay = typeof fake.answerDelayMs === 'function' ? fake.answerDelayMs(numbers) : fake.answerDelayMs;
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (fake.httpStatus !== null) return answer(res, fake.httpStatus, '<h1>Internal Server Error</h1>');
    const reply = (value: Record<string, string | number>) => {
      send.answer = encode(value);
      answer(res, 200, send.answer);
    };
    const { account, password } = fake.credentials;
    if (form.get('account') !== account || form.get('passwd') !== md5Upper(password)) return reply({ status: 0, msg: MSG_LOGIN });
    if (numbers.length === 0 || !form.get('content')) return reply({ status: 0, msg: MSG_PARAMS });
    if (fake.refuse !== null) return reply({ status: 0, msg: fake.refuse });
    const taken = numbers.filter((n) => /^\d{8,16}$/.test(n) && countryCodes.some((cc) => n.startsWith(cc)) && !fake.omit.has(n));
    if (taken.length === 0) return reply({ status: 0, msg: MSG_PARAMS });
    for (const n of taken) send.guids.set(n, String(nextGuid++));
    reply({ status: 1, msg: MSG_LOGIN, guid: [...send.guids.values()].join(','), mb: taken.join(',') });
    if (fake.autoReport) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        void (async () => {
          for (const [n, guid] of send.guids) await fake.push(fake.reportBody(guid, n, fake.reportStatus(n))).catch(() => undefined);
        })();
      }, fake.reportDelayMs);
      timers.add(timer);
    }
  };

  const server = await startFakeServer(handle);
  const fake: FakeHi8d = {
    url: server.url,
    received: server.received,
    sends: [],
    pushes: [],
    callbackUrl: null,
    style: options.style ?? 'json',
    credentials: { account: HI8D_ACCOUNT, password: HI8D_PASSWORD },
    answerDelayMs: 0,
    httpStatus: null,
    refuse: null,
    omit: new Set(),
    reportStatus: () => 1,
    autoReport: true,
    reportDelayMs: 20,
    reportBody: (guid, number, status) => encode({ status, msg: MSG_PARAMS, guid, sms: '0', mb: number }),
    async push(body, contentType = 'application/json; charset=utf-8') {
      if (!fake.callbackUrl) throw new Error('no report URL set in the console');
      const res = await fetch(fake.callbackUrl, { method: 'POST', body, headers: { 'content-type': contentType } });
      const push = { body, status: res.status, answer: await res.text() };
      fake.pushes.push(push);
      return push;
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await server.stop();
    },
  };
  return fake;
}
