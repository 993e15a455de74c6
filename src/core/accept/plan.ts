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
  /** Per submission: whether its pool pays for it. */
  paid: boolean[];
  charges: PoolCharge[];
  /** One per paid submission, by its index in the group. */
  ledger: LedgerLine[];
}

/**
 * Charges the submissions in arrival order against the balances as read: one that its pool
 * cannot pay for (after those before it) is refused, and those after it still go through.
 */
export function planGroup(group: readonly Submission[], balances: ReadonlyMap<string, number>): GroupPlan {
  const left = new Map(balances);
  const charges = new Map<string, PoolCharge>();
  const paid: boolean[] = [];
  const ledger: LedgerLine[] = [];
  group.forEach((s, index) => {
    const key = poolKey(s.account.id, s.pool);
    const original = left.get(key) ?? 0;
    if (original < s.cost) {
      paid.push(false);
      return;
    }
    paid.push(true);
    left.set(key, original - s.cost);
    const charge = charges.get(key) ?? { accountId: s.account.id, pool: s.pool, column: POOLS[s.pool].column, total: 0 };
    charge.total += s.cost;
    charges.set(key, charge);
    ledger.push({ accountId: s.account.id, pool: s.pool, original, amount: -s.cost, remaining: original - s.cost, batchIndex: index });
  });
  return { paid, charges: [...charges.values()], ledger };
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

export function resultsOf(plan: GroupPlan, batchIds: (string | null)[]): SubmissionResult[] {
  return plan.paid.map((paid, i) => (paid ? { batchId: batchIds[i]! } : { refused: 'insufficientBalance' }));
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
  ];
}
