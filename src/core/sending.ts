import type { Account } from '../../entities';
import type { AcceptStore } from './accept';
import type { Pool } from './accounts';
import type { Audit } from './audit';
import { Failure } from './failures';
import { GroupCommit } from './groupCommit';
import { MAX_NUMBERS, parseRecipients } from './numbers';
import { characterCount, segmentCount } from './segments';

/** Longest text accepted: 15 parts of a concatenated message, far beyond what carriers deliver reliably. */
export const MAX_CONTENT_CHARS = 15 * 67;

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
 * Accepts a send: validates it, then hands it to the group commit, which charges segments ×
 * numbers from the pool and stores one `send` row per recipient in one transaction with the
 * submissions that arrived beside it. It returns only after that commit, so an answer of success
 * always means the messages are in the outbox. Invalid numbers are stored as failed, uncharged
 * rows with a failure report, so the caller sees them in its reports.
 */
export class Sending {
  readonly groups: GroupCommit;

  constructor(
    store: AcceptStore,
    private readonly audit: Audit,
  ) {
    this.groups = new GroupCommit(store);
  }

  async submit(req: SmsRequest): Promise<SmsAccepted> {
    if (!req.content || req.content.trim() === '') throw new Failure('emptyContent');
    const contentSize = characterCount(req.content);
    if (contentSize > MAX_CONTENT_CHARS) throw new Failure('contentTooLong');
    if (!req.mobiles || req.mobiles.trim() === '') throw new Failure('noMobile');
    const recipients = parseRecipients(req.mobiles);
    if (recipients.total > MAX_NUMBERS) throw new Failure('tooManyMobiles');
    if (recipients.valid.length === 0) throw new Failure('noValidMobile');
    await this.audit.check(req.content, req.account);

    const segments = segmentCount(req.content, req.isLong);
    const cost = segments * recipients.valid.length;
    const result = await this.groups.add({
      account: req.account,
      pool: req.pool,
      cost,
      segments,
      valid: recipients.valid,
      invalid: recipients.invalid,
      content: req.content,
      contentSize,
      isLong: req.isLong,
      hostname: req.hostname,
      scheduledAt: req.scheduledAt ?? null,
      acceptedAt: new Date(),
    });
    if ('refused' in result) throw new Failure(result.refused);
    return {
      batchId: result.batchId,
      accepted: recipients.valid.length,
      rejected: recipients.invalid.length,
      duplicates: recipients.duplicates,
      segments,
      charged: cost,
    };
  }
}
