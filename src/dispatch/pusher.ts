import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { chinaTime } from '../core/legacyTime';
import { ReportStatus } from '../core/reports';
import { inTransaction, sqlTime, sqliteTime } from '../db/transaction';
import type { Logger } from '../logger';
import { gbkXml, LEGACY_GBK } from '../legacyCharset';
import { escapeXml } from '../soap/xml';
import { mapLimit, type VendorRequest, vendorRequest } from '../vendors/request';
import { FailureBackoff } from './failureBackoff';
import { RepeatingRound } from './repeating';

/**
 * Pushes to the customer, for accounts that give a URL instead of polling: delivery reports as
 * seed 000's MR GET (`linkid, mobile, status`, answered `OK`), replies as its MO GET (`mobile,
 * send_time, msg` in GB2312, `linkid, longnum, feecode`, answered `OK`) and as the UMS reply POST
 * (`<packet><reply><mdn/><callmdn/><msg/><replytime/></reply></packet>`, answered
 * `<returncode>0</returncode>`). A report or reply is moved into the `customer_push` outbox in the
 * same transaction that takes it off the fetch-once queue, so it is either fetched or pushed, and
 * never lost: each push is tried again with a growing delay until the customer acknowledges it,
 * and one that was acknowledged is not sent again. Leases let several nodes share the outbox.
 */
export const PUSH_KINDS = {
  mr: { table: 'report', urlColumn: 'mr_url' },
  mo: { table: 'reply', urlColumn: 'mo_url' },
  'ums-reply': { table: 'reply', urlColumn: 'ums_reply_url' },
} as const;
export type PushKind = keyof typeof PUSH_KINDS;

const ENQUEUE_LIMIT = 500;
const DELIVER_LIMIT = 50;
const CONCURRENCY = 8;
const TIMEOUT_MS = 10_000;
/** Longer than a whole round of deliveries can take, so no other node takes a push still in flight. */
const LEASE_MS = 2 * (Math.ceil(DELIVER_LIMIT / CONCURRENCY) + 1) * TIMEOUT_MS;
/** Retries double up to 10 minutes: a customer down for a day gets about 150 tries, not thousands. */
const RETRY_MAX_MS = 600_000;

export function retryDelayMs(attempts: number, baseMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, attempts - 1), RETRY_MAX_MS);
}

interface Due {
  id: number;
  kind: PushKind;
  url: string;
  request: VendorRequest;
  acknowledged(status: number, body: string): boolean;
}

export class Pusher {
  private readonly rounds: RepeatingRound;

  constructor(
    private readonly db: DataSource,
    private readonly owner: string,
    private readonly log: Logger,
    intervalMs: number,
    private readonly retryBaseMs: number,
  ) {
    this.rounds = new RepeatingRound(() => this.runOnce(), intervalMs, new FailureBackoff('customer push', log, intervalMs, 60_000));
  }

  start(): void {
    this.rounds.start();
  }

  stop(): Promise<void> {
    return this.rounds.stop();
  }

  /** One round: move new reports and replies into the outbox, then deliver what is due. */
  async runOnce(now = new Date()): Promise<number> {
    await this.enqueue(now);
    return this.deliver(now);
  }

  private async enqueue(now: Date): Promise<void> {
    const mysql = this.db.options.type === 'mysql';
    const t = sqlTime(this.db, now);
    for (const table of ['report', 'reply'] as const) {
      const kinds = (Object.keys(PUSH_KINDS) as PushKind[]).filter((k) => PUSH_KINDS[k].table === table);
      const wanted = `account_id IN (SELECT a.id FROM account a WHERE ${kinds.map((k) => `a.${PUSH_KINDS[k].urlColumn} IS NOT NULL`).join(' OR ')})`;
      const token = randomUUID();
      await inTransaction(this.db, async (m) => {
        await m.query(
          mysql
            ? `UPDATE ${table} SET fetch_token = ?, fetched_at = ? WHERE fetch_token IS NULL AND ${wanted} ORDER BY id LIMIT ${ENQUEUE_LIMIT}`
            : `UPDATE ${table} SET fetch_token = ?, fetched_at = ? WHERE id IN (SELECT id FROM ${table} WHERE fetch_token IS NULL AND ${wanted} ORDER BY id LIMIT ${ENQUEUE_LIMIT})`,
          [token, t],
        );
        for (const kind of kinds) {
          await m.query(
            `INSERT INTO customer_push (account_id, kind, source_id, created_at, attempts)
             SELECT t.account_id, ?, t.id, ?, 0 FROM ${table} t JOIN account a ON a.id = t.account_id
              WHERE t.fetch_token = ? AND a.${PUSH_KINDS[kind].urlColumn} IS NOT NULL`,
            [kind, t, token],
          );
        }
      });
    }
  }

  private async deliver(now: Date): Promise<number> {
    const mysql = this.db.options.type === 'mysql';
    const t = sqlTime(this.db, now);
    const ids = await inTransaction(this.db, async (m) => {
      const rows: { id: number }[] = await m.query(
        `SELECT id FROM customer_push WHERE acked_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
           AND (lease_until IS NULL OR lease_until < ?) ORDER BY id LIMIT ${DELIVER_LIMIT}${mysql ? ' FOR UPDATE SKIP LOCKED' : ''}`,
        [t, t],
      );
      const taken = rows.map((r) => Number(r.id));
      if (taken.length > 0) {
        await m.query(`UPDATE customer_push SET lease_owner = ?, lease_until = ? WHERE id IN (${taken.map(() => '?').join(', ')})`, [
          this.owner,
          sqlTime(this.db, new Date(now.getTime() + LEASE_MS)),
          ...taken,
        ]);
      }
      return taken;
    });
    if (ids.length === 0) return 0;
    const due = await this.load(ids);
    await mapLimit(due, CONCURRENCY, (d) => this.push(d));
    return due.length;
  }

