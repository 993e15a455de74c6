import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import type { Logger } from '../logger';
import { parseSoapCall, type SoapCall, SoapClientError, type SoapVersion } from './envelope';
import {
  answerElementName,
  renderElements,
  renderFault,
  renderResponse,
  type ResponseShape,
  type SoapAnswer,
  soapContentType,
} from './render';
import { escapeXml } from './xml';
import { type Caller, callerOf } from '../callerIp';
import { countDatabaseError } from '../metrics';

export interface SoapOperation {
  /** Parameter names in declaration order: a caller using other names (in0, in1 …) is mapped by position. */
  params: readonly string[];
  /**
   * Other names of the request element that call this operation (versions of one contract name
   * their wrappers differently: `ReplyRequest` for `Reply`); the answer is `<operation>Response` whichever was used.
   */
  aliases?: readonly string[];
  /**
   * Parameters that carry a list: every occurrence of a repeated element (JAX-WS `arg3` once per
   * number), or the items of an array element (ASMX `ArrayOfString`), handed over joined by commas.
   */
  lists?: readonly string[];
  /** One string (in the accessor answerElementName gives) or the response element's children. */
  handle(args: Record<string, string | null>, call: Caller): Promise<SoapAnswer>;
  /** This operation's answer when the gateway fails, where the service's string would not fit its response. */
  internalErrorAnswer?: SoapAnswer;
  /** The response element a WSDL declares for a structured answer; without it, the answer follows the call's shape. */
  response?: ResponseShape;
}

export interface SoapServiceDefinition {
  /** The endpoint paths, e.g. /services/userApi; the WSDL is served at each with its own address. */
  paths: readonly string[];
  wsdlFile: string;
  operations: Record<string, SoapOperation>;
  /**
   * What a legacy caller gets when the gateway itself fails (database down…): the contract's own
   * "try later" answer, which its code already handles, rather than a fault its stub throws on.
   */
  internalErrorAnswer: string;
}

export interface SoapServiceOptions {
  publicUrl: string;
  maxBodyBytes: number;
  log: Logger;
}

const SOAP_ADDRESS = /(<(?:soap|soap12):address\s+location=")[^"]*(")/g;

/**
 * Serves one legacy SOAP contract: its WSDL on GET ?wsdl (any case), calls on POST in SOAP 1.1
 * or 1.2, document/literal or rpc/encoded, in UTF-8 or the GBK family. Every error a caller can
 * see is a SOAP fault with a plain message.
 */
export function soapService(def: SoapServiceDefinition, options: SoapServiceOptions): Middleware {
  const wsdl = readFileSync(def.wsdlFile, 'utf8');
  const byLowerName = new Map(
    Object.entries(def.operations).flatMap(([name, op]) =>
      [name, ...(op.aliases ?? [])].map((n) => [n.toLowerCase(), { name, op }] as const),
    ),
  );

  return async function soapEndpoint(ctx, next) {
    if (!def.paths.includes(ctx.path)) return next();
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      if (Object.keys(ctx.query).some((k) => k.toLowerCase() === 'wsdl')) {
        const base = options.publicUrl || `${ctx.protocol}://${ctx.host}`;
        ctx.type = 'text/xml; charset=utf-8';
        ctx.body = wsdl.replace(SOAP_ADDRESS, `$1${escapeXml(base + ctx.path)}$2`);
      } else {
        ctx.type = 'text/plain; charset=utf-8';
        ctx.body = `${ctx.path}: a SOAP service. Its WSDL is at ${ctx.path}?wsdl\n`;
      }
      return;
    }
    if (ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD, POST');
      return;
    }

    const fallbackVersion: SoapVersion = /application\/soap\+xml/i.test(ctx.get('content-type')) ? '1.2' : '1.1';

    let text: string;
    try {
      text = await readBody(ctx, options.maxBodyBytes);
    } catch (err) {
      if (err instanceof UnreadableBody) return callerFault(ctx, err.status, fallbackVersion, err.message);
      if (err instanceof BodyTooLarge)
        return refuseOversized(
          ctx,
          soapContentType(fallbackVersion),
          renderFault(fallbackVersion, true, `request body larger than ${options.maxBodyBytes} bytes`),
          err,
        );
      return callerFault(ctx, 400, fallbackVersion, (err as Error).message);
    }

    let call: SoapCall;
    try {
      call = parseSoapCall(text, fallbackVersion);
    } catch (err) {
      if (err instanceof SoapClientError) return callerFault(ctx, 500, err.version, err.message);
      throw err;
    }
    const found = def.operations[call.operation]
      ? { name: call.operation, op: def.operations[call.operation]! }
      : byLowerName.get(call.operation.toLowerCase());
    if (!found)
      return callerFault(
        ctx,
        500,
        call.version,
        `unknown operation ${call.operation}; this service has ${Object.keys(def.operations).join(', ')}`,
      );

    let value: SoapAnswer;
    try {
      value = await found.op.handle(mapArguments(found.op, call), callerOf(ctx));
    } catch (err) {
      options.log.error({ err, operation: found.name }, 'operation failed');
      countDatabaseError(err, 'request');
      value = found.op.internalErrorAnswer ?? def.internalErrorAnswer;
    }
    const answered = { ...call, operation: found.name };
    answer(
      ctx,
      200,
      call.version,
      typeof value === 'string'
        ? renderResponse(answered, answerElementName(call, found.name), value)
        : renderElements(answered, value, found.op.response),
    );
  };
}

