import type { DataSource } from 'typeorm';
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

export function createCore(db: DataSource): Core {
  const accept = createAcceptStore(db);
  const audit = new Audit(db);
  return {
    accounts: new Accounts(db, accept),
    audit,
    sending: new Sending(db, accept, audit),
    reports: new Reports(db),
    replies: new Replies(db),
    confirmedReplies: new ConfirmedReplies(db),
  };
}
