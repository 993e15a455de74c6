import { SendStatus } from '../../../entities';
import { batchIdFor } from '../batchId';
import { POOLS, type Pool } from '../accounts';
import { ReportStatus } from '../reports';
import { allows, longestWindowMs, withSend } from '../numberLimits';
import type { Submission, SubmissionResult } from './index';

/**
 * What a group commit writes, worked out from the balances read inside its transaction: the part
 * both dialects share, so the rules (arrival order, one ledger line per send) live once.
 */

/** Key of one balance pool of one account. */
export function poolKey(accountId: number, pool: Pool): string {
  return `${accountId}:${pool}`;
}

export interface PoolCharge {
  accountId: number;
  pool: Pool;
  column: string;
  total: number;
}

export interface LedgerLine {
  accountId: number;
  pool: Pool;
  original: number;
  amount: number;
  remaining: number;
  batchIndex: number;
}

export interface GroupPlan {
  /** Per submission: whether its rows are written (new, its pool pays for it, a number within its limits). */
  write: boolean[];
  /** Per submission not written: its answer, or the index of the earlier submission of this group it repeats. */
  answers: (SubmissionResult | number | null)[];
  /** Per submission written: the numbers sent (waiting rows), those over their limit (failed rows), and the charge. */
  sent: (readonly string[])[];
  limited: (readonly string[])[];
  cost: number[];
  charges: PoolCharge[];
  /** One per written submission, by its index in the group. */
  ledger: LedgerLine[];
  /** The recent sends of every limited number this group sends to, as they are after it. */
  windows: WindowRow[];
}

/** One row of number_window: the latest accept times (epoch ms, oldest first) of one number under one signature. */
export interface WindowRow {
  accountId: number;
  signature: string;
  mobile: string;
  sends: number[];
}

export function windowKey(accountId: number, signature: string, mobile: string): string {
  return `${accountId}:${signature}:${mobile}`;
}

/** The number_window rows a group reads: per account and signature, the numbers it sends to under limits. */
export interface WindowLookup {
  accountId: number;
  signature: string;
  mobiles: string[];
}

/** What the group reads of number_window (none without a limited submission), and per account the time before which rows are stale. */
export function windowLookups(group: readonly Submission[]): { lookups: WindowLookup[]; stale: Map<number, number> } {
  const lookups = new Map<string, { accountId: number; signature: string; mobiles: Set<string> }>();
  const stale = new Map<number, number>();
  for (const s of group) {
    if (!s.numberLimits) continue;
    const key = `${s.account.id}:${s.numberLimits.signature}`;
    let lookup = lookups.get(key);
    if (!lookup) {
      lookup = { accountId: s.account.id, signature: s.numberLimits.signature, mobiles: new Set() };
      lookups.set(key, lookup);
    }
    for (const mobile of s.valid) lookup.mobiles.add(mobile);
    const before = s.acceptedAt.getTime() - longestWindowMs(s.numberLimits.windows);
    stale.set(s.account.id, Math.min(before, stale.get(s.account.id) ?? before));
  }
  return { lookups: [...lookups.values()].map((l) => ({ ...l, mobiles: [...l.mobiles] })), stale };
}

/** A number_window row's `sends` column read back. */
export function parseSends(column: string): number[] {
  return column === '' ? [] : column.split(',').map(Number);
}

/** A batch stored before, under a serial number a submission of the group gives again. */
export interface EarlierBatch {
  batchId: string;
  fingerprint: string | null;
}

export function serialKey(accountId: number, serial: string): string {
  return `${accountId}:${serial}`;
}

/**
 * Decides each submission in arrival order. A serial number the account used before (in an
 * earlier batch or earlier in this group) repeats that call when the request is the same, and is
 * refused when it is not; nothing is written for either. A number over its per-number limit
 * (counting the sends before it, in earlier groups and earlier in this one) fails alone, unless
 * it is the submission's last valid number or the submission is all or nothing: then the whole
 * submission is refused. The others are charged for the numbers they send against the balances
 * as read: one that its pool cannot pay for (after those before it) is refused, and those after
 * it still go through.
 */