/**
 * Sends a SOAP answer or fault. The Content-Type header is set as it is: Koa's `ctx.type` setter
 * would look the full type up in its mime table on every call only to hand back the same string.
 */
function answer(ctx: Context, status: number, version: SoapVersion, body: string): void {
  ctx.status = status;
  ctx.set('Content-Type', soapContentType(version));
  ctx.body = body;
}

/** A fault for what the caller sent (soap:Client, or soap:Sender in SOAP 1.2). */
function callerFault(ctx: Context, status: number, version: SoapVersion, message: string): void {
  answer(ctx, status, version, renderFault(version, true, message));
}

/**
 * By name when the caller used the declared names; by the number of `inK` when it numbered them
 * (XFire and Axis stubs; one that leaves out an empty `in3` still means `in4` by `in4`); otherwise
 * by position (the parameters of other WSDLs).
 */
function mapArguments(op: Pick<SoapOperation, 'params' | 'lists'>, call: SoapCall): Record<string, string | null> {
  const names = op.params;
  const byName = call.params.some((p) => names.includes(p.name));
  const numbered = !byName && call.params.length > 0 && call.params.every((p) => /^in\d+$/.test(p.name));
  const args: Record<string, string | null> = {};
  names.forEach((name, i) => {
    if (byName && op.lists?.includes(name)) {
      const values = call.params.filter((p) => p.name === name).flatMap((p) => (p.items.length > 0 ? p.items : (p.value ?? [])));
      args[name] = values.length > 0 ? values.join(',') : null;
      return;
    }
    const param = byName
      ? call.params.find((p) => p.name === name)
      : numbered
        ? call.params.find((p) => p.name === `in${i}`)
        : call.params[i];
    args[name] = param?.value ?? null;
  });
  return args;
}

const GBK_FAMILY = /^(gbk|gb2312|gb18030|cp936|x-gbk|euc-cn)$/i;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A request the gateway will not read; `status` is the HTTP status of the fault that says so. */
class UnreadableBody extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Reads the body within the size limit and decodes it by the charset the caller declared: the
 * Content-Type header wins over the XML declaration (as for any XML sent over HTTP, RFC 7303),
 * and UTF-8 applies when neither says. Bytes that are not valid in that charset are refused, as an
 * XML processor refuses them: garbled text must never be sent and charged.
 */
