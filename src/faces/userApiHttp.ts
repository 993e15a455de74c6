import iconv from 'iconv-lite';
import type { Middleware } from 'koa';
import type { Core } from '../core';
import type { Logger } from '../logger';
import { failureAnswer, INTERNAL_ERROR_ANSWER, PASSWORD_ANSWERS, type UserApiArgs, userApiOperations } from './userApiOperations';
import { type Caller, callerOf } from '../callerIp';
import { LEGACY_GBK } from '../legacyCharset';
import { FormParams, isForm, readFormRequest, requestCharset, UnreadableParam } from './legacyForm';
import { countDatabaseError } from '../metrics';

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
  handle(args: UserApiArgs, call: Caller): Promise<string>;
  /** Whether `password` is BASE64 only (updatePassword also takes it plain, and reads it both ways itself). */
  base64Password: boolean;
  /** The answer to a request whose parameters cannot be read (bytes not valid in the charset). */
  unreadable(reason: string): string;
  internalErrorAnswer: string;
}

const CREDENTIALS = ['username', 'password'] as const;

/**
 * The HTTP twin of the `userApi` web service: `GET|POST /servlet/UserServiceAPI?method=…`, the
 * same operations (src/faces/userApiOperations.ts) and the same answer strings, plus
 * updatePassword. Parameters come from the query string and an x-www-form-urlencoded body, merged
 * (the body wins), percent-encoded in GBK unless the Content-Type says another charset. Every
 * answer is HTTP 200 text/plain in GBK; only a request that is not a GET or POST (405) or whose
 * body is over MAX_BODY_BYTES (413, `failure;…`) gets another status.
 */
export function userApiHttpService(core: Core, options: UserApiHttpOptions): Middleware {
  const ops = userApiOperations(core, 'userApiHttp');
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
    const body = await readFormRequest(ctx, options.maxBodyBytes, options.log, {
      contentType: ANSWER_CONTENT_TYPE,
      body: gbk(failureAnswer(`请求内容超过${options.maxBodyBytes}字节`)),
    });
    if (body === undefined) return;
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
      answer(await op.handle(args, callerOf(ctx)));
    } catch (err) {
      options.log.error({ err, operation: op.name }, 'operation failed');
      countDatabaseError(err, 'request');
      answer(op.internalErrorAnswer);
    }
  };
}

function gbk(text: string): Buffer {
  return iconv.encode(text, LEGACY_GBK);
}
