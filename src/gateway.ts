import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import { Account } from '../entities';
import { createApp } from './app';
import type { Config } from './config';
import { type Core, createCore } from './core';
import { openDatabase } from './db/datasource';
import { Dispatcher } from './dispatch/dispatcher';
import { createLogger, type Logger } from './logger';
import { WSDL_DIR } from './paths';
import { createVendors } from './vendors';
import type { SimulatorVendor } from './vendors/simulator';
import type { Vendor } from './vendors/types';

const SHUTDOWN_GRACE_MS = 10_000;
export const DEMO = { username: 'demo', password: 'demo123', balance: 100000 } as const;

export interface RunningGateway {
  url: string;
  db: DataSource;
  core: Core;
  simulator: SimulatorVendor;
  dispatcher: Dispatcher;
  log: Logger;
  stop(): Promise<void>;
}

/**
 * Starts everything: database and migrations, the demo account on an empty embedded database,
 * vendors, the dispatcher and the HTTP server. stop() closes them in the reverse order, letting
 * the dispatcher finish the batch in hand.
 */
export async function startGateway(config: Config, log: Logger = createLogger(config.logLevel)): Promise<RunningGateway> {
  const db = await openDatabase(config.databaseUrl);
  const core = createCore(db);
  if (config.demoAccount) await ensureDemoAccount(db, core, log);

  const vendors: Map<string, Vendor> = createVendors(config, {
    reports: (list) => core.reports.recordAll(list),
    reply: (r) => core.replies.record(r),
  });
  const simulator = vendors.get('simulator') as SimulatorVendor;
  const dispatcher = new Dispatcher(db, vendors, config, log);
  const app = createApp({
    core,
    simulator,
    log,
    wsdlDir: WSDL_DIR,
    adminToken: config.adminToken,
    trustProxy: config.trustProxy,
    checkHealth: async () => {
      await db.query('SELECT 1');
    },
    soap: { publicUrl: config.publicUrl, maxBodyBytes: config.maxBodyBytes },
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  dispatcher.start();
  const sweepOverdueReports = setInterval(
    () => {
      const cutoff = new Date(Date.now() - config.reportTimeoutMs);
      Promise.all([core.reports.expireOverdue(cutoff), core.reports.dropParkedBefore(cutoff)]).catch((err) =>
        log.error({ err }, 'report timeout sweep failed'),
      );
    },
    Math.min(60_000, config.reportTimeoutMs),
  );
  log.info(
    { url, database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@'), vendors: config.vendors },
    `gateway listening; userApi WSDL at ${url}/services/userApi?wsdl`,
  );

  return {
    url,
    db,
    core,
    simulator,
    dispatcher,
    log,
    async stop() {
      // Requests in flight finish and get their answer (a caller cut off after its commit would
      // send again); only connections still busy after the grace period are cut.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(grace);
      clearInterval(sweepOverdueReports);
      await dispatcher.stop();
      for (const vendor of vendors.values()) await vendor.stop?.();
      if (db.isInitialized) await db.destroy();
    },
  };
}

async function ensureDemoAccount(db: DataSource, core: Core, log: Logger): Promise<void> {
  if ((await db.getRepository(Account).count()) > 0) return;
  await core.accounts.create(DEMO.username, DEMO.password, { 0: DEMO.balance, 1: DEMO.balance, 2: DEMO.balance });
  log.info(
    `created the demo account: username "${DEMO.username}", password "${DEMO.password}" (BASE64 ${Buffer.from(DEMO.password).toString('base64')}), ${DEMO.balance} messages in each pool`,
  );
}
