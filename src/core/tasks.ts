import { type DataSource, In } from 'typeorm';
import { Batch } from '../../entities';
import { batchIdFor } from './batchId';

/**
 * Task ids: the positive int by which contracts whose send answers an `int` (Jianzhou's task id,
 * entinfo's generated id) name a batch, and by which their callers ask for its reports. It is the
 * batch row's database id, so it needs nothing stored: a batch id holds its row id's last six
 * digits and its acceptance second, which find the row among at most one candidate per million
 * batches, each a primary-key lookup.
 */

const ROW_ID_PART = 1_000_000;

/** The task id of each of the account's batches, by batch id; a batch id that names none of its batches is left out. */
export async function taskIdsOf(db: DataSource, accountId: number, batchIds: readonly string[]): Promise<Map<string, number>> {
  const wanted = [...new Set(batchIds.filter((id) => /^\d{20}$/.test(id)))];
  if (wanted.length === 0) return new Map();
  const top = Number((await db.getRepository(Batch).maximum('id')) ?? 0);
  const candidates = new Set<number>();
  for (const batchId of wanted) {
    for (let id = Number(batchId.slice(14)) || ROW_ID_PART; id <= top; id += ROW_ID_PART) candidates.add(id);
  }
  const found = new Map<string, number>();
  const ids = [...candidates];
  for (let i = 0; i < ids.length; i += 1000) {
    const rows = await db.getRepository(Batch).find({
      select: { id: true, createdAt: true },
      where: { accountId, id: In(ids.slice(i, i + 1000)) },
    });
    for (const row of rows) found.set(batchIdFor(row.createdAt, row.id), row.id);
  }
  return new Map(wanted.flatMap((batchId) => (found.has(batchId) ? [[batchId, found.get(batchId)!] as const] : [])));
}

/** The batch id of the account's batch with this task id, or null when the account has none by it. */
export async function batchOfTask(db: DataSource, accountId: number, taskId: number): Promise<string | null> {
  if (!Number.isSafeInteger(taskId) || taskId <= 0) return null;
  const row = await db.getRepository(Batch).findOne({ select: { id: true, createdAt: true }, where: { id: taskId, accountId } });
  return row ? batchIdFor(row.createdAt, row.id) : null;
}

/** The batch id of the account's batch with this serial number (流水号), or null. */
export async function batchOfSerial(db: DataSource, accountId: number, serial: string): Promise<string | null> {
  const row = await db.getRepository(Batch).findOne({ select: { id: true, createdAt: true }, where: { accountId, serial } });
  return row ? batchIdFor(row.createdAt, row.id) : null;
}