export function planGroup(
  group: readonly Submission[],
  balances: ReadonlyMap<string, number>,
  earlier: ReadonlyMap<string, EarlierBatch>,
  recent: ReadonlyMap<string, number[]> = new Map(),
): GroupPlan {
  const left = new Map(balances);
  const charges = new Map<string, PoolCharge>();
  const seen = new Map<string, number>();
  const windows = new Map<string, WindowRow>();
  const plan: GroupPlan = { write: [], answers: [], sent: [], limited: [], cost: [], charges: [], ledger: [], windows: [] };
  const skip = (answer: SubmissionResult | number) => {
    plan.write.push(false);
    plan.answers.push(answer);
    plan.sent.push([]);
    plan.limited.push([]);
    plan.cost.push(0);
  };
  for (const [index, s] of group.entries()) {
    if (s.serial) {
      const key = serialKey(s.account.id, s.serial);
      const before = earlier.get(key);
      const first = seen.get(key);
      if (before) {
        skip(before.fingerprint === s.fingerprint ? { batchId: before.batchId, repeated: true } : { refused: 'duplicateSerial' });
        continue;
      }
      if (first !== undefined) {
        skip(group[first]!.fingerprint === s.fingerprint ? first : { refused: 'duplicateSerial' });
        continue;
      }
      seen.set(key, index);
    }
    let sent: readonly string[] = s.valid;
    const limited: string[] = [];
    const limits = s.numberLimits;
    const at = s.acceptedAt.getTime();
    const sendsOf = (mobile: string) => {
      const key = windowKey(s.account.id, limits!.signature, mobile);
      return windows.get(key)?.sends ?? recent.get(key) ?? [];
    };
    if (limits) {
      const within: string[] = [];
      for (const mobile of s.valid) (allows(limits.windows, sendsOf(mobile), at) ? within : limited).push(mobile);
      if (limited.length > 0 && (s.allOrNothing || within.length === 0)) {
        skip({ refused: 'tooFrequent', limited });
        continue;
      }
      sent = within;
    }
    const cost = s.segments * sent.length;
    const key = poolKey(s.account.id, s.pool);
    const original = left.get(key) ?? 0;
    if (original < cost) {
      skip({ refused: 'insufficientBalance' });
      continue;
    }
    if (limits) {
      for (const mobile of sent) {
        const sends = withSend(limits.windows, sendsOf(mobile), at);
        windows.set(windowKey(s.account.id, limits.signature, mobile), {
          accountId: s.account.id,
          signature: limits.signature,
          mobile,
          sends,
        });
      }
    }
    plan.write.push(true);
    plan.answers.push(null);
    plan.sent.push(sent);
    plan.limited.push(limited);
    plan.cost.push(cost);
    left.set(key, original - cost);
    const charge = charges.get(key) ?? { accountId: s.account.id, pool: s.pool, column: POOLS[s.pool].column, total: 0 };
    charge.total += cost;
    charges.set(key, charge);
    plan.ledger.push({ accountId: s.account.id, pool: s.pool, original, amount: -cost, remaining: original - cost, batchIndex: index });
  }
  plan.charges = [...charges.values()];
  plan.windows = [...windows.values()];
  return plan;
}

/** The distinct accounts of a group, in id order (the order MySQL locks them in). */
export function accountIds(group: readonly Submission[]): number[] {
  return [...new Set(group.map((s) => s.account.id))].sort((a, b) => a - b);
}

/** Balances read as rows of the account table, by poolKey. */
export function balancesFrom(rows: readonly Record<string, unknown>[]): Map<string, number> {
  const balances = new Map<string, number>();
  for (const row of rows) {
    POOLS.forEach((p, pool) => {
      balances.set(poolKey(Number(row.id), pool as Pool), Number(row[p.column]));
    });
  }
  return balances;
}

/** The group's answers once the written submissions have their batch ids (null for the others). */
export function resultsOf(plan: GroupPlan, batchIds: (string | null)[]): SubmissionResult[] {
  const results: SubmissionResult[] = [];
  plan.answers.forEach((answer, i) => {
    if (plan.write[i])
      results.push(plan.limited[i]!.length > 0 ? { batchId: batchIds[i]!, limited: plan.limited[i]! } : { batchId: batchIds[i]! });
    else if (typeof answer === 'number') {
      const first = results[answer]!;
      results.push('batchId' in first ? { batchId: first.batchId, repeated: true } : first);
    } else results.push(answer!);
  });
  return results;
}

