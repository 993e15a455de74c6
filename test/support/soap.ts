import iconv from 'iconv-lite';
import { get as httpGet } from 'node:http';

export const B64 = (s: string) => Buffer.from(s).toString('base64');
export const DEMO_AUTH = { username: 'demo', password: B64('demo123') };

export interface RawResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Posts raw bytes, as a hand-written or legacy client would, and returns the exact answer. */
export async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<RawResponse> {
  const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/xml; charset=utf-8', ...headers } });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
}

export function gbk(text: string): Buffer {
  return iconv.encode(text, 'gbk');
}

/** A SOAP 1.1 document/literal wrapped call in the namespace of our WSDL. */
export function docLiteral(operation: string, params: Record<string, string | number>, ns = 'http://userapi.ws.smsgateway'): string {
  const inner = Object.entries(params)
    .map(([k, v]) => `<tns:${k}>${escapeText(String(v))}</tns:${k}>`)
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="${ns}"><soap:Body><tns:${operation}>${inner}</tns:${operation}></soap:Body></soap:Envelope>`;
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The text of the first <…Return> element of an answer, unescaped. */
export function returnValue(body: string): string {
  const m = /<(?:\w+:)?\w+Return[^>]*>([\s\S]*?)<\/(?:\w+:)?\w+Return>/.exec(body);
  if (!m) throw new Error(`no Return element in ${body}`);
  return m[1]!
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

export async function call(url: string, operation: string, params: Record<string, string | number>): Promise<string> {
  const res = await post(url, docLiteral(operation, params));
  if (res.status !== 200) throw new Error(`${operation}: HTTP ${res.status} ${res.body}`);
  return returnValue(res.body);
}

/** A GET with a Host header of our choosing (fetch will not send one), as a caller behind a proxy or DNS name would. */
export function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers: { host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
  });
}
