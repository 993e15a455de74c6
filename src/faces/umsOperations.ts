import type { Account } from '../../entities';
import type { Caller } from '../callerIp';
import { balanceOf, type Pool } from '../core/accounts';
import type { Core } from '../core';
import { Failure, type FailureCode } from '../core/failures';
import { ReportStatus } from '../core/reports';
import { chinaTime } from '../core/legacyTime';
import { contractMetrics } from '../metrics';
import { parseVendorTime } from '../vendors/common';

/**
 * The 一信通 UMS contract (seed 000, 2.1 HTTP and 2.2 WebService), whatever carries it: the `Sms`
 * web service (src/faces/ums.ts) and the HTTP `Send.do` / `SearchNumber.do` (src/faces/umsHttp.ts).
 * Each operation takes the caller's arguments (null: not sent) and returns the answer as values;
 * the faces put them on the wire. An error that is not a refusal is thrown, and the face answers
 * INTERNAL_ERROR (result 20).
 */

/** The arguments of every UMS call: 企业编号, 登录名, 密码 (plain text in this contract), then per operation. */
export interface UmsArgs {
  spCode: string | null;
  username: string | null;
  password: string | null;
  content?: string | null;
  /** Comma list of numbers (UserNumber). */
  mobiles?: string | null;
  /** 流水号. */
  serial?: string | null;
  /** 预约发送时间 yyyyMMddHHmmss (China time), or empty for now. */
  scheduleTime?: string | null;
  /** 提交时检测方式: 1 (default) sends to the valid numbers and lists the others in faillist; 0 refuses the call if one is invalid. */
  checkMode?: string | null;
  /** ReplyConfirm: the `id` a Reply answer gave. */
  replyId?: string | null;
}

/** `result=…&description=…[&…]`: the answer of Sms, Auditing and the HTTP calls, as ordered pairs. */
export type UmsPairs = [string, string][];

export interface UmsReply {
  callMdn: string;
  mdn: string;
  content: string;
  replyTime: string;
}

/** ReplyResponse: the result, then when the account last confirmed, the id to confirm these by, and the replies. */
export interface UmsReplies {
  result: string;
  confirmTime: string | null;
  id: string | null;
  replys: UmsReply[];
}

export interface UmsBalance {
  result: string;
  description: string;
  /** Messages left; null with a refusal. */
  number: number | null;
}

/** The pool UMS calls send from and SearchSmsNum counts: the contract has one balance; 网关 by default. */
export const UMS_POOL: Pool = 1;

/**
 * The core's refusals as UMS result codes and descriptions (public UMS manuals: 0 success, 1 a
 * parameter is empty, 2 account invalid, 3 wrong password, 4 bad schedule time, 5 IP not allowed,
 * 6 invalid number, 7 forbidden word, 8 too long, 9 too many numbers, 14/15 bad or repeated serial
 * number, 17 balance exhausted, 20 system error, 33 "同一号码验证码提交过快", worded here for any text
 * a per-number limit refuses). An unknown user answers 3 like a wrong password,
 * so that the answer does not tell which login names exist.
 */
export const UMS_RESULTS: Record<FailureCode, [string, string]> = {
  badCredentials: ['3', '用户名或密码错误'],
  accountDisabled: ['2', '账号无效'],
  ipNotAllowed: ['5', 'IP地址不允许访问'],
  badSmsType: ['1', '参数错误'],
  badLongSms: ['1', '参数错误'],
  emptyContent: ['1', '短信内容为空'],
  contentTooLong: ['8', '短信内容过长'],
  noMobile: ['1', '手机号码为空'],
  noValidMobile: ['6', '手机号码无效'],
  invalidMobile: ['6', '手机号码无效'],
  tooManyMobiles: ['9', '手机号码个数超过限制'],
  insufficientBalance: ['17', '余额不足'],
  badSerial: ['14', '流水号格式错误'],
  duplicateSerial: ['15', '流水号重复'],
  forbiddenWord: ['7', '短信内容含有敏感词'],
  sqlContent: ['7', '短信内容含有非法字符'],
  missingSignature: ['7', '短信内容缺少签名'],
  badNewPassword: ['1', '参数错误'],
  badSchedule: ['4', '预约发送时间格式错误'],
  tooFrequent: ['33', '同一号码提交过快'],
  internal: ['20', '系统错误'],
};

export const SUCCESS = '0';
const SENT = '发送成功';
const AUDIT_PASSED = '短信内容审核通过';
const NO_SP_CODE: UmsPairs = [
  ['result', '2'],
  ['description', '企业编号错误'],
];

export const INTERNAL_ERROR: UmsPairs = [
  ['result', UMS_RESULTS.internal[0]],
  ['description', UMS_RESULTS.internal[1]],
];

/** `result=…&description=…`: the text of an `out` answer (not URL-encoded: it travels inside XML). */
export function pairsText(pairs: UmsPairs): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** The refusals about numbers, whose answer lists them in faillist. */
const NUMBER_REFUSALS: ReadonlySet<FailureCode> = new Set(['noValidMobile', 'invalidMobile', 'tooFrequent']);

/** A refusal as UMS words it: the code, the description (naming the word for 7), and faillist where numbers failed. */
export function refusal(err: Failure): UmsPairs {
  const [code, description] = UMS_RESULTS[err.code];
  const pairs: UmsPairs = [
    ['result', code],
    ['description', err.code === 'forbiddenWord' && err.detail ? `${description}:${err.detail}` : description],
  ];
  if (NUMBER_REFUSALS.has(err.code) && err.detail !== undefined) pairs.push(['faillist', err.detail]);
  return pairs;
}

