import iconv from 'iconv-lite';
import type { Charset } from './settings';

/** Parameters in the order the vendor documents them; order matters to some vendors' signatures. */
export type Params = [string, string][] | Record<string, string>;

const entries = (params: Params): [string, string][] => (Array.isArray(params) ? params : Object.entries(params));

/**
 * application/x-www-form-urlencoded in the vendor's charset: each character's bytes in that
 * charset, percent-encoded, a space as '+', as Java's URLEncoder and PHP's urlencode write it.
 */
export function encodeForm(params: Params, charset: Charset): string {
  return entries(params)
    .map(([k, v]) => `${percentEncode(k, charset)}=${percentEncode(v, charset)}`)
    .join('&');
}

export function percentEncode(text: string, charset: Charset): string {
  let out = '';
  for (const byte of iconv.encode(text, charset)) {
    if (byte === 0x20) out += '+';
    else if (
      (byte >= 0x30 && byte <= 0x39) ||
      (byte >= 0x41 && byte <= 0x5a) ||
      (byte >= 0x61 && byte <= 0x7a) ||
      '-_.*'.includes(String.fromCharCode(byte))
    )
      out += String.fromCharCode(byte);
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Decodes a form or query string whose percent-escapes are bytes in `charset`. Later keys repeat as arrays in getAll. */
export function decodeForm(raw: string | Buffer, charset: Charset): URLSearchParams {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const out = new URLSearchParams();
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    out.append(percentDecode(key, charset), percentDecode(value, charset));
  }
  return out;
}

export function percentDecode(text: string, charset: Charset): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '+') bytes.push(0x20);
    else if (c === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c.charCodeAt(0) < 0x100) bytes.push(c.charCodeAt(0));
    else for (const b of iconv.encode(c, charset)) bytes.push(b);
  }
  return iconv.decode(Buffer.from(bytes), charset);
}

export interface VendorRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Added to the URL's query, encoded in `charset`. */
  query?: Params;
  /** Sent as an application/x-www-form-urlencoded body, encoded in `charset`. */
  form?: Params;
  /** Sent as an application/json body (UTF-8). */
  json?: unknown;
  /** Extra request headers (an API key …), on top of the body's Content-Type. */
  headers?: Record<string, string>;
  charset: Charset;
  timeoutMs: number;
}

export interface VendorResponse {
  status: number;
  body: Buffer;
  /** The body decoded in the request's charset (or the one the answer's Content-Type names). */
  text: string;
}

/**
 * One call to a vendor over Node's fetch (undici keeps connections alive). Throws on a network
 * error or timeout: then nothing is known of the request, and the dispatcher retries it.
 */
export async function vendorRequest(req: VendorRequest): Promise<VendorResponse> {
  let url = req.url;
  if (req.query) url += (url.includes('?') ? '&' : '?') + encodeForm(req.query, req.charset);
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (req.form) {
    headers['content-type'] = `application/x-www-form-urlencoded; charset=${req.charset}`;
    body = encodeForm(req.form, req.charset);
  } else if (req.json !== undefined) {
    headers['content-type'] = 'application/json; charset=utf-8';
    body = JSON.stringify(req.json);
  }
  const res = await fetch(url, {
    method: req.method,
    headers: { ...headers, ...req.headers },
    body,
    signal: AbortSignal.timeout(req.timeoutMs),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  const declared = /charset=([\w-]+)/i.exec(res.headers.get('content-type') ?? '')?.[1]?.toLowerCase();
  const decodeAs = declared && iconv.encodingExists(declared) ? declared : req.charset;
  return { status: res.status, body: bytes, text: iconv.decode(bytes, decodeAs) };
}

/** Runs fn over items with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Splits a batch into vendor requests: messages with the same text, extension and signature share
 * a request, up to `max` numbers each.
 */
export function groupForRequests<M extends { content: string; extNo: string | null; signature: string | null }>(
  batch: M[],
  max: number,
): M[][] {
  const groups = new Map<string, M[][]>();
  for (const message of batch) {
    const key = JSON.stringify([message.content, message.extNo, message.signature]);
    const chunks = groups.get(key) ?? [];
    const last = chunks[chunks.length - 1];
    if (last && last.length < max) last.push(message);
    else chunks.push([message]);
    groups.set(key, chunks);
  }
  return [...groups.values()].flat();
}
