import type { DataSource } from 'typeorm';
import { createLogger, type Logger } from '../logger';
import { createAcceptStore } from './accept';
import { Accounts } from './accounts';
import { Audit } from './audit';
import { ConfirmedReplies } from './confirmedReplies';
import { Replies } from './replies';
import { Reports } from './reports';
import { Sending } from './sending';

/** The protocol-free heart every face calls: accounts, sending, report and reply queues. */
export interface Core {
  accounts: Accounts;
  audit: Audit;
  sending: Sending;
  reports: Reports;
  replies: Replies;
  /** The same replies for contracts that confirm what they received (UMS ReplyConfirm). */
  confirmedReplies: ConfirmedReplies;
}

/**
 * `now`: the clock sends are accepted by (per-number limits count by it); tests move it. `log`:
 * where the core's own lines go (reports applied); silent unless given.
 */
export function createCore(db: DataSource, options: { now?: () => Date; log?: Logger } = {}): Core {
  const { now, log = createLogger('silent') } = options;
  const accept = createAcceptStore(db);
  const audit = new Audit(db);
  return {
    accounts: new Accounts(db, accept),
    audit,
    sending: new Sending(db, accept, audit, now),
    reports: new Reports(db, log),
    replies: new Replies(db),
    confirmedReplies: new ConfirmedReplies(db),
  };
}