/** A report's status as the contract tells it: 0 delivered, 1 failed, 2 unknown. */
function umsReportStatus(legacy: number): string {
  return legacy === ReportStatus.delivered ? '0' : legacy === ReportStatus.unknown ? '2' : '1';
}

class SpCodeMismatch extends Error {}

export interface UmsOperations {
  sms(args: UmsArgs, call: Caller): Promise<UmsPairs>;
  /** `serial,mobile,status;` per report (status 0 delivered, 1 failed, 2 unknown), each report handed out once; a refusal as pairs. */
  report(args: UmsArgs, call: Caller): Promise<string>;
  searchSmsNum(args: UmsArgs, call: Caller): Promise<UmsBalance>;
  auditing(args: UmsArgs, call: Caller): Promise<UmsPairs>;
  /** The unconfirmed replies, again on every call until ReplyConfirm (at least once). */
  reply(args: UmsArgs, call: Caller): Promise<UmsReplies>;
  /** Confirms the replies a Reply answer carried, by its id: result 0, or 1 for an id that is not a number. */
  replyConfirm(args: UmsArgs, call: Caller): Promise<{ result: string }>;
}

/** The contract's operations over the core, shared by every face of it. */
export function umsOperations(core: Core, contract: string): UmsOperations {
  const counted = contractMetrics(contract);
  /** The caller's account: password as sent, and the 企业编号 when the account has one. */
  const authenticate = async (args: UmsArgs, call: Caller): Promise<Account> => {
    const account = await core.accounts.authenticate(args.username ?? '', args.password ?? '', call.ip);
    if (account.spCode && account.spCode !== (args.spCode ?? '').trim()) throw new SpCodeMismatch();
    return account;
  };
  /** Runs fn for an authenticated caller; a refusal comes back through `refused`. */
  const guarded =
    <T>(refused: (pairs: UmsPairs) => T, fn: (account: Account, args: UmsArgs, call: Caller) => Promise<T>) =>
    async (args: UmsArgs, call: Caller): Promise<T> => {
      try {
        return await fn(await authenticate(args, call), args, call);
      } catch (err) {
        if (err instanceof Failure) {
          counted.refused(err.code);
          return refused(refusal(err));
        }
        if (err instanceof SpCodeMismatch) {
          counted.refused('badCredentials');
          return refused(NO_SP_CODE);
        }
        throw err;
      }
    };
  const pairs = (p: UmsPairs) => p;

  return {
    sms: guarded(pairs, async (account, args, call) => {
      const when = (args.scheduleTime ?? '').trim();
      const scheduledAt = when === '' ? null : /^\d{14}$/.test(when) ? parseVendorTime(when) : null;
      if (when !== '' && !scheduledAt) throw new Failure('badSchedule');
      const accepted = await core.sending.submit({
        account,
        pool: UMS_POOL,
        content: args.content ?? '',
        mobiles: args.mobiles ?? '',
        isLong: true,
        hostname: call.ip,
        requestId: call.requestId,
        scheduledAt,
        serial: args.serial,
        allOrNothing: (args.checkMode ?? '').trim() === '0',
      });
      counted.sent(UMS_POOL, accepted);
      return [
        ['result', SUCCESS],
        ['description', SENT],
        ['faillist', [...accepted.invalid, ...accepted.limited].join(',')],
      ];
    }),

    report: guarded(pairsText, async (account) => {
      const reports = await core.reports.fetch(account.id);
      const serials = await core.sending.serialsOf(reports.map((r) => Number(r.sendId)));
      return reports.map((r) => `${serials.get(Number(r.sendId)) ?? ''},${r.mobile},${umsReportStatus(r.status)};`).join('');
    }),

    searchSmsNum: guarded<UmsBalance>(
      (p) => ({ result: p[0]![1], description: p[1]![1], number: null }),
      async (account) => ({ result: SUCCESS, description: '查询成功', number: balanceOf(account, UMS_POOL) }),
    ),

    reply: guarded<UmsReplies>(
      (p) => ({ result: p[0]![1], confirmTime: null, id: null, replys: [] }),
      async (account) => {
        const pending = await core.confirmedReplies.pending(account.id);
        return {
          result: SUCCESS,
          confirmTime: pending.lastConfirmedAt ? chinaTime(pending.lastConfirmedAt) : null,
          id: pending.id,
          replys: pending.replies.map((r) => ({
            callMdn: r.extNo ?? '',
            mdn: r.mobile,
            content: r.content,
            replyTime: chinaTime(r.receivedAt),
          })),
        };
      },
    ),

    replyConfirm: guarded(
      (p) => ({ result: p[0]![1] }),
      async (account, args) => {
        const id = (args.replyId ?? '').trim();
        if (!/^\d{1,18}$/.test(id)) return { result: '1' };
        await core.confirmedReplies.confirm(account.id, Number(id));
        return { result: SUCCESS };
      },
    ),

    auditing: guarded(pairs, async (account, args) => {
      await core.audit.check(args.content ?? '', account);
      return [
        ['result', SUCCESS],
        ['description', AUDIT_PASSED],
      ];
    }),
  };
}
