import type { DataSource } from 'typeorm';

/**
 * Reports and replies waiting for their accounts to fetch them, for a scrape. Each count reads only
 * idx_report_fetch / idx_reply_fetch (account_id, fetch_token), never the rows; the queues keep
 * fetched rows, so this is an index scan in proportion to the table (docs/metrics.md).
 */
export async function unfetchedCounts(db: DataSource): Promise<{ reports: number; replies: number }> {
  const count = async (table: 'report' | 'reply') =>
    Number(((await db.query(`SELECT COUNT(*) AS n FROM ${table} WHERE fetch_token IS NULL`)) as { n: number | string }[])[0]!.n);
  return { reports: await count('report'), replies: await count('reply') };
}