  private async push(due: Due): Promise<void> {
    let error: string | null = null;
    try {
      const res = await vendorRequest(due.request);
      if (!due.acknowledged(res.status, res.text)) error = `HTTP ${res.status}: ${res.text.slice(0, 200)}`;
    } catch (err) {
      error = (err as Error).message;
    }
    const at = new Date();
    if (error === null) {
      await inTransaction(this.db, (m) =>
        m.query(
          'UPDATE customer_push SET acked_at = ?, attempts = attempts + 1, lease_owner = NULL, lease_until = NULL, last_error = NULL WHERE id = ?',
          [sqlTime(this.db, at), due.id],
        ),
      );
      return;
    }
    this.log.warn({ push: due.id, kind: due.kind, url: due.url, error }, 'customer push not acknowledged; it will be tried again');
    await inTransaction(this.db, async (m) => {
      const [row] = (await m.query('SELECT attempts FROM customer_push WHERE id = ?', [due.id])) as { attempts: number }[];
      const attempts = Number(row?.attempts ?? 0) + 1;
      await m.query(
        'UPDATE customer_push SET attempts = ?, next_attempt_at = ?, lease_owner = NULL, lease_until = NULL, last_error = ? WHERE id = ?',
        [attempts, sqlTime(this.db, new Date(at.getTime() + retryDelayMs(attempts, this.retryBaseMs))), error.slice(0, 255), due.id],
      );
    });
  }

  /** The pushes with what each says, read from the report or reply it carries and the account's URL. */
  private async load(ids: number[]): Promise<Due[]> {
    const list = ids.map(() => '?').join(', ');
    const reports: Record<string, unknown>[] = await this.db.query(
      `SELECT p.id, a.mr_url AS url, r.mobile, r.status, r.batch_id, s.serial
         FROM customer_push p JOIN account a ON a.id = p.account_id JOIN report r ON r.id = p.source_id
         LEFT JOIN send s ON s.ID = r.send_id
        WHERE p.kind = 'mr' AND p.id IN (${list})`,
      ids,
    );
    const replies: Record<string, unknown>[] = await this.db.query(
      `SELECT p.id, p.kind, a.mo_url, a.ums_reply_url, y.id AS reply_id, y.mobile, y.content, y.ext_no, y.received_at
         FROM customer_push p JOIN account a ON a.id = p.account_id JOIN reply y ON y.id = p.source_id
        WHERE p.kind IN ('mo', 'ums-reply') AND p.id IN (${list})`,
      ids,
    );
    const due: Due[] = reports.map((r) => {
      const url = String(r.url);
      // linkid: what the caller got back when it sent (its 流水号 if it gave one, else the batch id).
      const query: [string, string][] = [
        ['linkid', String(r.serial ?? r.batch_id ?? '')],
        ['mobile', String(r.mobile)],
        ['status', Number(r.status) === ReportStatus.delivered ? '0' : '1'],
      ];
      return { id: Number(r.id), kind: 'mr', url, request: pushGet(url, query), acknowledged: answeredOk };
    });
    for (const y of replies) {
      const receivedAt = toDate(y.received_at);
      if (y.kind === 'mo') {
        const url = String(y.mo_url);
        const query: [string, string][] = [
          ['mobile', String(y.mobile)],
          ['send_time', chinaTime(receivedAt)],
          ['msg', String(y.content)],
          ['linkid', String(y.reply_id)],
          ['longnum', String(y.ext_no ?? '')],
          ['feecode', '0'],
        ];
        due.push({ id: Number(y.id), kind: 'mo', url, request: pushGet(url, query), acknowledged: answeredOk });
      } else {
        const url = String(y.ums_reply_url);
        const xml = `<?xml version="1.0" encoding="GB2312"?><packet><reply><mdn>${escapeXml(String(y.mobile))}</mdn><callmdn>${escapeXml(String(y.ext_no ?? ''))}</callmdn><msg>${escapeXml(String(y.content))}</msg><replytime>${chinaTime(receivedAt)}</replytime></reply></packet>`;
        due.push({
          id: Number(y.id),
          kind: 'ums-reply',
          url,
          request: {
            method: 'POST',
            url,
            body: gbkXml(xml),
            headers: { 'content-type': 'text/xml; charset=GB2312' },
            charset: 'gbk',
            timeoutMs: TIMEOUT_MS,
          },
          acknowledged: (status, body) => status === 200 && /<returncode>\s*0\s*<\/returncode>/.test(body),
        });
      }
    }
    return due.sort((a, b) => a.id - b.id);
  }
}

function answeredOk(status: number, body: string): boolean {
  return status === 200 && body.trim().toUpperCase() === 'OK';
}

/** An MR or MO push: a GET with the fields in the query (after the customer's own), in GB2312 (LEGACY_GBK). */
function pushGet(url: string, query: [string, string][]): VendorRequest {
  return { method: 'GET', url, query, charset: LEGACY_GBK, timeoutMs: TIMEOUT_MS };
}

/** A datetime as the driver gives it: a Date from mysql2, UTC text from SQLite. */
function toDate(value: unknown): Date {
  return value instanceof Date ? value : sqliteTime(String(value));
}
