import iconv from 'iconv-lite';
import type { Context } from 'koa';
import type { Logger } from '../logger';
import { BodyTooLarge, readBodyWithin, refuseOversized } from '../soap/service';

/**
 * Form parameters as the legacy HTTP contracts send them (seed 001's servlet, seed 000's UMS
 * `Send.do`): query string and x-www-form-urlencoded body, percent-escapes in GBK unless the
 * Content-Type names another charset, decoded strictly so that garbled text is never sent and charged.
 */

/**
 * Takes a GET or POST of a legacy HTTP face: the body (null for a GET), or undefined when the
 * request has been answered already: 405 for another method, 413 with the face's own `oversized`
 * answer for a body over the limit, 400 for a body that could not be read.
 */
export async function readFormRequest(
  ctx: Context,
  maxBodyBytes: number,
  log: Logger,
  oversized: { contentType: string; body: string | Buffer },
): Promise<Buffer | null | undefined> {
  if (ctx.method !== 'GET' && ctx.method !== 'POST') {
    ctx.status = 405;
    ctx.set('Allow', 'GET, POST');
    return undefined;
  }
  if (ctx.method === 'GET') return null;
  try {
    return await readBodyWithin(ctx.req, maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLarge) {
      await refuseOversized(ctx, oversized.contentType, oversized.body, err);
      return undefined;
    }
    log.warn({ err, path: ctx.path }, 'request body unreadable');
    ctx.status = 400;
    return undefined;
  }
}

const GBK_FAMILY = /^(gbk|gb2312|gb18030|cp936|x-gbk|euc-cn)$/i;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The charset of the parameters' percent-escapes: the Content-Type's charset when it names one
 * (UTF-8, the GBK family, or another the gateway knows), otherwise GBK, as the seed says. The
 * query string is read in the same charset as the body. `codec` is null for a charset it does not know.
 */
export function requestCharset(contentType: string): { label: string; codec: string | null } {
  const label = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1];
  if (!label) return { label: 'GBK', codec: 'gb18030' };
  if (/^utf-?8$/i.test(label) || /^(us-)?ascii$/i.test(label)) return { label, codec: 'utf-8' };
  if (GBK_FAMILY.test(label)) return { label, codec: 'gb18030' };
  return { label, codec: iconv.encodingExists(label) ? label : null };
}

/** A body is read as parameters when it says it is a form, or says nothing (legacy callers often omit it). */
export function isForm(contentType: string): boolean {
  return contentType.trim() === '' || /^application\/x-www-form-urlencoded\b/i.test(contentType.trim());
}

/** A parameter whose bytes are not valid in the request's charset: garbled text is never sent and charged. */
export class UnreadableParam extends Error {
  constructor(readonly param: string) {
    super(`parameter ${param} is not valid in the request's charset`);
  }

  reason(charset: string): string {
    return `参数${this.param}不是有效的${charset}编码`;
  }
}

/**
 * Parameters of the query string and the form body. Names are matched without regard to case
 * (`smsType`, as the seed writes it once, is `smstype`); within one source the first occurrence
 * counts, and the body's value wins over the query string's. Values are percent-decoded to bytes
 * ('+' is a space; raw non-ASCII bytes, as a caller writing GBK unencoded sends them, are kept)
 * and decoded in the charset strictly, only when an operation asks for them.
 */
export class FormParams {
  private readonly values = new Map<string, Buffer>();

  constructor(
    query: string,
    body: Buffer | null,
    private readonly codec: string,
  ) {
    // Koa's querystring is the raw request-target, whose bytes Node hands over as latin1 characters.
    for (const source of [body, Buffer.from(query, 'latin1')]) {
      if (!source) continue;
      for (const [key, value] of splitForm(source)) {
        const name = key.toString('latin1').toLowerCase();
        if (!this.values.has(name)) this.values.set(name, value);
      }
    }
  }

  /** The decoded value, or null when the caller did not send the parameter; throws UnreadableParam. */
  get(name: string): string | null {
    const bytes = this.values.get(name.toLowerCase());
    if (bytes === undefined) return null;
    const text = decodeStrict(bytes, this.codec);
    if (text === null) throw new UnreadableParam(name);
    return text;
  }
}

/**
 * Splits x-www-form-urlencoded bytes on '&' and the first '=' and percent-decodes each side to
 * bytes. Splitting bytes is safe for GBK and UTF-8 alike: no byte of a multi-byte character is
 * below 0x40, so none is '&', '=', '%' or '+'.
 */
function splitForm(bytes: Buffer): [Buffer, Buffer][] {
  const pairs: [Buffer, Buffer][] = [];
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x26, start);
    if (end < 0) end = bytes.length;
    const pair = bytes.subarray(start, end);
    if (pair.length > 0) {
      const eq = pair.indexOf(0x3d);
      pairs.push(
        eq < 0 ? [percentDecode(pair), Buffer.alloc(0)] : [percentDecode(pair.subarray(0, eq)), percentDecode(pair.subarray(eq + 1))],
      );
    }
    start = end + 1;
  }
  return pairs;
}

const HEX = /^[0-9a-fA-F]{2}$/;

function percentDecode(bytes: Buffer): Buffer {
  const out = Buffer.alloc(bytes.length);
  let n = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x2b) out[n++] = 0x20;
    else if (b === 0x25 && HEX.test(bytes.toString('latin1', i + 1, i + 3))) {
      out[n++] = Number.parseInt(bytes.toString('latin1', i + 1, i + 3), 16);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

/** The text of these bytes in the charset, or null when they are not valid in it (iconv-lite replaces what it cannot read). */
function decodeStrict(bytes: Buffer, codec: string): string | null {
  if (codec === 'utf-8') {
    try {
      return STRICT_UTF8.decode(bytes);
    } catch {
      return null;
    }
  }
  const text = iconv.decode(bytes, codec);
  return iconv.encode(text, codec).equals(bytes) ? text : null;
}
