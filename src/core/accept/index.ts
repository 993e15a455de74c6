import type { DataSource } from 'typeorm';
import type { Account } from '../../../entities';
import type { Pool } from '../accounts';
import type { NumberLimits } from '../numberLimits';
import { MysqlAcceptStore } from './mysql';
import { SqliteAcceptStore } from './sqlite';

/**
 * The accept path's storage, one small module per dialect (sqlite.ts, mysql.ts): prepared
 * statements straight through the driver, no query building or entity hydration per call.
 * TypeORM keeps the entities, the migrations and the operator paths.
 */

/** One accepted call as it will be written: the checks are done, the rows only wait for their commit. */
export interface Submission {
  account: Pick<Account, 'id' | 'username'>;
  pool: Pool;
  /** Segments of the text: the pool is charged segments × the numbers sent. */
  segments: number;
  /** The valid, normalized numbers (one waiting row each) and the invalid ones as sent (one failed row each). */
  valid: readonly string[];
  invalid: readonly string[];
  content: string;
  contentSize: number;
  isLong: boolean;
  hostname: string | null;
  scheduledAt: Date | null;
  acceptedAt: Date;
  /** The HTTP request that made the call (src/requestLog.ts), kept with its rows; null from the command line. */
  requestId: string | null;
  /** The caller's 流水号, unique per account (UMS); null when the contract has none. */
  serial: string | null;
  /** Hash of what was asked (see Sending), set with serial: tells a repeat from a different call reusing the number. */
  fingerprint: string | null;
  /** The account's per-number limits on this text; null: none apply. */
  numberLimits: NumberLimits | null;
  /** Refuse the whole submission when one number is over its limit, instead of failing that number alone. */
  allOrNothing: boolean;
}

/**
 * Per submission, in the group's order: its batch id (`repeated`: the serial number's earlier
 * batch, nothing new written), or why it was refused.
 */
export type SubmissionResult =
  | {
      batchId: string;
      repeated?: true;
      /** Numbers over their per-number limit: stored as failed, uncharged rows, like invalid ones. */
      limited?: readonly string[];
    }
  | { refused: 'insufficientBalance' | 'duplicateSerial' }
  /** Every valid number (or, all or nothing, one of them) was over its limit: nothing was written. */
  | { refused: 'tooFrequent'; limited: readonly string[] };

export interface AcceptStore {
  /** The account with this username, read as it is now. */
  findAccount(username: string): Promise<Account | null>;
  /**
   * Writes a group of submissions in one transaction: batches, charges (each pool updated once),
   * ledger lines, send rows, failure reports for invalid and over-limit numbers, the recent sends
   * of limited numbers. A submission its pool cannot pay for, or whose numbers are all over their
   * limits, is refused alone; if the transaction fails, it throws and nothing of the group is kept.
   */
  commit(group: readonly Submission[]): Promise<SubmissionResult[]>;
}

export function createAcceptStore(db: DataSource): AcceptStore {
  return db.options.type === 'mysql' ? new MysqlAcceptStore(db) : new SqliteAcceptStore(db);
}
