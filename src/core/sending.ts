import { DataSource } from 'typeorm';
import { Account, Send, SendStatus } from '../../entities';
import { inTransaction } from '../db/transaction';
import { chargeInTransaction, Pool } from './accounts';
import { BatchIdGenerator } from './batchId';
import { Failure } from './failures';
import { MAX_NUMBERS, parseRecipients } from './numbers';
import { characterCount, segmentCount } from './segments';
import { queueReport, ReportStatus } from './reports';

/** Longest text accepted: 15 parts of a concatenated message, far beyond what carriers deliver reliably. */
export const MAX_CONTENT_CHARS = 15 * 67;
/** Rows a single INSERT carries: well under SQLite's 32,766 bound parameters at ~30 columns a row. */
const INSERT_CHUNK = 300;

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
  constructor(private readonly db: DataSource, private readonly batchIds: BatchIdGenerator) {}

  async submit(req: SmsRequest): Promise<SmsAccepted> {
    if (!req.content || req.content.trim() === '') throw new Failure('emptyContent');
    if (characterCount(req.content) > MAX_CONTENT_CHARS) throw new Failure('contentTooLong');
    if (!req.mobiles || req.mobiles.trim() === '') throw new Failure('noMobile');
    const recipients = parseRecipients(req.mobiles);
    if (recipients.total > MAX_NUMBERS) throw new Failure('tooManyMobiles');
    if (recipients.valid.length === 0) throw new Failure('noValidMobile');

    const segments = segmentCount(req.content, req.isLong);
    const cost = segments * recipients.valid.length;
    const batchId = this.batchIds.next();
    const now = new Date();
    const row = (mobile: string, status: number, charged: number, lastError: string | null): Partial<Send> => ({
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

    await inTransaction(this.db, async (m) => {
      const notes = `${recipients.valid.length} numbers × ${segments} segments`;
      await chargeInTransaction(m, req.account.id, req.pool, cost, 'send', req.account.username, batchId, notes);
      const rows = recipients.valid.map((mobile) => row(mobile, SendStatus.waiting, segments, null));
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        await m.createQueryBuilder().insert().into(Send).values(rows.slice(i, i + INSERT_CHUNK)).updateEntity(false).execute();
      }
      for (const mobile of recipients.invalid) {
        const inserted = await m.createQueryBuilder().insert().into(Send)
          .values(row(mobile.slice(0, 32), SendStatus.failed, 0, 'invalid mobile number')).execute();
        const ID = Number(inserted.identifiers[0]?.ID ?? inserted.raw?.insertId ?? inserted.raw);
        const reported = { ID, accountId: req.account.id, batchId, infoto: mobile.slice(0, 32), Createtime: now, submittedAt: null };
        await queueReport(m, reported, ReportStatus.failed, 'INVALID', now);
      }
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
