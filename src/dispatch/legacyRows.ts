import { type DataSource, type EntityManager, IsNull } from 'typeorm';
import { Account, Batch, Send, SendStatus } from '../../entities';
import type { Config } from '../config';
import { balanceOf, chargeInTransaction } from '../core/accounts';
import { batchIdFor } from '../core/batchId';
import { Failure } from '../core/failures';
import { normalizeMobile } from '../core/numbers';
import { queueReport, ReportStatus } from '../core/reports';
import { characterCount, segmentCount } from '../core/segments';
import type { Audit } from '../core/audit';
import { inTransaction } from '../db/transaction';
import type { Logger } from '../logger';

/** Why a legacy row cannot be sent; `account` when one was resolved, so that it hears of the failure. */
class LegacyRejection extends Error {
  constructor(
    message: string,
    readonly account: Account | null,
    readonly mobile: string | null,
  ) {
    super(`legacy row: ${message}`);
  }
}

/** The `report_status` of a legacy row the gateway refused before any vendor saw it. */
export const LEGACY_REJECTED = 'REJECTED';

/**
 * Rows inserted by legacy SQL carry only the eleven legacy columns (`account_id` NULL). Before the
 * dispatcher sends such a row, this resolves its account (`account.legacy_userid` = `send.userid`,
 * else LEGACY_DEFAULT_ACCOUNT), normalizes its number by the core's rule, counts its segments,
 * audits the content as every send is audited, charges the account's LEGACY_POOL and fills in the gateway's columns, one transaction a row, one
 * `batch` row (and batch id) a row. A row it cannot send fails for good (STATUS 3, `last_error` says
 * why, `report_status` REJECTED), uncharged, with a failure report for the account when one is known.
 * Each row is touched only while it still carries its claim's token (`claim_owner`, as claimed).
 * Returns the claimed rows to send: the gateway's own as they were, legacy ones as now filled in.
 * It never throws for one row: an unexpected error leaves that row to its lease and the next round.
 */
export async function prepareLegacyRows(db: DataSource, rows: Send[], config: Config, audit: Audit, log: Logger): Promise<Send[]> {
  const ready: Send[] = [];
  for (const row of rows) {
    if (row.accountId !== null) {
      ready.push(row);
      continue;
    }
    try {
      const prepared = await inTransaction(db, (m) => prepare(m, row, config, audit));
      if (prepared) ready.push(prepared);
    } catch (err) {
      if (err instanceof LostClaim) continue;
      try {
        if (err instanceof LegacyRejection) await inTransaction(db, (m) => reject(m, row, config, err));
        // A concurrent charge took the balance between the check and the charge.
        else if (err instanceof Failure && err.code === 'insufficientBalance') await rejectAsInsufficient(db, row, config);
        else log.warn({ err, sendId: row.ID }, 'legacy row could not be prepared; it is retried when its lease ends');
      } catch (failed) {
        log.warn({ err: failed, sendId: row.ID }, 'legacy row could not be marked failed; it is retried when its lease ends');
      }
    }
  }
  return ready;
}

async function rejectAsInsufficient(db: DataSource, row: Send, config: Config): Promise<void> {
  await inTransaction(db, async (m) => {
    const account = await resolveAccount(m, row, config);
    await reject(m, row, config, new LegacyRejection(insufficient(row, account, config), account, normalizeMobile(row.infoto)));
  });
}

function insufficient(row: Send, account: Account, config: Config): string {
  return `account ${account.username} has fewer than ${segmentCount(row.content ?? '', row.isLong === 1)} messages in pool ${config.legacy.pool}`;
}

async function resolveAccount(m: EntityManager, row: Send, config: Config): Promise<Account> {
  const accounts = m.getRepository(Account);
  const mapped = row.userid === null ? null : await accounts.findOneBy({ legacyUserId: row.userid });
  if (mapped) return mapped;
  const who = row.userid === null ? 'no userid' : `userid ${row.userid} maps to no account`;
  const fallback = config.legacy.defaultAccount;
  if (!fallback) throw new LegacyRejection(`${who} and LEGACY_DEFAULT_ACCOUNT is not set`, null, null);
  const account = await accounts.findOneBy({ username: fallback });
  if (!account) throw new LegacyRejection(`${who} and LEGACY_DEFAULT_ACCOUNT names no account (${fallback})`, null, null);
  return account;
}

async function prepare(m: EntityManager, row: Send, config: Config, audit: Audit): Promise<Send | null> {
  const account = await resolveAccount(m, row, config);
  const mobile = normalizeMobile(row.infoto ?? '');
  const refuse = (why: string) => new LegacyRejection(why, account, mobile);
  if (!account.enabled) throw refuse(`account ${account.username} is disabled`);
  if (mobile === null) throw refuse(`invalid mobile number ${JSON.stringify(row.infoto ?? '')}`);
  const content = row.content ?? '';
  try {
    await audit.check(content, account);
  } catch (err) {
    if (err instanceof Failure) throw refuse(err.message);
    throw err;
  }
  const pool = config.legacy.pool;
  const segments = segmentCount(content, row.isLong === 1);
  if (balanceOf(account, pool) < segments) throw refuse(insufficient(row, account, config));

  const now = new Date();
  const inserted = await m.getRepository(Batch).insert({ accountId: account.id, createdAt: now, recipients: 1, segments, cost: segments });
  const batchId = batchIdFor(now, Number(inserted.identifiers[0]?.id));
  await chargeInTransaction(
    m,
    account.id,
    pool,
    segments,
    'send',
    'legacy',
    batchId,
    `legacy row ${row.ID}: 1 number × ${segments} segments`,
  );
  const filled = {
    accountId: account.id,
    msgType: pool,
    segments,
    charged: segments,
    infoto: mobile,
    contentsize: row.contentsize ?? characterCount(content),
    batchId,
  };
  const updated = await m.getRepository(Send).update({ ID: row.ID, claimOwner: row.claimOwner!, accountId: IsNull() }, filled);
  // Our lease ran out and the row was claimed again: undo the charge by rolling back.
  if ((updated.affected ?? 0) !== 1) throw new LostClaim();
  return Object.assign(row, filled);
}

class LostClaim extends Error {}

async function reject(m: EntityManager, row: Send, config: Config, why: LegacyRejection): Promise<void> {
  const now = new Date();
  const account = why.account;
  const infoto = why.mobile ?? (row.infoto ?? '').slice(0, 32);
  const updated = await m.getRepository(Send).update(
    { ID: row.ID, claimOwner: row.claimOwner!, accountId: IsNull(), STATUS: SendStatus.waiting },
    {
      STATUS: SendStatus.failed,
      lastError: why.message.slice(0, 255),
      reportStatus: LEGACY_REJECTED,
      reportTime: now,
      claimOwner: null,
      leaseUntil: null,
      charged: 0,
      infoto,
      ...(account ? { accountId: account.id, msgType: config.legacy.pool } : {}),
    },
  );
  if ((updated.affected ?? 0) !== 1 || !account) return;
  const reported = { ID: row.ID, accountId: account.id, batchId: null, infoto, Createtime: row.Createtime, submittedAt: null };
  await queueReport(m, reported, ReportStatus.failed, LEGACY_REJECTED, now);
}
