import { join } from 'node:path';
import iconv from 'iconv-lite';
import type { Account } from '../../entities';
import { balanceOf, isPool } from '../core/accounts';
import { Failure, type FailureCode } from '../core/failures';
import { javaTimestamp } from '../core/legacyTime';
import type { Core } from '../core';
import type { CallContext, SoapServiceDefinition } from '../soap/service';
import { escapeXml } from '../soap/xml';
import { decodeBase64Password } from './legacyPassword';

const CREDENTIALS = ['username', 'password'] as const;

/** The core's refusals as the 嘉之元 contract words them, after `failure;`. */
const REASONS: Record<FailureCode, string> = {
  badCredentials: '用户名或密码错误',
  accountDisabled: '账号已停用',
  ipNotAllowed: 'IP地址不在白名单内',
  badSmsType: '短信类型错误',
  badLongSms: '长短信参数错误',
  emptyContent: '短信内容不能为空',
  contentTooLong: '短信内容过长',
  noMobile: '手机号码不能为空',
  noValidMobile: '没有有效的手机号码',
  tooManyMobiles: '手机号码数量超过20000个',
  insufficientBalance: '余额不足',
  internal: '系统繁忙,请稍后再试',
};

/**
 * isLongSms is 0 or 1. A stub with no value for it sends no element or xsi:nil (null): that is the
 * int's default, 0. Anything else changes the segment count and the charge, so it is refused.
 */
function longSmsFlag(value: string | null): boolean {
  if (value === null) return false;
  const flag = value.trim();
  if (flag !== '0' && flag !== '1') throw new Failure('badLongSms');
  return flag === '1';
}

/**
 * The 嘉之元 `userApi` web service (seed 001, 第二部分): sendSms, getRestMoney, getSmsReport,
 * getRecvSMS. Every answer is a string; a refusal is `failure;<reason>`.
 */
export function userApiService(core: Core, wsdlDir: string): SoapServiceDefinition {
  /** Runs an operation for an authenticated caller and turns a refusal into the legacy `failure;…`. */
  const authenticated =
    (fn: (account: Account, args: Record<string, string | null>, call: CallContext) => Promise<string>) =>
    async (args: Record<string, string | null>, call: CallContext): Promise<string> => {
      try {
        const account = await core.accounts.authenticate(args.username ?? '', decodeBase64Password(args.password), call.ip);
        return await fn(account, args, call);
      } catch (err) {
        if (err instanceof Failure) return `failure;${REASONS[err.code]}`;
        throw err;
      }
    };

  return {
    path: '/services/userApi',
    wsdlFile: join(wsdlDir, 'userApi.wsdl'),
    internalErrorAnswer: `failure;${REASONS.internal}`,
    operations: {
      sendSms: {
        params: [...CREDENTIALS, 'smstype', 'content', 'mobile', 'isLongSms'],
        handle: authenticated(async (account, args, call) => {
          const pool = Number((args.smstype ?? '').trim());
          if (!(args.smstype ?? '').trim() || !isPool(pool)) throw new Failure('badSmsType');
          const accepted = await core.sending.submit({
            account,
            pool,
            content: args.content ?? '',
            mobiles: args.mobile ?? '',
            isLong: longSmsFlag(args.isLongSms),
            hostname: call.ip,
          });
          return `success;${accepted.batchId}`;
        }),
      },
      getRestMoney: {
        params: CREDENTIALS,
        handle: authenticated(
          async (account) => `memberSmsNum=${balanceOf(account, 2)};gateSmsNum=${balanceOf(account, 1)};kaSmsNum=${balanceOf(account, 0)}`,
        ),
      },
      getSmsReport: {
        params: CREDENTIALS,
        handle: authenticated(async (account) => {
          const reports = await core.reports.fetch(account.id);
          const items = reports.map(
            (r) =>
              `<psreport><mobile>${escapeXml(r.mobile)}</mobile><username>${escapeXml(account.username)}</username><smslogid>${escapeXml(r.batchId ?? '')}</smslogid><status>${r.status}</status><sendtime>${javaTimestamp(r.sendTime)}</sendtime></psreport>`,
          );
          return `<?xml version="1.0" encoding="utf-8"?><smsreport>${items.join('')}</smsreport>`;
        }),
      },
      getRecvSMS: {
        params: CREDENTIALS,
        handle: authenticated(async (account) => {
          const replies = await core.replies.fetch(account.id);
          const items = replies.map(
            (r) =>
              `<psrerecv><mobile>${escapeXml(r.mobile)}</mobile><receiver>${escapeXml(r.receiver)}</receiver><content>${iconv.encode(r.content, 'gbk').toString('base64')}</content><sendtime>${javaTimestamp(r.receivedAt)}</sendtime></psrerecv>`,
          );
          return `<?xml version="1.0" encoding="utf-8"?><smsrerecv>${items.join('')}</smsrerecv>`;
        }),
      },
    },
  };
}
