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
import { inTransaction, isRetryableMysqlError } from '../db/transaction';
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

/** The gateway's columns a legacy row gets once it is charged. */
type Filled = Pick<Send, 'accountId' | 'msgType' | 'segments' | 'charged' | 'infoto' | 'contentsize' | 'batchId'>;

/**
 * Rows inserted by legacy SQL carry only the eleven legacy columns (`account_id` NULL). Before the
 * dispatcher sends such a row, this resolves its account (`account.legacy_userid` = `send.userid`,
 * else LEGACY_DEFAULT_ACCOUNT), normalizes its number by the core's rule, counts its segments,
 * audits the content as every send is audited, charges the account's LEGACY_POOL and fills in the
 * gateway's columns, one `batch` row (and batch id) a row. A row it cannot send fails for good
 * (STATUS 3, `last_error` says why, `report_status` REJECTED), uncharged, with a failure report for
 * the account when one is known. Each row is touched only while it still carries its claim's token
 * (`claim_owner`, as claimed).
 * The claimed batch's legacy rows share one transaction, so they cost one commit (one sync) between
 * them, not one each; each row runs in a savepoint of its own, so what goes wrong with one row (a
 * refusal, a lost claim, an unexpected error) undoes that row's writes alone.
 * Returns the claimed rows to send: the gateway's own as they were, legacy ones as now filled in.
 * It never throws: a row that fails unexpectedly, or every legacy row of the batch when the
 * transaction itself fails, is left to its lease and the next round.
 */
export async function prepareLegacyRows(db: DataSource, rows: Send[], config: Config, audit: Audit, log: Logger): Promise<Send[]> {
  const legacy = rows.filter((r) => r.accountId === null);
  if (legacy.length === 0) return rows;
  let filled: Map<Send, Filled>;
  try {
    filled = await inTransaction(db, (m) => prepareInTransaction(m, legacy, config, audit, log));
  } catch (err) {
    log.warn({ err, rows: legacy.length }, 'legacy rows could not be prepared; they are retried when their lease ends');
    filled = new Map();
  }
  // The rows change only once their transaction is committed: a MySQL transaction run again after a deadlock starts from them as claimed.
  return rows.flatMap((row) => {
    if (row.accountId !== null) return [row];
    const columns = filled.get(row);
    return columns ? [Object.assign(row, columns)] : [];
  });
}

async function prepareInTransaction(m: EntityManager, rows: Send[], config: Config, audit: Audit, log: Logger): Promise<Map<Send, Filled>> {
  const filled = new Map<Send, Filled>();
  for (const row of rows) {
    try {
      const columns = await inSavepoint(m, () => prepare(m, row, config, audit));
      filled.set(row, columns);
    } catch (err) {
      if (err instanceof LostClaim) continue;
      if (isRetryableMysqlError(err)) throw err;
      try {
        if (err instanceof LegacyRejection) await inSavepoint(m, () => reject(m, row, config, err));
        // A concurrent charge took the balance between the check and the charge.
        else if (err instanceof Failure && err.code === 'insufficientBalance')
          await inSavepoint(m, () => rejectAsInsufficient(m, row, config));
        else log.warn({ err, sendId: row.ID }, 'legacy row could not be prepared; it is retried when its lease ends');
      } catch (failed) {
        if (isRetryableMysqlError(failed)) throw failed;
        log.warn({ err: failed, sendId: row.ID }, 'legacy row could not be marked failed; it is retried when its lease ends');
      }
    }
  }
  return filled;
}

/** Runs fn in a savepoint of the open transaction: if it throws, its writes are undone and the transaction's others stay. */
async function inSavepoint<T>(m: EntityManager, fn: () => Promise<T>): Promise<T> {
  await m.query('SAVEPOINT legacy_row');
  try {
    const result = await fn();
    await m.query('RELEASE SAVEPOINT legacy_row');
    return result;
  } catch (err) {
    // InnoDB rolled the whole transaction back: there is no savepoint left to return to.
    if (!isRetryableMysqlError(err)) {
      await m.query('ROLLBACK TO SAVEPOINT legacy_row');
      await m.query('RELEASE SAVEPOINT legacy_row');
    }
    throw err;
  }
}

async function rejectAsInsufficient(m: EntityManager, row: Send, config: Config): Promise<void> {
  const account = await resolveAccount(m, row, config);
  await reject(m, row, config, new LegacyRejection(insufficient(row, account, config), account, normalizeMobile(row.infoto)));
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

async function prepare(m: EntityManager, row: Send, config: Config, audit: Audit): Promise<Filled> {
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
  const filled: Filled = {
    accountId: account.id,
    msgType: pool,
    segments,
    charged: segments,
    infoto: mobile,
    contentsize: row.contentsize ?? characterCount(content),
    batchId,
  };
  const updated = await m.getRepository(Send).update({ ID: row.ID, claimOwner: row.claimOwner!, accountId: IsNull() }, filled);
  // Our lease ran out and the row was claimed again: undo the charge by rolling back to the row's savepoint.
  if ((updated.affected ?? 0) !== 1) throw new LostClaim();
  return filled;
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
