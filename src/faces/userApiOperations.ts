import iconv from 'iconv-lite';
import type { Caller } from '../callerIp';
import type { Account } from '../../entities';
import { AccountError, balanceOf, isPool } from '../core/accounts';
import { Failure, type FailureCode } from '../core/failures';
import { javaTimestamp } from '../core/legacyTime';
import type { Core } from '../core';
import { LEGACY_GBK } from '../legacyCharset';
import { contractMetrics } from '../metrics';
import { escapeXml } from '../soap/xml';
import { decodeBase64Password } from './legacyPassword';

/**
 * The 嘉之元 `userApi` contract (seed 001), whatever carries it: the web service (第二部分,
 * src/faces/userApi.ts) and its HTTP twin (第一部分, src/faces/userApiHttp.ts). Each operation
 * takes the caller's arguments as strings (null: not sent) and returns the exact answer string;
 * the faces only get the arguments off the wire and put the answer back on it. An error that is
 * not a refusal (the database is down…) is thrown, and the face answers `internalErrorAnswer`.
 */

/** An operation's arguments by the contract's parameter names; null when the caller did not send one. */
export type UserApiArgs = Readonly<Record<string, string | null>>;

/** The core's refusals as the 嘉之元 contract words them, after `failure;`. */
export const REASONS: Record<FailureCode, string> = {
  badCredentials: '用户名或密码错误',
  accountDisabled: '账号已停用',
  ipNotAllowed: 'IP地址不在白名单内',
  badSmsType: '短信类型错误',
  badLongSms: '长短信参数错误',
  emptyContent: '短信内容不能为空',
  contentTooLong: '短信内容过长',
  noMobile: '手机号码不能为空',
  noValidMobile: '没有有效的手机号码',
  invalidMobile: '手机号码无效',
  tooManyMobiles: '手机号码数量超过20000个',
  insufficientBalance: '余额不足',
  badSerial: '流水号格式错误',
  duplicateSerial: '流水号重复',
  forbiddenWord: '短信内容含有禁发词',
  sqlContent: '短信内容含有非法字符',
  missingSignature: '短信内容缺少签名',
  badNewPassword: '新密码格式错误',
  badSchedule: '定时时间格式错误',
  tooFrequent: '同一号码发送过于频繁,请稍后再试',
  internal: '系统繁忙,请稍后再试',
};

/** `failure;<reason>`, the contract's answer to every refusal. */
export function failureAnswer(reason: string): string {
  return `failure;${reason}`;
}

/** What a caller gets when the gateway itself fails: the contract's "try later", which legacy code already handles. */
export const INTERNAL_ERROR_ANSWER = failureAnswer(REASONS.internal);

/** updatePassword's answers (seed 001, 第一部分 5): 1 changed, 2 failed, 3 no such user, 4 unknown error. */
export const PASSWORD_ANSWERS = { changed: '1', failed: '2', noUser: '3', unknownError: '4' } as const;

/** "注意密码为英文和字母组合": a new password is letters and digits only (the seed's own example is `122`). */
export const NEW_PASSWORD = /^[A-Za-z0-9]{1,64}$/;

/**
 * isLongSms is 0 or 1. A caller with no value for it sends no parameter (a SOAP stub: no element
 * or xsi:nil): that is the int's default, 0. Anything else changes the segment count and the charge, so it is refused.
 */
function longSmsFlag(value: string | null): boolean {
  if (value === null) return false;
  const flag = value.trim();
  if (flag !== '0' && flag !== '1') throw new Failure('badLongSms');
  return flag === '1';
}

export interface UserApiOperations {
  sendSms(args: UserApiArgs, call: Caller): Promise<string>;
  getRestMoney(args: UserApiArgs, call: Caller): Promise<string>;
  getSmsReport(args: UserApiArgs, call: Caller): Promise<string>;
  getRecvSMS(args: UserApiArgs, call: Caller): Promise<string>;
  /** HTTP only (the web service has no such operation): `1`, `2`, `3`; `4` is the face's internal-error answer. */
  updatePassword(args: UserApiArgs, call: Caller): Promise<string>;
}

