import type { ServerResponse } from 'node:http';
import iconv from 'iconv-lite';
import { chinaTime, type FakeServer, formPairs, percentBytes, type ReceivedRequest, startFakeServer } from '../support';

/**
 * A 嘉之元 installation's HTTP interface as seed 001 (第一部分) documents it: one servlet at
 * /servlet/UserServiceAPI, the operation in `method`, `username` in plain text, `password` as
 * BASE64, `content` URL-encoded in GBK. Parameters are read from the query string and from an
 * x-www-form-urlencoded body alike (the seed's examples put them in the URL of a POST, its Java
 * sample in the body), as a servlet's getParameter does. Answers: `success;批号ID`,
 * `failure;错误提示`, the balance string, or the XML of reports and replies, each handed out once.
 */

/** The account the test configurations log in with (see jzyyun.yaml). */
export const FAKE_USERNAME = 'gw-jzy';
export const FAKE_PASSWORD = 'secret1';

/** How the fake answers one request: normally, "system busy", HTTP 500, or slower than the caller waits. */
export type Behaviour = 'normal' | 'busy' | 'http500' | { slowMs: number };

export interface FakeReport {
  mobile: string;
  smslogid: string;
  /** 1 成功, 0 失败, 2 不明 */
  status: '0' | '1' | '2';
  sendtime: string;
}

export interface FakeReply {
  mobile: string;
  /** BASE64 of the GBK bytes, as the vendor writes it. */
  content: string;
  sendtime: string;
}

/** One request, its parameters decoded (GBK) and as they were on the wire (percent-escapes intact). */
export interface SeenRequest {
  request: ReceivedRequest;
  params: Map<string, string>;
  raw: Map<string, string>;
}

export interface JzyyunFake extends FakeServer {
  /** Pools by smstype: 0 kaSmsNum, 1 gateSmsNum, 2 memberSmsNum. */
  pools: Record<0 | 1 | 2, number>;
  behave: (params: Map<string, string>) => Behaviour;
  /** The status each number's report will carry. */
  reportStatus: (mobile: string) => FakeReport['status'];
  /** Reports and replies not handed out yet. */
  reports: FakeReport[];
  replies: FakeReply[];
  /** Every request the servlet got, decoded. */
  seen(method?: string): SeenRequest[];
  /** A message from a phone, waiting for getRecvSMS. */
  addReply(mobile: string, text: string, at?: Date): FakeReply;
}

const FORBIDDEN_WORDS = ['赌博', '发票'];

/** java.sql.Timestamp#toString on the vendor's (China time) server, as the seed's XML shows it: 2012-08-16 01:05:39.0 */
function timestamp(d: Date): string {
  return `${chinaTime(d)}.${Math.floor(d.getMilliseconds() / 100)}`;
}

/** Percent-decoding of one form value whose escapes are GBK bytes, '+' a space. */
const decodeGbk = (raw: string): string => iconv.decode(percentBytes(raw), 'gbk');

function readRequest(request: ReceivedRequest): SeenRequest {
  const all = formPairs(request.rawQuery);
  if (/x-www-form-urlencoded/i.test(String(request.headers['content-type'] ?? ''))) all.push(...formPairs(request.body.toString('latin1')));
  const params = new Map<string, string>();
  const raw = new Map<string, string>();
  for (const [k, v] of all) {
    const key = decodeGbk(k);
    // getParameter returns the first value of a repeated name.
    if (!params.has(key)) {
      params.set(key, decodeGbk(v));
      raw.set(key, v);
    }
  }
  return { request, params, raw };
}

