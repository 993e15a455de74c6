import iconv from 'iconv-lite';
import { Agent, request } from 'undici';
import { type Charset, charset as charsets } from './settings';
import type { OutboundMessage, PushRequest, SendOutcome } from './types';

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

/** How each byte is written in a form: itself (letters, digits, `-_.*`), `+` for a space, else `%XX`. */
const FORM_BYTES = Array.from({ length: 256 }, (_, byte) => {
  const char = String.fromCharCode(byte);
  if (byte === 0x20) return '+';
  if (/[0-9A-Za-z\-_.*]/.test(char)) return char;
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
});

export function percentEncode(text: string, charset: Charset): string {
  let out = '';
  for (const byte of iconv.encode(text, charset)) out += FORM_BYTES[byte];
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

/**
 * A push's form fields: its query and its form body, percent-decoded in the charset the push declares (in its
 * Content-Type) or else `charset`. Where both carry a key the body's values win: the body is what the vendor pushes,
 * the query may hold what was fixed in its console. A JSON or XML body holds no form fields and is left out.
 */
export function pushForm(push: Pick<PushRequest, 'query' | 'body' | 'contentType'>, charset: Charset): URLSearchParams {
  const declared = charsets.safeParse(/charset=["']?([\w-]+)/i.exec(push.contentType)?.[1]?.toLowerCase());
  const cs = declared.success ? declared.data : charset;
  const fields = decodeForm(push.query, cs);
  if (push.body.length > 0 && !/json|xml/i.test(push.contentType)) {
    const body = decodeForm(push.body, cs);
    for (const key of new Set(body.keys())) fields.delete(key);
    for (const [k, v] of body) fields.append(k, v);
  }
  return fields;
}

export function percentDecode(text: string, charset: Charset): string {
  return iconv.decode(percentDecodeBytes(text, charset), charset);
}

/** The bytes a percent-encoded value stands for: `%XX` a byte, `+` a space, any other character its bytes in `charset`. */
export function percentDecodeBytes(text: string, charset: Charset): Buffer {
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
  return Buffer.from(bytes);
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
  /** Sent as it is; its Content-Type goes in `headers`. */
  body?: Buffer;
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
 * Every vendor call shares one keep-alive connection pool. undici's request() is the engine under
 * Node's fetch without the WHATWG layer: on loopback it made 12,000–14,500 calls/s where fetch made
 * 3,600–4,000 (10 in flight, one process), and vendor calls are most of what a drain costs.
 */
const vendorPool = new Agent({ keepAliveTimeout: 10_000 });

/**
 * One call to a vendor, or to a customer's push URL. Throws on a network error or when the whole call (connect, send, answer)
 * took longer than `timeoutMs`: then nothing is known of the request, and the dispatcher retries it.
 */
export async function vendorRequest(req: VendorRequest): Promise<VendorResponse> {
  let url = req.url;
  if (req.query) url += (url.includes('?') ? '&' : '?') + encodeForm(req.query, req.charset);
  const headers: Record<string, string> = {};
  let body: string | Buffer | undefined = req.body;
  if (req.form) {
    headers['content-type'] = `application/x-www-form-urlencoded; charset=${req.charset}`;
    body = encodeForm(req.form, req.charset);
  } else if (req.json !== undefined) {
    headers['content-type'] = 'application/json; charset=utf-8';
    body = JSON.stringify(req.json);
  }
  // One timer bounds the whole call (undici's own timeouts bound each phase apart), so a vendor
  // call never outlives its share of the dispatch lease.
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`timeout: no answer within ${req.timeoutMs} ms`)), req.timeoutMs);
  try {
    const res = await request(url, {
      method: req.method,
      headers: { ...headers, ...req.headers },
      body,
      dispatcher: vendorPool,
      signal: abort.signal,
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const contentType = res.headers['content-type'];
    const declared = /charset=([\w-]+)/i.exec(String(contentType ?? ''))?.[1]?.toLowerCase();
    const decodeAs = declared && iconv.encodingExists(declared) ? declared : req.charset;
    return { status: res.statusCode, body: bytes, text: iconv.decode(bytes, decodeAs) };
  } finally {
    clearTimeout(timer);
  }
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
 * Splits a batch into vendor requests: messages share a request when they share the text, the long-message flag (a
 * vendor's long-message flag applies to a whole request), the extension and the signature, up to `max` numbers, and
 * never with the same number twice (reports name the request's id and the number, so two rows to one number in one
 * request could not be told apart).
 */
export function groupForRequests<M extends Pick<OutboundMessage, 'mobile' | 'content' | 'isLong' | 'extNo' | 'signature'>>(
  batch: M[],
  max: number,
): M[][] {
  const groups = new Map<string, { messages: M[]; numbers: Set<string> }[]>();
  for (const message of batch) {
    const key = JSON.stringify([message.content, message.isLong, message.extNo, message.signature]);
    const chunks = groups.get(key) ?? [];
    let chunk = chunks.find((c) => c.messages.length < max && !c.numbers.has(message.mobile));
    if (!chunk) {
      chunk = { messages: [], numbers: new Set() };
      chunks.push(chunk);
    }
    chunk.messages.push(message);
    chunk.numbers.add(message.mobile);
    groups.set(key, chunks);
  }
  return [...groups.values()].flat().map((c) => c.messages);
}

/** The characters of a text (and its signature) a charset cannot carry, as a permanent refusal of its message; none: []. */
function unrepresentable(m: OutboundMessage, cs: Charset): SendOutcome[] {
  const text = `${m.content}${m.signature ?? ''}`;
  if (cs === 'utf-8') return [];
  const lost = [...new Set([...text].filter((c) => iconv.decode(iconv.encode(c, cs), cs) !== c))];
  if (lost.length === 0) return [];
  return [{ id: m.id, ok: false, retryable: false, error: `the text holds characters ${cs} cannot carry: ${lost.join('')}` }];
}

/** A failed call as a row's error: what happened and the code that says it (ECONNREFUSED, UND_ERR_SOCKET …). */
function networkError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  return code ? `${err.message} (${code})` : err.message;
}

/**
 * A batch sent as its vendor requests (see groupForRequests), `concurrency` at a time, one outcome per message.
 * `sendRequest` gives a request's outcomes, or throws when nothing is known of it (a network error, a timeout): its
 * messages are then retryable while the other requests' outcomes stand. When every request threw, nothing is known
 * of the batch: the first error is thrown, and the dispatcher retries the batch as a whole.
 */
export async function sendInRequests(
  vendor: string,
  batch: OutboundMessage[],
  limits: { maxNumbers: number; concurrency: number; charset?: Charset },
  sendRequest: (messages: OutboundMessage[]) => Promise<SendOutcome[]>,
): Promise<SendOutcome[]> {
  // A text the vendor's charset cannot carry would reach the phone as question marks: refused for good instead.
  const uncarried = limits.charset ? batch.flatMap((m) => unrepresentable(m, limits.charset!)) : [];
  if (uncarried.length > 0) {
    const refused = new Set(uncarried.map((o) => o.id));
    const rest = batch.filter((m) => !refused.has(m.id));
    return [...uncarried, ...(rest.length > 0 ? await sendInRequests(vendor, rest, { ...limits, charset: undefined }, sendRequest) : [])];
  }
  const requests = groupForRequests(batch, limits.maxNumbers);
  const results = await mapLimit(requests, limits.concurrency, (messages) =>
    sendRequest(messages).then(
      (outcomes) => ({ messages, outcomes }),
      (error: unknown) => ({ messages, error }),
    ),
  );
  const thrown = results.filter((r) => 'error' in r);
  if (thrown.length > 0 && thrown.length === results.length) throw thrown[0]!.error;
  return results.flatMap((r) =>
    'outcomes' in r
      ? r.outcomes
      : r.messages.map((m): SendOutcome => ({ id: m.id, ok: false, retryable: true, error: `${vendor}: ${networkError(r.error)}` })),
  );
}
