import { createHash } from 'node:crypto';
import { type DataSource, In } from 'typeorm';
import { type Account, Batch, Send, SendStatus } from '../../entities';
import type { AcceptStore } from './accept';
import { INVALID_NUMBER_ERROR, NUMBER_LIMIT_ERROR } from './accept/plan';
import type { Pool } from './accounts';
import type { Audit } from './audit';
import { Failure } from './failures';
import { GroupCommit } from './groupCommit';
import { numberLimitsFor } from './numberLimits';
import { MAX_NUMBERS, parseRecipients } from './numbers';
import { characterCount, segmentCount } from './segments';
import { batchOfSerial, batchOfTask, taskIdsOf } from './tasks';

export interface SmsRequest {
  account: Account;
  pool: Pool;
  content: string;
  /** The caller's recipient list, as sent. */
  mobiles: string;
  isLong: boolean;
  /** The caller's address, kept in the legacy `hostname` column. */
  hostname: string | null;
  /** The HTTP request that made the call (src/requestLog.ts), kept with the rows. */
  requestId?: string | null;
  scheduledAt?: Date | null;
  /** The caller's 流水号 (UMS): a second call with it is answered like the first, not sent again. */
  serial?: string | null;
  /**
   * Refuse the whole call when one number is invalid or over its per-number limit (UMS 提交时检测方式 0),
   * instead of sending to the others.
   */
  allOrNothing?: boolean;
}

export interface SmsAccepted {
  batchId: string;
  accepted: number;
  rejected: number;
  duplicates: number;
  segments: number;
  charged: number;
  /** The numbers refused as invalid, as the caller wrote them (stored as failed rows). */
  invalid: string[];
  /** The numbers refused as over the account's per-number limit (stored as failed rows). */
  limited: string[];
  /** The call repeated an earlier one's serial number: this is that call's batch, nothing new was stored or charged. */
  repeated: boolean;
}

/** A 流水号: digits, at most 32 (the column); UMS callers send 20 (`000` + yyyyMMddHHmmssSSS). */
const SERIAL = /^\d{1,32}$/;

/**
 * Accepts a send: validates it, then hands it to the group commit, which charges segments ×
 * numbers from the pool and stores one `send` row per recipient in one transaction with the
 * submissions that arrived beside it. It returns only after that commit, so an answer of success
 * always means the messages are in the outbox. Invalid numbers are stored as failed, uncharged
 * rows with a failure report, so the caller sees them in its reports; so are numbers over the
 * account's per-number limits (src/core/numberLimits.ts), decided inside the commit.
 */
export class Sending {
  readonly groups: GroupCommit;

  constructor(
    private readonly db: DataSource,
    store: AcceptStore,
    private readonly audit: Audit,
    /** The accept time of a send, which per-number limits count by; the tests move it. */
    private readonly now: () => Date = () => new Date(),
  ) {
    this.groups = new GroupCommit(store);
  }

  async submit(req: SmsRequest): Promise<SmsAccepted> {
    await this.audit.check(req.content, req.account);
    if (!req.mobiles || req.mobiles.trim() === '') throw new Failure('noMobile');
    const serial = req.serial ? req.serial.trim() : null;
    if (serial !== null && !SERIAL.test(serial)) throw new Failure('badSerial');
    const recipients = parseRecipients(req.mobiles);
    if (recipients.total > MAX_NUMBERS) throw new Failure('tooManyMobiles');
    if (recipients.valid.length === 0) throw new Failure('noValidMobile', recipients.invalid.join(','));
    if (req.allOrNothing && recipients.invalid.length > 0) throw new Failure('invalidMobile', recipients.invalid.join(','));

    const segments = segmentCount(req.content, req.isLong);
    const result = await this.groups.add({
      account: req.account,
      pool: req.pool,
      segments,
      valid: recipients.valid,
      invalid: recipients.invalid,
      content: req.content,
      contentSize: characterCount(req.content),
      isLong: req.isLong,
      hostname: req.hostname,
      requestId: req.requestId ?? null,
      scheduledAt: req.scheduledAt ?? null,
      acceptedAt: this.now(),
      serial,
      fingerprint: serial === null ? null : fingerprint(req),
      numberLimits: numberLimitsFor(req.account, req.content),
      allOrNothing: req.allOrNothing ?? false,
    });
    if ('refused' in result) {
      throw result.refused === 'tooFrequent' ? new Failure('tooFrequent', result.limited.join(',')) : new Failure(result.refused);
    }
    if (result.repeated) return this.earlier(req.account.id, serial!, result.batchId);
    const limited = [...(result.limited ?? [])];
    const accepted = recipients.valid.length - limited.length;
    return {
      batchId: result.batchId,
      accepted,
      rejected: recipients.invalid.length + limited.length,
      duplicates: recipients.duplicates,
      segments,
      charged: segments * accepted,
      invalid: recipients.invalid,
      limited,
      repeated: false,
    };
  }

  /** The serial numbers of these `send` rows, for the contracts that return them with reports. */
  async serialsOf(sendIds: number[]): Promise<Map<number, string>> {
    if (sendIds.length === 0) return new Map();
    const rows = await this.db.getRepository(Send).find({ select: { ID: true, serial: true }, where: { ID: In(sendIds) } });
    return new Map(rows.flatMap((r) => (r.serial ? [[Number(r.ID), r.serial] as const] : [])));
  }

  /** The task id (src/core/tasks.ts) of each of the account's batches, by batch id. */
  taskIdsOf(accountId: number, batchIds: readonly string[]): Promise<Map<string, number>> {
    return taskIdsOf(this.db, accountId, batchIds);
  }

  /** The batch id of the account's send with this serial number (流水号), or null. */
  batchOfSerial(accountId: number, serial: string): Promise<string | null> {
    return batchOfSerial(this.db, accountId, serial);
  }

  /** The batch id of the account's send with this task id, or null. */
  batchOfTask(accountId: number, taskId: number): Promise<string | null> {
    return batchOfTask(this.db, accountId, taskId);
  }

  /** What an earlier batch was answered, read back for a call that repeats its serial number. */
  private async earlier(accountId: number, serial: string, batchId: string): Promise<SmsAccepted> {
    const rows = await this.db.getRepository(Send).find({ where: { batchId, accountId }, order: { ID: 'ASC' } });
    const failedWith = (error: string) => rows.filter((r) => r.STATUS === SendStatus.failed && r.lastError === error).map((r) => r.infoto);
    const invalid = failedWith(INVALID_NUMBER_ERROR);
    const limited = failedWith(NUMBER_LIMIT_ERROR);
    const batch = await this.db.getRepository(Batch).findOneBy({ accountId, serial });
    return {
      batchId,
      accepted: rows.length - invalid.length - limited.length,
      rejected: invalid.length + limited.length,
      duplicates: 0,
      segments: batch?.segments ?? 1,
      charged: batch?.cost ?? 0,
      invalid,
      limited,
      repeated: true,
    };
  }
}

/** What a call asked for, so that a repeat of its serial number with another request is told apart. */
function fingerprint(req: SmsRequest): string {
  const asked = [req.pool, req.content, req.mobiles.trim(), req.isLong, req.scheduledAt?.getTime() ?? null];
  return createHash('sha256').update(JSON.stringify(asked)).digest('hex');
}
