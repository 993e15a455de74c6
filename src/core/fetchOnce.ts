import { randomUUID } from 'node:crypto';
import type { QueueName, QueueRows, QueueStore } from './queues';

/** How many reports or replies one legacy poll hands out; the rest wait for the next poll. */
export const FETCH_LIMIT = 500;

/**
 * Hands out an account's unfetched rows of a queue table (report, reply) exactly once, oldest
 * first. The conditional UPDATE marks the rows with a token of this call; rows another node or a
 * concurrent call marked first keep that call's token, so no row is handed out twice.
 */
export function fetchOnce<Q extends QueueName>(store: QueueStore, queue: Q, accountId: number, batchId?: string): Promise<QueueRows[Q][]> {
  return store.fetch(queue, accountId, randomUUID(), new Date(), FETCH_LIMIT, batchId);
}