async function readBody(ctx: Context, limit: number): Promise<string> {
  const raw = await readBodyWithin(ctx.req, limit);
  const declared =
    /charset\s*=\s*"?([\w-]+)/i.exec(ctx.get('content-type'))?.[1] ??
    /^\s*<\?xml[^>]*encoding\s*=\s*["']([\w-]+)["']/i.exec(raw.subarray(0, 200).toString('latin1'))?.[1] ??
    'utf-8';
  const invalid = () => new UnreadableBody(`the request body is not valid ${declared}`, 400);
  if (/^utf-?8$/i.test(declared) || /^(us-)?ascii$/i.test(declared)) {
    try {
      return STRICT_UTF8.decode(raw);
    } catch {
      throw invalid();
    }
  }
  const codec = GBK_FAMILY.test(declared) ? 'gb18030' : declared;
  if (!iconv.encodingExists(codec)) throw new UnreadableBody(`unsupported charset ${declared}; send UTF-8 or GBK`, 415);
  // iconv-lite replaces what it cannot decode; bytes that do not survive a round trip were not valid.
  const text = iconv.decode(raw, codec);
  if (!iconv.encode(text, codec).equals(raw)) throw invalid();
  return text;
}

/** A body over the limit: what was read of it (nothing when the declared Content-Length was over it). */
export class BodyTooLarge extends Error {
  constructor(
    readonly limit: number,
    readonly received: number,
  ) {
    super(`request body larger than ${limit} bytes`);
  }
}

/**
 * How much of an oversized body is read and thrown away before the connection is closed: 4 × the
 * limit, at least 16 MiB. A client that writes its whole body before it reads (Python's urllib,
 * .NET's HttpWebRequest) gets the 413 if its body is within this; beyond it the connection is cut.
 */
export function drainBytesFor(limit: number): number {
  return Math.max(16 * 1024 * 1024, 4 * limit);
}

/** How long an oversized body is read at most, however slowly it comes. */
const DRAIN_TIMEOUT_MS = 30_000;

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the limit is
 * refused before a byte is read; a body without one (chunked) when it passes the limit. Either way
 * it throws BodyTooLarge and reads no further: answer with refuseOversized.
 */
export function readBodyWithin(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (declared > limit) return Promise.reject(new BodyTooLarge(limit, 0));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (err: Error | null) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        req.pause();
        chunks.length = 0;
        settle(new BodyTooLarge(limit, size));
      }
    };
    const onEnd = () => settle(null);
    const onError = (err: Error) => settle(err);
    const onClose = () => settle(new Error('the request was aborted'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/**
 * Answers an oversized request with 413 and `body`, and closes the connection. The answer is
 * written at once (a client that reads while it writes, or that sent only the headers of a huge
 * Content-Length, has it straight away), but the response is ended, and the connection closed, only
 * after the rest of the body has been read and discarded, up to drainBytesFor(limit) and
 * DRAIN_TIMEOUT_MS: closing a socket with unread bytes in it resets the connection, and a client
 * still writing would lose the answer with it.
 */
export async function refuseOversized(ctx: Context, contentType: string, body: string | Buffer, tooLarge: BodyTooLarge): Promise<void> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  ctx.status = 413;
  ctx.respond = false;
  ctx.res.writeHead(413, { 'content-type': contentType, 'content-length': bytes.length, connection: 'close' });
  ctx.res.write(bytes);
  await discardBody(ctx.req, drainBytesFor(tooLarge.limit) - tooLarge.received);
  ctx.res.end();
}

/** Reads and drops the rest of a request body, at most `allowance` bytes and DRAIN_TIMEOUT_MS; never throws. */
function discardBody(req: IncomingMessage, allowance: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let left = allowance;
    const finish = () => {
      clearTimeout(timer);
      req.off('data', onData).off('end', finish).off('error', finish).off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      left -= chunk.length;
      if (left < 0) {
        req.pause();
        finish();
      }
    };
    const timer = setTimeout(() => {
      req.pause();
      finish();
    }, DRAIN_TIMEOUT_MS);
    req.on('data', onData).on('end', finish).on('error', finish).on('close', finish);
    req.resume();
  });
}
