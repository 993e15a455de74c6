import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityTarget, type FindOptionsWhere, In, IsNull, type ObjectLiteral } from 'typeorm';
import { inTransaction } from '../db/transaction';

/** How many reports or replies one legacy poll hands out; the rest wait for the next poll. */
export const FETCH_LIMIT = 500;

/**
 * Hands out an account's unfetched rows of a queue table (report, reply) exactly once. The
 * conditional UPDATE marks the rows with a token of this call; rows another node or a
 * concurrent call marked first keep that call's token, so no row is handed out twice.
 */
export async function fetchOnce<T extends ObjectLiteral & { id: number }>(
  db: DataSource,
  entity: EntityTarget<T>,
  accountId: number,
  limit = FETCH_LIMIT,
): Promise<T[]> {
  return inTransaction(db, async (m) => {
    const repo = m.getRepository(entity);
    const where = { accountId, fetchToken: IsNull() } as unknown as FindOptionsWhere<T>;
    const candidates = await repo.find({ select: { id: true } as never, where, order: { id: 'ASC' } as never, take: limit });
    if (candidates.length === 0) return [];
    const token = randomUUID();
    await repo.update(
      { id: In(candidates.map((c) => c.id)), fetchToken: IsNull() } as never,
      { fetchToken: token, fetchedAt: new Date() } as never,
    );
    return repo.find({ where: { fetchToken: token } as never, order: { id: 'ASC' } as never });
  });
}
