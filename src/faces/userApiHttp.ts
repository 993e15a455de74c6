import iconv from 'iconv-lite';
import type { Middleware } from 'koa';
import type { Core } from '../core';
import type { Logger } from '../logger';
import { BodyTooLarge, readBodyWithin, refuseOversized } from '../soap/service';
import {
  failureAnswer,
  INTERNAL_ERROR_ANSWER,
  PASSWORD_ANSWERS,
  type UserApiArgs,
  type UserApiCall,
  userApiOperations,
} from './userApiOperations';
import { callerIp } from '../callerIp';

/** The one servlet of the contract's HTTP interface (seed 001, 第一部分). */
export const SERVLET_PATH = '/servlet/UserServiceAPI';

/** Every answer, success or refusal: the web service's strings as plain text in GBK. */
export const ANSWER_CONTENT_TYPE = 'text/plain; charset=GBK';

export interface UserApiHttpOptions {
  maxBodyBytes: number;
  log: Logger;
}

interface HttpOperation {
  /** The name as the seed writes it, for the answer to an unknown method. */
  name: string;
  params: readonly string[];
  handle(args: UserApiArgs, call: UserApiCall): Promise<string>;
  /** Whether `password` is BASE64 only (updatePassword also takes it plain, and reads it both ways itself). */
  base64Password: boolean;
  /** The answer to a request whose parameters cannot be read (bytes not valid in the charset). */
  unreadable(reason: string): string;
  internalErrorAnswer: string;
}

const CREDENTIALS = ['username', 'password'] as const;

const GBK_FAMILY = /^(gbk|gb2312|gb18030|cp936|x-gbk|euc-cn)$/i;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * The HTTP twin of the `userApi` web service: `GET|POST /servlet/UserServiceAPI?method=…`, the
 * same operations (src/faces/userApiOperations.ts) and the same answer strings, plus
 * updatePassword. Parameters come from the query string and an x-www-form-urlencoded body, merged
 * (the body wins), percent-encoded in GBK unless the Content-Type says another charset. Every
 * answer is HTTP 200 text/plain in GBK; only a request that is not a GET or POST (405) or whose
 * body is over MAX_BODY_BYTES (413, `failure;…`) gets another status.
 */
export function userApiHttpService(core: Core, options: UserApiHttpOptions): Middleware {
  const ops = userApiOperations(core);
  const contract: HttpOperation[] = [
    { name: 'sendSMS', params: [...CREDENTIALS, 'smstype', 'content', 'mobile', 'isLongSms'], handle: ops.sendSms },
    { name: 'getRestMoney', params: CREDENTIALS, handle: ops.getRestMoney },
    { name: 'getSmsReport', params: CREDENTIALS, handle: ops.getSmsReport },
    { name: 'getRecvSMS', params: CREDENTIALS, handle: ops.getRecvSMS },
  ].map((op) => ({ ...op, base64Password: true, unreadable: failureAnswer, internalErrorAnswer: INTERNAL_ERROR_ANSWER }));
  const updatePassword: HttpOperation = {
    name: 'updatePassword',
    params: [...CREDENTIALS, 'newPassword'],
    handle: ops.updatePassword,
    base64Password: false,
    unreadable: () => PASSWORD_ANSWERS.failed,
    internalErrorAnswer: PASSWORD_ANSWERS.unknownError,
  };
  const operations = [...contract, updatePassword];
  const byLowerName = new Map(operations.map((op) => [op.name.toLowerCase(), op]));
  const names = operations.map((op) => op.name).join('、');

  return async function userApiHttp(ctx, next) {
    if (ctx.path !== SERVLET_PATH) return next();
    if (ctx.method !== 'GET' && ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, POST');
      return;
    }
    let body: Buffer | null = null;
    if (ctx.method === 'POST') {
      try {
        body = await readBodyWithin(ctx.req, options.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge)
          return refuseOversized(ctx, ANSWER_CONTENT_TYPE, gbk(failureAnswer(`请求内容超过${options.maxBodyBytes}字节`)), err);
        options.log.warn({ err, path: ctx.path }, 'request body unreadable');
        ctx.status = 400;
        return;
      }
    }
    const answer = (text: string) => {
      ctx.status = 200;
      ctx.set('Content-Type', ANSWER_CONTENT_TYPE);
      ctx.body = gbk(text);
    };

    const charset = requestCharset(ctx.get('content-type'));
    if (!charset.codec) return answer(failureAnswer(`不支持的字符集${charset.label},请使用GBK或UTF-8`));
    const params = new FormParams(ctx.querystring, isForm(ctx.get('content-type')) ? body : null, charset.codec);

    let methodName: string;
    try {
      methodName = (params.get('method') ?? '').trim();
    } catch (err) {
      if (err instanceof UnreadableParam) return answer(failureAnswer(err.reason(charset.label)));
      throw err;
    }
    if (!methodName) return answer(failureAnswer(`缺少参数method,可用的method为${names}`));
    const op = byLowerName.get(methodName.toLowerCase());
    if (!op) return answer(failureAnswer(`不支持的method:${methodName.slice(0, 40)},可用的method为${names}`));

    const args: Record<string, string | null> = {};
    try {
      for (const name of op.params) args[name] = params.get(name);
    } catch (err) {
      if (err instanceof UnreadableParam) return answer(op.unreadable(err.reason(charset.label)));
      throw err;
    }
    // BASE64 has '+', which a caller that pastes it into a URL unencoded (the seed's own Java
    // example does) sends as a form-encoded space; BASE64 has no spaces, so they are put back.
    if (op.base64Password && args.password) args.password = args.password.replace(/ /g, '+');

    try {
      answer(await op.handle(args, { ip: callerIp(ctx) }));
    } catch (err) {
      options.log.error({ err, operation: op.name }, 'operation failed');
      answer(op.internalErrorAnswer);
    }
  };
}

function gbk(text: string): Buffer {
  return iconv.encode(text, 'gbk');
}

/**
 * The charset of the parameters' percent-escapes: the Content-Type's charset when it names one
 * (UTF-8, the GBK family, or another the gateway knows), otherwise GBK, as the seed says. The
 * query string is read in the same charset as the body. `codec` is null for a charset it does not know.
 */
function requestCharset(contentType: string): { label: string; codec: string | null } {
  const label = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType)?.[1];
  if (!label) return { label: 'GBK', codec: 'gb18030' };
  if (/^utf-?8$/i.test(label) || /^(us-)?ascii$/i.test(label)) return { label, codec: 'utf-8' };
  if (GBK_FAMILY.test(label)) return { label, codec: 'gb18030' };
  return { label, codec: iconv.encodingExists(label) ? label : null };
}

/** A body is read as parameters when it says it is a form, or says nothing (legacy callers often omit it). */
function isForm(contentType: string): boolean {
  return contentType.trim() === '' || /^application\/x-www-form-urlencoded\b/i.test(contentType.trim());
}

/** A parameter whose bytes are not valid in the request's charset: garbled text is never sent and charged. */
class UnreadableParam extends Error {
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
class FormParams {
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