function answer(res: ServerResponse, body: string, type = 'text/html;charset=GBK', status = 200): void {
  if (res.destroyed) return;
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.end(type.includes('GBK') ? iconv.encode(body, 'gbk') : Buffer.from(body, 'utf8'));
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export async function startJzyyunFake(options: { username?: string; password?: string } = {}): Promise<JzyyunFake> {
  const username = options.username ?? FAKE_USERNAME;
  const password = options.password ?? FAKE_PASSWORD;
  const seen: SeenRequest[] = [];
  let nextBatchId = 66;

  const handle = async (request: ReceivedRequest, res: ServerResponse) => {
    const req = readRequest(request);
    seen.push(req);
    if (request.path !== '/servlet/UserServiceAPI') return answer(res, 'Not Found', 'text/html;charset=GBK', 404);
    const p = (name: string) => req.params.get(name) ?? '';
    const behaviour = fake.behave(req.params);
    if (behaviour === 'http500')
      return answer(res, '<html><body>HTTP Status 500 - Internal Server Error</body></html>', 'text/html;charset=GBK', 500);
    if (typeof behaviour === 'object') await new Promise((r) => setTimeout(r, behaviour.slowMs));
    if (behaviour === 'busy') return answer(res, 'failure;系统繁忙,请稍后再试');
    // The password arrives as BASE64 of its bytes.
    const given = iconv.decode(Buffer.from(p('password'), 'base64'), 'gbk');
    if (p('username') !== username || given !== password || !/^[A-Za-z0-9+/]+=*$/.test(p('password'))) {
      return answer(res, 'failure;用户名或密码错误');
    }
    switch (p('method')) {
      case 'sendSMS':
        return answer(res, sendSms(req.params));
      case 'getRestMoney':
        return answer(res, `memberSmsNum=${fake.pools[2]};gateSmsNum=${fake.pools[1]};kaSmsNum=${fake.pools[0]}`);
      case 'getSmsReport': {
        const items = fake.reports.splice(0);
        const xml = items
          .map(
            (r) =>
              `<psreport>\n  <mobile>${r.mobile}</mobile>\n  <username>${escapeXml(username)}</username>\n  <smslogid>${r.smslogid}</smslogid>\n  <status>${r.status}</status>\n  <sendtime>${r.sendtime}</sendtime>\n  </psreport>\n`,
          )
          .join('');
        return answer(res, `<?xml version="1.0" encoding="utf-8" ?>\n<smsreport>\n${xml}</smsreport>`, 'text/xml;charset=utf-8');
      }
      case 'getRecvSMS': {
        const items = fake.replies.splice(0);
        const xml = items
          .map(
            (r) =>
              `<psrerecv>\n  <mobile>${r.mobile}</mobile>\n  <receiver>${escapeXml(username)}</receiver>\n  <content>${r.content}</content>\n  <sendtime>${r.sendtime}</sendtime>\n  </psrerecv>\n`,
          )
          .join('');
        return answer(res, `<?xml version="1.0" encoding="utf-8" ?>\n<smsrerecv>\n${xml}</smsrerecv>`, 'text/xml;charset=utf-8');
      }
      default:
        return answer(res, 'failure;method参数错误');
    }
  };

  const sendSms = (params: Map<string, string>): string => {
    const smstype = params.get('smstype') ?? '';
    if (!['0', '1', '2'].includes(smstype)) return 'failure;短信类型错误';
    const pool = Number(smstype) as 0 | 1 | 2;
    if (!['', '0', '1'].includes(params.get('isLongSms') ?? '')) return 'failure;isLongSms参数错误';
    const mobiles = (params.get('mobile') ?? '').split(',').filter((m) => m !== '');
    if (mobiles.length === 0) return 'failure;手机号码不能为空';
    if (mobiles.length > 20_000) return 'failure;手机号码数量超过20000个';
    const bad = mobiles.find((m) => !/^1\d{10}$/.test(m));
    if (bad) return `failure;手机号码格式错误:${bad}`;
    const content = params.get('content') ?? '';
    if (content === '') return 'failure;短信内容不能为空';
    const word = FORBIDDEN_WORDS.find((w) => content.includes(w));
    if (word) return `failure;短信内容含有非法关键字:${word}`;
    const perNumber = content.length <= 70 ? 1 : Math.ceil(content.length / 67);
    if (fake.pools[pool] < mobiles.length * perNumber) return 'failure;余额不足';
    fake.pools[pool] -= mobiles.length * perNumber;
    const batchId = String(nextBatchId++);
    const sendtime = timestamp(new Date());
    for (const mobile of mobiles) fake.reports.push({ mobile, smslogid: batchId, status: fake.reportStatus(mobile), sendtime });
    return `success;${batchId}`;
  };

  const server = await startFakeServer(handle);
  const fake: JzyyunFake = {
    ...server,
    pools: { 0: 49964, 1: 49919, 2: 684 },
    behave: () => 'normal',
    reportStatus: () => '1',
    reports: [],
    replies: [],
    seen: (method) => (method ? seen.filter((s) => s.params.get('method') === method) : [...seen]),
    addReply(mobile, text, at = new Date()) {
      const reply = { mobile, content: iconv.encode(text, 'gbk').toString('base64'), sendtime: timestamp(at) };
      fake.replies.push(reply);
      return reply;
    },
  };
  return fake;
}
