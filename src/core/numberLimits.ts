import type { Account } from '../../entities';
import { AccountError } from './accounts';
import { signatureOf } from './signature';

/**
 * Per-number frequency limits: an account may allow at most `count` messages to one number in any
 * `seconds`, for each of a list of windows. Checked when a send is accepted, inside the group
 * commit (src/core/accept/plan.ts), against the recent sends kept in `number_window`.
 */
export interface LimitWindow {
  count: number;
  seconds: number;
}

/**
 * 聚合数据's rule (seed 000): "同1个号码同1个签名的内容30秒内只能发1条,1分钟内只能发2条,30分钟内只能发3条".
 * As there, the limit is per number and per signature 【…】 (see NumberLimits.signature).
 */
export const JUHE_WINDOWS: readonly LimitWindow[] = [
  { count: 1, seconds: 30 },
  { count: 2, seconds: 60 },
  { count: 3, seconds: 30 * 60 },
];

/** The texts an account's limits apply to: those recognised as verification codes (the default), or every text. */
export type NumberLimitScope = 'codes' | 'all';
export const NUMBER_LIMIT_SCOPES: readonly NumberLimitScope[] = ['codes', 'all'];

/** Bounds that keep the recent sends of one number one short row: at most 50 in a window of at most a day. */
export const MAX_WINDOW_COUNT = 50;
export const MAX_WINDOW_SECONDS = 24 * 3600;

/**
 * A verification code: one of these words and a code of 4 to 8 digits standing alone
 * (`您的验证码是123456`, `123456(动态码)`, `Your verification code: 4821`).
 */
const CODE_WORD = /验证码|校验码|动态码|动态密码|verification code/i;
const CODE_DIGITS = /(?<!\d)\d{4,8}(?!\d)/;

export function isVerificationCode(text: string): boolean {
  return CODE_WORD.test(text) && CODE_DIGITS.test(text);
}

/** The limits a submission is checked against, and what its numbers are counted under. */
export interface NumberLimits {
  windows: readonly LimitWindow[];
  /** The text's signature (without 【】), '' for none: the count is per number and signature. */
  signature: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/**
 * An operator's limits: `juhe` (聚合数据's rule), `none`, or windows `COUNT/DURATION` separated by
 * commas, the duration in seconds with an optional unit s, m, h or d (`1/30s,2/1m,3/30m`).
 * Returns the windows shortest first, or null for none.
 */
export function parseNumberLimits(spec: string): LimitWindow[] | null {
  const text = spec.trim().toLowerCase();
  if (text === 'none' || text === '') return null;
  if (text === 'juhe') return [...JUHE_WINDOWS];
  const windows = text.split(',').map((part) => {
    const m = /^(\d{1,3})\/(\d{1,6})([smhd]?)$/.exec(part.trim());
    const count = m ? Number(m[1]) : 0;
    const seconds = m ? Number(m[2]) * UNITS[m[3] || 's']! : 0;
    if (!m || count < 1 || count > MAX_WINDOW_COUNT || seconds < 1 || seconds > MAX_WINDOW_SECONDS) {
      throw new AccountError(
        `per-number limits are juhe, none or COUNT/DURATION[,…] (count 1 to ${MAX_WINDOW_COUNT}, duration 1s to 1d, e.g. 1/30s,2/1m,3/30m), got ${JSON.stringify(part)}`,
        'invalid',
      );
    }
    return { count, seconds };
  });
  return windows.sort((a, b) => a.seconds - b.seconds);
}

/** Windows as the account column keeps them: `count/seconds,…`. */
export function formatNumberLimits(windows: readonly LimitWindow[]): string {
  return windows.map((w) => `${w.count}/${w.seconds}`).join(',');
}

/** The account column read back (it holds only what formatNumberLimits wrote); cached, as every send reads it. */
const parsed = new Map<string, LimitWindow[]>();
function storedWindows(column: string): LimitWindow[] {
  let windows = parsed.get(column);
  if (!windows) {
    windows = parseNumberLimits(column) ?? [];
    parsed.set(column, windows);
  }
  return windows;
}

/** The limits this account puts on this text, or null when it has none or the text is out of their scope. */
export function numberLimitsFor(account: Pick<Account, 'numberLimits' | 'numberLimitScope'>, content: string): NumberLimits | null {
  if (!account.numberLimits) return null;
  if (account.numberLimitScope !== 'all' && !isVerificationCode(content)) return null;
  const windows = storedWindows(account.numberLimits);
  return windows.length > 0 ? { windows, signature: signatureOf(content) } : null;
}

/** The longest window: older sends no longer count and their rows may go. */
export function longestWindowMs(windows: readonly LimitWindow[]): number {
  return Math.max(...windows.map((w) => w.seconds)) * 1000;
}

/**
 * Whether one more message at `at` (epoch ms) keeps every window: fewer than `count` of the
 * recent sends (epoch ms, oldest first) within the last `seconds`.
 */
export function allows(windows: readonly LimitWindow[], recent: readonly number[], at: number): boolean {
  return windows.every((w) => {
    const since = at - w.seconds * 1000;
    let within = 0;
    for (let i = recent.length - 1; i >= 0 && recent[i]! > since; i--) within++;
    return within < w.count;
  });
}

/** The recent sends after one more at `at`: only as many as the largest count are ever needed. */
export function withSend(windows: readonly LimitWindow[], recent: readonly number[], at: number): number[] {
  const keep = Math.max(...windows.map((w) => w.count));
  return [...recent, at].sort((a, b) => a - b).slice(-keep);
}