/** Submissions of the group that give a serial number, for the lookup of earlier batches. */
export function serialsOf(group: readonly Submission[]): { accountId: number; serial: string }[] {
  return group.flatMap((s) => (s.serial ? [{ accountId: s.account.id, serial: s.serial }] : []));
}

/** The ledger line's notes for a send of `numbers` numbers. */
export function ledgerNotes(s: Submission, numbers: number): string {
  return `${numbers} numbers × ${s.segments} segments`;
}

/** A written submission's batch row: account_id, created_at, recipients, segments, cost, serial, fingerprint. */
export function batchRowValues<T>(s: Submission, plan: GroupPlan, index: number, time: (d: Date) => T): (string | number | null | T)[] {
  return [s.account.id, time(s.acceptedAt), plan.sent[index]!.length, s.segments, plan.cost[index]!, s.serial, s.fingerprint];
}

/** The send rows of the written submissions: waiting ones, then the failed ones of invalid and of over-limit numbers. */
export function groupRows<T>(
  group: readonly Submission[],
  plan: GroupPlan,
  batchIds: readonly (string | null)[],
  time: (d: Date) => T,
): Record<RowKind, unknown[][]> {
  const rows: Record<RowKind, unknown[][]> = { waiting: [], invalid: [], limited: [] };
  group.forEach((s, i) => {
    const batch = batchIds[i];
    if (!batch) return;
    for (const mobile of plan.sent[i]!) rows.waiting.push(sendRowValues(s, batch, mobile, 'waiting', time));
    for (const mobile of s.invalid) rows.invalid.push(sendRowValues(s, batch, mobile, 'invalid', time));
    for (const mobile of plan.limited[i]!) rows.limited.push(sendRowValues(s, batch, mobile, 'limited', time));
  });
  return rows;
}

export function batchId(s: Submission, batchRowId: number): string {
  return batchIdFor(s.acceptedAt, batchRowId);
}

/** Columns of a `send` row the accept path writes, in the order of sendRowValues. */
export const SEND_COLUMNS = [
  'Createtime',
  'hostname',
  'infotype',
  'infoto',
  'userid',
  'content',
  'contentsize',
  'STATUS',
  'batch_id',
  'account_id',
  'msg_type',
  'is_long',
  'segments',
  'charged',
  'attempts',
  'scheduled_at',
  'last_error',
  'serial',
  'request_id',
] as const;

/** The legacy infotype of a send from a caller of the gateway (PRO_DSFDXJK writes 8 too). */
const INFOTYPE = 8;
export const INVALID_NUMBER_ERROR = 'invalid mobile number';
export const NUMBER_LIMIT_ERROR = 'over the per-number frequency limit';

/** A row the accept path writes: to be sent, or failed at once (with its failure report) for an invalid or over-limit number. */
export type RowKind = 'waiting' | 'invalid' | 'limited';

/** The failed rows' report: status failed, and the code the report carries. */
export const FAILED_ROW_REPORT = ReportStatus.failed;
export const FAILED_ROW_CODES = { invalid: 'INVALID', limited: 'LIMITED' } as const;

/** One `send` row's values; `time` turns a Date into what the driver binds. */
export function sendRowValues<T>(
  s: Submission,
  batch: string,
  mobile: string,
  kind: RowKind,
  time: (d: Date) => T,
): (string | number | null | T)[] {
  const waiting = kind === 'waiting';
  return [
    time(s.acceptedAt),
    s.hostname,
    INFOTYPE,
    kind === 'invalid' ? mobile.slice(0, 32) : mobile,
    s.account.id,
    s.content,
    s.contentSize,
    waiting ? SendStatus.waiting : SendStatus.failed,
    batch,
    s.account.id,
    s.pool,
    s.isLong ? 1 : 0,
    s.segments,
    waiting ? s.segments : 0,
    0,
    s.scheduledAt ? time(s.scheduledAt) : null,
    waiting ? null : kind === 'invalid' ? INVALID_NUMBER_ERROR : NUMBER_LIMIT_ERROR,
    s.serial,
    s.requestId,
  ];
}
