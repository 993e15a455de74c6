import { SendStatus } from '../../../entities';
import { batchIdFor } from '../batchId';
import { POOLS, type Pool } from '../accounts';
import { ReportStatus } from '../reports';
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
  /** Per submission: whether its rows are written (new, and its pool pays for it). */
  write: boolean[];
  /** Per submission not written: its answer, or the index of the earlier submission of this group it repeats. */
  answers: (SubmissionResult | number | null)[];
  charges: PoolCharge[];
  /** One per written submission, by its index in the group. */
  ledger: LedgerLine[];
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
 * refused when it is not; nothing is written for either. The others are charged against the
 * balances as read: one that its pool cannot pay for (after those before it) is refused, and
 * those after it still go through.
 */
export function planGroup(
  group: readonly Submission[],
  balances: ReadonlyMap<string, number>,
  earlier: ReadonlyMap<string, EarlierBatch>,
): GroupPlan {
  const left = new Map(balances);
  const charges = new Map<string, PoolCharge>();
  const seen = new Map<string, number>();
  const plan: GroupPlan = { write: [], answers: [], charges: [], ledger: [] };
  const skip = (answer: SubmissionResult | number) => {
    plan.write.push(false);
    plan.answers.push(answer);
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
    const key = poolKey(s.account.id, s.pool);
    const original = left.get(key) ?? 0;
    if (original < s.cost) {
      skip({ refused: 'insufficientBalance' });
      continue;
    }
    plan.write.push(true);
    plan.answers.push(null);
    left.set(key, original - s.cost);
    const charge = charges.get(key) ?? { accountId: s.account.id, pool: s.pool, column: POOLS[s.pool].column, total: 0 };
    charge.total += s.cost;
    charges.set(key, charge);
    plan.ledger.push({ accountId: s.account.id, pool: s.pool, original, amount: -s.cost, remaining: original - s.cost, batchIndex: index });
  }
  plan.charges = [...charges.values()];
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
    if (plan.write[i]) results.push({ batchId: batchIds[i]! });
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

/** The ledger line's notes for a send. */
export function ledgerNotes(s: Submission): string {
  return `${s.valid.length} numbers × ${s.segments} segments`;
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
] as const;

/** The legacy infotype of a send from a caller of the gateway (PRO_DSFDXJK writes 8 too). */
const INFOTYPE = 8;
export const INVALID_NUMBER_ERROR = 'invalid mobile number';
export const INVALID_NUMBER_CODE = 'INVALID';
export const INVALID_NUMBER_REPORT = ReportStatus.failed;

/** One `send` row's values; `time` turns a Date into what the driver binds. */
export function sendRowValues<T>(
  s: Submission,
  batch: string,
  mobile: string,
  valid: boolean,
  time: (d: Date) => T,
): (string | number | null | T)[] {
  return [
    time(s.acceptedAt),
    s.hostname,
    INFOTYPE,
    valid ? mobile : mobile.slice(0, 32),
    s.account.id,
    s.content,
    s.contentSize,
    valid ? SendStatus.waiting : SendStatus.failed,
    batch,
    s.account.id,
    s.pool,
    s.isLong ? 1 : 0,
    s.segments,
    valid ? s.segments : 0,
    0,
    s.scheduledAt ? time(s.scheduledAt) : null,
    valid ? null : INVALID_NUMBER_ERROR,
    s.serial,
  ];
}
