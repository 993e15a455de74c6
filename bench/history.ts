/**
 * A `send` table with a long history, seeded in bulk: the rows a gateway's table holds after months
 * of traffic, written with INSERT … SELECT over a generated sequence (no row-by-row round trips),
 * and the claim's query plan over them. Shared by the outbox bench and the pick-up latency bench.
 */
import type { DataSource } from 'typeorm';
import type { Dialect } from '../test/support/gateway';
import { outboxStore } from '../src/dispatch/outbox';
import { DUE } from '../src/dispatch/outbox/due';

/** Rows one seeding statement writes: a thousand-row sequence crossed with itself, within both servers' recursion limits. */
export const SEED_CHUNK = 100_000;

/** SELECT 0…999 as `i`, in either dialect, for INSERT … SELECT seeding. */
export const THOUSAND = 'WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 999)';

/** SQL for text followed by a number, and for an 11-digit mobile with a prefix, in the dialect. */
export function textOf(dialect: Dialect) {
  return {
    tagged: (tag: string, n: string) => (dialect === 'sqlite' ? `'${tag}' || ${n}` : `CONCAT('${tag}', ${n})`),
    mobile: (prefix: string, n: string) =>
      dialect === 'sqlite' ? `printf('${prefix}%08d', ${n})` : `CONCAT('${prefix}', LPAD(${n}, 8, '0'))`,
  };
}

/** History: rows delivered (95 %), failed (4 %) or still waiting for their report (1 %), none of them due. */
export async function seedFinal(db: DataSource, dialect: Dialect, accountId: number, rows: number): Promise<void> {
  const { tagged, mobile } = textOf(dialect);
  for (let done = 0; done < rows; done += SEED_CHUNK) {
    const size = Math.min(SEED_CHUNK, rows - done);
    const k = `(${done} + a.i * 1000 + b.i)`;
    await db.query(
      `INSERT INTO send (Createtime, infotype, infoto, userid, content, contentsize, STATUS, batch_id, account_id, msg_type, segments,
                         charged, vendor, vendor_msgid, attempts, submitted_at, report_status, report_time)
       ${THOUSAND}
       SELECT CURRENT_TIMESTAMP, 8, ${mobile('139', k)}, ${accountId}, '您的验证码是123456【历史】', 16,
              CASE WHEN ${k} % 100 < 95 THEN 2 WHEN ${k} % 100 < 99 THEN 3 ELSE 1 END,
              ${tagged('H', k)}, ${accountId}, 1, 1, 1, 'history', ${tagged('h-', k)}, 1, CURRENT_TIMESTAMP,
              CASE WHEN ${k} % 100 < 95 THEN 'DELIVRD' WHEN ${k} % 100 < 99 THEN 'UNDELIV' ELSE NULL END,
              CASE WHEN ${k} % 100 < 99 THEN CURRENT_TIMESTAMP ELSE NULL END
         FROM n a CROSS JOIN n b WHERE a.i * 1000 + b.i < ${size}`,
    );
  }
}

/** The claim's plan, as the database explains it. */
export async function claimPlan(db: DataSource, dialect: Dialect, limit: number): Promise<string[]> {
  if (dialect === 'sqlite') {
    const t = new Date().toISOString().replace('T', ' ').replace('Z', '');
    const plan: { detail: string }[] = await db.query(`EXPLAIN QUERY PLAN SELECT ID FROM send WHERE ${DUE} LIMIT ${limit}`, [t, t, t]);
    return plan.map((p) => p.detail);
  }
  const now = new Date();
  const plan: Record<string, unknown>[] = await db.query(`EXPLAIN SELECT ID FROM send WHERE ${DUE} LIMIT ${limit} FOR UPDATE SKIP LOCKED`, [
    now,
    now,
    now,
  ]);
  return plan.map((p) => `${p.table}: ${p.type} on ${p.key}, ${p.rows} rows estimated (${p.Extra})`);
}

/** Claims timed in a row. */
export const CLAIMS = 20;

/**
 * Times `CLAIMS` claims of a batch each, as the dispatcher makes them (the claim statement and, on
 * MySQL, its transaction), then hands the rows back as they were: none when nothing is due.
 */
export async function timeClaims(db: DataSource, limit: number): Promise<number[]> {
  const owner = 'bench-claim';
  const times: number[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    const now = new Date();
    const started = process.hrtime.bigint();
    await outboxStore(db).claim(owner, limit, now, new Date(now.getTime() + 60_000));
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  await db.query('UPDATE send SET claim_owner = NULL, lease_until = NULL, next_attempt_at = NULL WHERE claim_owner = ?', [owner]);
  return times;
}

/** The value at fraction p (0…1) of an ascending list, by the nearest rank below. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}
