import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { createCore } from '../core';
import { openDatabase } from '../db/datasource';
import { shareWriteLock } from '../db/transaction';
import { createLogger } from '../logger';
import { ownMetrics } from '../metrics';
import { startLocalDelivery } from './index';
import type { ThreadData, ThreadMessage, ThreadRequest } from './thread';

/** The delivery thread (./thread.ts): opens its own connection and runs the delivery side until told to stop. */
async function main(port: NonNullable<typeof parentPort>): Promise<void> {
  const { config, logLevel, writeLock } = workerData as ThreadData;
  const post = (m: ThreadMessage) => port.postMessage(m);
  if (config.databaseUrl.startsWith('sqlite:')) shareWriteLock(writeLock);
  const log = createLogger(logLevel, { write: (line: string) => post({ log: line }) }).child({ thread: 'delivery' });
  let delivery: ReturnType<typeof startLocalDelivery>;
  try {
    const db = await openDatabase(config.databaseUrl, false, config.sqliteSynchronous);
    delivery = startLocalDelivery(db, createCore(db, { log }), config, log);
    port.on('message', (request: ThreadRequest) => {
      const answer = (): Promise<unknown> => {
        switch (request.op) {
          case 'breakers':
            return delivery.breakers();
          case 'templates':
            return delivery.refreshTemplates(request.vendor);
          case 'metrics':
            return ownMetrics();
          case 'stop':
            return delivery.stop().then(() => db.destroy());
        }
      };
      answer().then(
        (result) => post({ id: request.id, result }),
        (err: Error) => post({ id: request.id, error: err.message }),
      );
    });
  } catch (err) {
    post({ startFailed: (err as Error).message });
    return;
  }
  post({ ready: true });
}

if (parentPort) void main(parentPort);
