import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createLogger } from '../../src/logger';
import type { OutboundMessage, VendorContext } from '../../src/vendors/types';
import { call, DEMO_AUTH } from '../support/soap';
import { type Dialect, startTestGateway, type TestGateway } from '../support/gateway';

/** The name every vendor test configuration gives its vendor: callback URLs are /callbacks/upstream/… */
export const VENDOR_NAME = 'upstream';

/**
 * Text every loop sends: 镕 is in GBK but not in GB2312, 【】 are what signatures are written in;
 * a vendor whose charset is GB2312 gets what that charset can carry (see the adapter's notes).
 */
export const CHINESE_TEXT = '镕【测试】验证码123456';

/** A vendor's test configurations: every `*.yaml` in test/vendors/<folder>/, with ${VENDOR_URL} for the fake's address. */
export function vendorConfigs(folder: string): { name: string; yaml: string }[] {
  const dir = join(__dirname, folder);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ name: f, yaml: readFileSync(join(dir, f), 'utf8') }));
}

/** A gateway whose one vendor is configured by `yaml`, pointed at a fake at `vendorUrl`. */
export function startGatewayWith(
  yaml: string,
  vendorUrl: string,
  options: { dialect?: Dialect; env?: Record<string, string> } = {},
): Promise<TestGateway> {
  return startTestGateway({ dialect: options.dialect, config: yaml, env: { VENDOR_URL: vendorUrl, ...options.env } });
}

/** A request exactly as a fake vendor received it: the raw query and body bytes, before any decoding. */
export interface ReceivedRequest {
  method: string;
  path: string;
  /** The query string as sent, percent-escapes intact. */
  rawQuery: string;
  body: Buffer;
  headers: IncomingMessage['headers'];
}

export interface FakeServer {
  url: string;
  received: ReceivedRequest[];
  stop(): Promise<void>;
}

/**
 * An HTTP server for a fake vendor: records every request's raw bytes and lets `handle` answer.
 * The handler gets the recorded request and writes its answer to `res`.
 */
export async function startFakeServer(handle: (req: ReceivedRequest, res: ServerResponse) => void | Promise<void>): Promise<FakeServer> {
  const received: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path, rawQuery = ''] = (req.url ?? '/').split(/\?(.*)/s, 2) as [string, string?];
      const request: ReceivedRequest = { method: req.method ?? 'GET', path, rawQuery, body: Buffer.concat(chunks), headers: req.headers };
      received.push(request);
      Promise.resolve(handle(request, res)).catch((err) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends through the gateway's userApi face, as a legacy caller does; returns the batch id. */
export async function sendSms(gw: TestGateway, mobiles: string, content = CHINESE_TEXT, smstype = 1): Promise<string> {
  const answer = await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype, content, mobile: mobiles, isLongSms: 0 });
  const m = /^success;(\d{20})$/.exec(answer);
  assert.ok(m, `sendSms answered ${answer}`);
  return m[1]!;
}

export interface LegacyReport {
  mobile: string;
  smslogid: string;
  status: string;
}

/** getSmsReport's reports, as the legacy caller parses them. */
export async function fetchReports(gw: TestGateway): Promise<LegacyReport[]> {
  const xml = await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH);
  return [
    ...xml.matchAll(/<psreport><mobile>(.*?)<\/mobile><username>.*?<\/username><smslogid>(.*?)<\/smslogid><status>(.*?)<\/status>/g),
  ].map(([, mobile, smslogid, status]) => ({ mobile: mobile!, smslogid: smslogid!, status: status! }));
}

/** getRecvSMS's replies, content decoded from BASE64 of GBK. */
export async function fetchReplies(gw: TestGateway): Promise<{ mobile: string; content: string }[]> {
  const xml = await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH);
  const { decode } = await import('iconv-lite');
  return [...xml.matchAll(/<psrerecv><mobile>(.*?)<\/mobile><receiver>.*?<\/receiver><content>(.*?)<\/content>/g)].map(
    ([, mobile, b64]) => ({
      mobile: mobile!,
      content: decode(Buffer.from(b64!, 'base64'), 'gbk'),
    }),
  );
}

/** Polls `what` until it holds (or fails after `timeoutMs`). */
export async function waitFor(what: () => boolean | Promise<boolean>, timeoutMs = 10_000, label = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) assert.fail(`${label} not reached in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** `2024-01-02 03:04:05`: `at` in China time (UTC+8), as the vendors write their times. */
export function chinaTime(at = new Date()): string {
  const iso = new Date(at.getTime() + 8 * 3600_000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Collects getSmsReport's answers until `count` reports came (each is handed out once), sorted by number. */
export async function reportsUntil(gw: TestGateway, count: number, timeoutMs = 10_000): Promise<LegacyReport[]> {
  const got: LegacyReport[] = [];
  await waitFor(
    async () => {
      got.push(...(await fetchReports(gw)));
      return got.length >= count;
    },
    timeoutMs,
    `${count} reports`,
  );
  return got.sort((a, b) => a.mobile.localeCompare(b.mobile));
}

/** A claimed row as an adapter gets it: a normal message to `mobile`, no extension, no signature, unless `more` says otherwise. */
export function outbound(id: number, mobile: string, content = CHINESE_TEXT, more: Partial<OutboundMessage> = {}): OutboundMessage {
  return { id, mobile, content, isLong: false, segments: 1, extNo: null, signature: null, ...more };
}

/** What an adapter is given when a test builds it directly: its name, a store that keeps nothing, a silent log. */
export function silentContext(name = VENDOR_NAME): VendorContext {
  return { name, store: async () => {}, log: createLogger('silent') };
}

/**
 * The bytes a percent-encoded value stands for, as a vendor's server undoes them: `%XX` a byte, `+` a space, any
 * other character its own (latin1) byte. Fakes read the wire with this, not with the gateway's decoding, so each
 * checks the gateway's encoding independently; iconv.decode(percentBytes(v), charset) is the value in the vendor's charset.
 */
export function percentBytes(encoded: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded[i]!;
    if (c === '+') bytes.push(0x20);
    else if (c === '%' && /^[0-9a-fA-F]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

/** A query or form body (as latin1 text) split into its name=value pairs, in order, still percent-encoded; empty pieces skipped. */
export function formPairs(raw: string): [string, string][] {
  return raw
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    });
}
