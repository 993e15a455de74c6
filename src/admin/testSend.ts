import type { DataSource } from 'typeorm';
import { Send, SendStatus } from '../../entities';
import type { Pool } from '../core/accounts';
import type { Core } from '../core';

const POLL_MS = 250;
const FINAL: readonly number[] = [SendStatus.delivered, SendStatus.failed];

/** A `send` row's STATUS in words. */
function sendStatusName(status: number): string {
  return (
    {
      [SendStatus.waiting]: 'waiting',
      [SendStatus.submitted]: 'submitted',
      [SendStatus.delivered]: 'delivered',
      [SendStatus.failed]: 'failed',
    }[status] ?? String(status)
  );
}

export interface TestSend {
  username: string;
  mobiles: string;
  content: string;
  pool: Pool;
  /** How long to wait for every message's final report; 0 answers once the call is accepted. */
  waitMs: number;
  /** Kept in the rows' legacy `hostname` column, as a caller's address is. */
  hostname: string;
  /** Told as soon as the call is accepted, before the wait. */
  onAccepted?(accepted: { batchId: string; accepted: number; charged: number }): void;
}

/**
 * A test message through the full path (`smsgw send`, `POST /admin/send`): accepted for the account
 * as a caller's would be (audited, charged, stored), dispatched by the running gateway, and, when
 * asked, waited for until each message has its final report. `complete` says whether they all did.
 */
export async function sendTestMessage(core: Core, db: DataSource, req: TestSend) {
  const started = Date.now();
  const accepted = await core.sending.submit({
    account: await core.accounts.get(req.username),
    pool: req.pool,
    content: req.content,
    mobiles: req.mobiles,
    isLong: true,
    hostname: req.hostname,
  });
  req.onAccepted?.(accepted);
  const deadline = started + req.waitMs;
  let rows = await db.getRepository(Send).findBy({ batchId: accepted.batchId });
  while (!rows.every((r) => FINAL.includes(r.STATUS)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    rows = await db.getRepository(Send).findBy({ batchId: accepted.batchId });
  }
  return {
    batchId: accepted.batchId,
    accepted: accepted.accepted,
    charged: accepted.charged,
    complete: rows.every((r) => FINAL.includes(r.STATUS)),
    delivered: rows.length > 0 && rows.every((r) => r.STATUS === SendStatus.delivered),
    seconds: (Date.now() - started) / 1000,
    messages: rows.map((r) => ({
      mobile: r.infoto,
      status: sendStatusName(r.STATUS),
      vendor: r.vendor,
      code: r.reportStatus,
      error: r.lastError,
    })),
  };
}