/** The contract's operations over the core, shared by every face of it. */
export function userApiOperations(core: Core, contract: string): UserApiOperations {
  const counted = contractMetrics(contract);
  /** Runs an operation for an authenticated caller (password BASE64, as the contract says) and words a refusal as `failure;…`. */
  const authenticated =
    (fn: (account: Account, args: UserApiArgs, call: Caller) => Promise<string>) =>
    async (args: UserApiArgs, call: Caller): Promise<string> => {
      try {
        const account = await core.accounts.authenticate(args.username ?? '', decodeBase64Password(args.password), call.ip);
        return await fn(account, args, call);
      } catch (err) {
        if (!(err instanceof Failure)) throw err;
        counted.refused(err.code);
        return failureAnswer(err.code === 'forbiddenWord' ? `${REASONS[err.code]}:${err.detail}` : REASONS[err.code]);
      }
    };

  return {
    sendSms: authenticated(async (account, args, call) => {
      const pool = Number((args.smstype ?? '').trim());
      if (!(args.smstype ?? '').trim() || !isPool(pool)) throw new Failure('badSmsType');
      const accepted = await core.sending.submit({
        account,
        pool,
        content: args.content ?? '',
        mobiles: args.mobile ?? '',
        isLong: longSmsFlag(args.isLongSms ?? null),
        hostname: call.ip,
        requestId: call.requestId,
      });
      counted.sent(pool, accepted);
      return `success;${accepted.batchId}`;
    }),

    getRestMoney: authenticated(
      async (account) => `memberSmsNum=${balanceOf(account, 2)};gateSmsNum=${balanceOf(account, 1)};kaSmsNum=${balanceOf(account, 0)}`,
    ),

    getSmsReport: authenticated(async (account) => {
      const reports = await core.reports.fetch(account.id);
      const items = reports.map(
        (r) =>
          `<psreport><mobile>${escapeXml(r.mobile)}</mobile><username>${escapeXml(account.username)}</username><smslogid>${escapeXml(r.batchId ?? '')}</smslogid><status>${r.status}</status><sendtime>${javaTimestamp(r.sendTime)}</sendtime></psreport>`,
      );
      return `<?xml version="1.0" encoding="utf-8"?><smsreport>${items.join('')}</smsreport>`;
    }),

    getRecvSMS: authenticated(async (account) => {
      const replies = await core.replies.fetch(account.id);
      const items = replies.map(
        (r) =>
          `<psrerecv><mobile>${escapeXml(r.mobile)}</mobile><receiver>${escapeXml(r.receiver)}</receiver><content>${iconv.encode(r.content, LEGACY_GBK).toString('base64')}</content><sendtime>${javaTimestamp(r.receivedAt)}</sendtime></psrerecv>`,
      );
      return `<?xml version="1.0" encoding="utf-8"?><smsrerecv>${items.join('')}</smsrerecv>`;
    }),

    /**
     * The seed's example sends the current password plain (`password=123&newPassword=122`), the
     * rest of the contract sends it BASE64: both readings are checked, the BASE64 one first, and
     * the one that matches the stored hash is the current password (one hash cannot match two
     * different strings, so which reading "wins" never changes the outcome). The new password is
     * taken as sent. A wrong current password answers 3, like an unknown user, so the answer does
     * not tell which usernames exist; a disabled account or a caller outside the allow-list
     * (the password was right) answers 2.
     */
    async updatePassword(args, call) {
      const username = args.username ?? '';
      const sent = args.password ?? '';
      // (In the BASE64 reading a space is a '+' that a caller pasted into a URL unencoded.)
      const readings = [...new Set([decodeBase64Password(sent.replace(/ /g, '+')), sent])].filter((p) => p !== '');
      let account: Account | null = null;
      for (const reading of readings) {
        try {
          account = await core.accounts.authenticate(username, reading, call.ip);
          break;
        } catch (err) {
          if (!(err instanceof Failure)) throw err;
          if (err.code !== 'badCredentials') {
            counted.refused(err.code);
            return PASSWORD_ANSWERS.failed;
          }
        }
      }
      if (!account) {
        counted.refused('badCredentials');
        return PASSWORD_ANSWERS.noUser;
      }
      const next = args.newPassword ?? '';
      if (!NEW_PASSWORD.test(next)) {
        counted.refused('badNewPassword');
        return PASSWORD_ANSWERS.failed;
      }
      try {
        return (await core.accounts.changePassword(account.id, next, account.passwordHash))
          ? PASSWORD_ANSWERS.changed
          : PASSWORD_ANSWERS.failed;
      } catch (err) {
        if (!(err instanceof AccountError)) throw err;
        counted.refused('badNewPassword');
        return PASSWORD_ANSWERS.failed;
      }
    },
  };
}
