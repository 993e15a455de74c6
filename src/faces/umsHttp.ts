import type { Context, Middleware } from 'koa';
import { type Caller, callerOf } from '../callerIp';
import { LEGACY_GBK } from '../legacyCharset';
import type { Core } from '../core';
import type { Logger } from '../logger';
import { encodeForm } from '../vendors/request';
import { FormParams, isForm, readFormRequest, requestCharset, UnreadableParam } from './legacyForm';
import { INTERNAL_ERROR, type UmsArgs, type UmsPairs, umsOperations } from './umsOperations';
import { countDatabaseError } from '../metrics';

/** Seed 000, 2.1.2 and 2.1.4: the two calls of the UMS HTTP interface. */
export const UMS_SEND_PATH = '/sms/Api/Send.do';
export const UMS_BALANCE_PATH = '/sms/Api/SearchNumber.do';
/** Every answer: `k1=v1&k2=v2`, the values URL-encoded in GB2312 (`%B7%A2%CB%CD%B3%C9%B9%A6` is 发送成功). */
export const UMS_ANSWER_CONTENT_TYPE = 'text/plain; charset=GB2312';

export interface UmsHttpOptions {
  maxBodyBytes: number;
  log: Logger;
}

/** The answer bytes: ASCII keys, values percent-encoded in GB2312 (GBK, as the vendor's servers wrote it; see LEGACY_GBK). */
export function umsAnswer(pairs: UmsPairs): string {
  return encodeForm(pairs, LEGACY_GBK);
}

export function answerUms(ctx: Context, pairs: UmsPairs): void {
  ctx.status = 200;
  ctx.set('Content-Type', UMS_ANSWER_CONTENT_TYPE);
  ctx.body = umsAnswer(pairs);
}

/**
 * The UMS HTTP interface over the same operations as the `Sms` web service: `POST` (or GET)
 * `/sms/Api/Send.do` with SpCode, LoginName, Password, MessageContent, UserNumber, SerialNumber,
 * ScheduleTime and f, and `/sms/Api/SearchNumber.do` with the first three. Parameters are
 * percent-encoded GB2312 unless the Content-Type names another charset; parameter names are
 * matched without regard to case.
 */
export function umsHttpService(core: Core, options: UmsHttpOptions): Middleware {
  const ops = umsOperations(core, 'umsHttp');
  const calls: Record<string, (args: UmsArgs, caller: Caller) => Promise<UmsPairs>> = {
    [UMS_SEND_PATH]: (args, caller) => ops.sms(args, caller),
    [UMS_BALANCE_PATH]: async (args, caller) => {
      const balance = await ops.searchSmsNum(args, caller);
      return [
        ['result', balance.result],
        ['description', balance.description],
        ...(balance.number === null ? [] : ([['number', String(balance.number)]] as UmsPairs)),
      ];
    },
  };

  return async function umsHttp(ctx, next) {
    const call = calls[ctx.path];
    if (!call) return next();
    const tooLarge: UmsPairs = [
      ['result', '1'],
      ['description', `请求内容超过${options.maxBodyBytes}字节`],
    ];
    const body = await readFormRequest(ctx, options.maxBodyBytes, options.log, {
      contentType: UMS_ANSWER_CONTENT_TYPE,
      body: umsAnswer(tooLarge),
    });
    if (body === undefined) return;
    const charset = requestCharset(ctx.get('content-type'));
    const refuse = (description: string) =>
      answerUms(ctx, [
        ['result', '1'],
        ['description', description],
      ]);
    if (!charset.codec) return refuse(`不支持的字符集${charset.label},请使用GB2312`);
    const params = new FormParams(ctx.querystring, isForm(ctx.get('content-type')) ? body : null, charset.codec);
    let args: UmsArgs;
    try {
      args = {
        spCode: params.get('SpCode'),
        username: params.get('LoginName'),
        password: params.get('Password'),
        content: params.get('MessageContent'),
        mobiles: params.get('UserNumber'),
        serial: params.get('SerialNumber'),
        scheduleTime: params.get('ScheduleTime'),
        checkMode: params.get('f'),
      };
    } catch (err) {
      if (err instanceof UnreadableParam) return refuse(err.reason(charset.label));
      throw err;
    }
    try {
      answerUms(ctx, await call(args, callerOf(ctx)));
    } catch (err) {
      options.log.error({ err, path: ctx.path }, 'operation failed');
      countDatabaseError(err, 'request');
      answerUms(ctx, INTERNAL_ERROR);
    }
  };
}

/** For the application's last line of defence. */
export function umsHttpInternalError(ctx: Context): void {
  answerUms(ctx, INTERNAL_ERROR);
}

export const UMS_HTTP_PATHS = [UMS_SEND_PATH, UMS_BALANCE_PATH];
