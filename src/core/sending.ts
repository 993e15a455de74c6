import type { DataSource, InsertResult } from 'typeorm';
import { type Account, Batch, Send, SendStatus } from '../../entities';
import { inTransaction } from '../db/transaction';
import { chargeInTransaction, type Pool } from './accounts';
import { batchIdFor } from './batchId';
import { Failure } from './failures';
import { MAX_NUMBERS, parseRecipients } from './numbers';
import { characterCount, segmentCount } from './segments';
import { queueReport, ReportStatus } from './reports';

/** Longest text accepted: 15 parts of a concatenated message, far beyond what carriers deliver reliably. */
export const MAX_CONTENT_CHARS = 15 * 67;
/** Rows a single INSERT carries: well under SQLite's 32,766 bound parameters at ~30 columns a row. */
const INSERT_CHUNK = 300;

/** The generated id of a one-row INSERT, whichever driver ran it. */
function insertedId(result: InsertResult, column: string): number {
  return Number(result.identifiers[0]?.[column]);
}

export interface SmsRequest {
  account: Account;
  pool: Pool;
  content: string;
  /** The caller's recipient list, as sent. */
  mobiles: string;
  isLong: boolean;
  /** The caller's address, kept in the legacy `hostname` column. */
  hostname: string | null;
  scheduledAt?: Date | null;
}

export interface SmsAccepted {
  batchId: string;
  accepted: number;
  rejected: number;
  duplicates: number;
  segments: number;
  charged: number;
}

/**
 * Accepts a send: validates it, charges segments × numbers from the pool and stores one `send`
 * row per recipient, all in one transaction. It returns only after the commit, so an answer of
 * success always means the messages are in the outbox. Invalid numbers are stored as failed,
 * uncharged rows with a failure report, so the caller sees them in its reports.
 */
export class Sending {
  constructor(private readonly db: DataSource) {}

  async submit(req: SmsRequest): Promise<SmsAccepted> {
    if (!req.content || req.content.trim() === '') throw new Failure('emptyContent');
    if (characterCount(req.content) > MAX_CONTENT_CHARS) throw new Failure('contentTooLong');
    if (!req.mobiles || req.mobiles.trim() === '') throw new Failure('noMobile');
    const recipients = parseRecipients(req.mobiles);
    if (recipients.total > MAX_NUMBERS) throw new Failure('tooManyMobiles');
    if (recipients.valid.length === 0) throw new Failure('noValidMobile');

    const segments = segmentCount(req.content, req.isLong);
    const cost = segments * recipients.valid.length;
    const now = new Date();
    const row = (batchId: string, mobile: string, status: number, charged: number, lastError: string | null): Partial<Send> => ({
      Createtime: now,
      hostname: req.hostname,
      infotype: 8,
      infoto: mobile,
      userid: req.account.id,
      RECVUSERID: null,
      content: req.content,
      contentsize: characterCount(req.content),
      STATUS: status,
      YYB: null,
      batchId,
      accountId: req.account.id,
      msgType: req.pool,
      isLong: req.isLong ? 1 : 0,
      segments,
      charged,
      attempts: 0,
      nextAttemptAt: null,
      scheduledAt: req.scheduledAt ?? null,
      lastError,
    });

    const batchId = await inTransaction(this.db, async (m) => {
      const inserted = await m.getRepository(Batch).insert({
        accountId: req.account.id,
        createdAt: now,
        recipients: recipients.valid.length,
        segments,
        cost,
      });
      const batchId = batchIdFor(now, insertedId(inserted, 'id'));
      const notes = `${recipients.valid.length} numbers × ${segments} segments`;
      await chargeInTransaction(m, req.account.id, req.pool, cost, 'send', req.account.username, batchId, notes);
      const rows = recipients.valid.map((mobile) => row(batchId, mobile, SendStatus.waiting, segments, null));
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await m
          .createQueryBuilder()
          .insert()
          .into(Send)
          .values(rows.slice(i, i + INSERT_CHUNK))
          .updateEntity(false)
          .execute();
      }
      for (const mobile of recipients.invalid) {
        const inserted = await m
          .createQueryBuilder()
          .insert()
          .into(Send)
          .values(row(batchId, mobile.slice(0, 32), SendStatus.failed, 0, 'invalid mobile number'))
          .execute();
        const ID = insertedId(inserted, 'ID');
        const reported = { ID, accountId: req.account.id, batchId, infoto: mobile.slice(0, 32), Createtime: now, submittedAt: null };
        await queueReport(m, reported, ReportStatus.failed, 'INVALID', now);
      }
      return batchId;
    });
    return {
      batchId,
      accepted: recipients.valid.length,
      rejected: recipients.invalid.length,
      duplicates: recipients.duplicates,
      segments,
      charged: cost,
    };
  }
}
