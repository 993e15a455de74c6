import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import { Account } from '../entities';
import { createApp } from './app';
import type { Config } from './config';
import { type Core, createCore } from './core';
import { openDatabase } from './db/datasource';
import { Dispatcher } from './dispatch/dispatcher';
import { Poller } from './dispatch/poller';
import { createLogger, type Logger } from './logger';
import { WSDL_DIR } from './paths';
import { createVendors } from './vendors';
import type { Vendor, VendorNews } from './vendors/types';

const SHUTDOWN_GRACE_MS = 10_000;
export const DEMO = { username: 'demo', password: 'demo123', balance: 100000 } as const;

export interface RunningGateway {
  url: string;
  db: DataSource;
  core: Core;
  vendors: Map<string, Vendor>;
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

  const store = async (news: VendorNews): Promise<void> => {
    if (news.reports?.length) await core.reports.recordAll(news.reports);
    if (news.replies?.length) await core.replies.recordAll(news.replies);
  };
  const vendors = createVendors(config.vendors, store, log);
  const dispatcher = new Dispatcher(db, vendors, config, log);
  const pollers = [...vendors.values()].flatMap((vendor) =>
    (vendor.polls ?? []).map((poll) => new Poller(db, vendor.name, poll, store, dispatcher.owner, log.child({ vendor: vendor.name }))),
  );
  const app = createApp({
    core,
    vendors,
    vendorConfigs: config.vendors,
    store,
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
  for (const poller of pollers) poller.start();
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
    {
      url,
      database: config.databaseUrl.replace(/\/\/[^@]*@/, '//***@'),
      configFile: config.configFile || undefined,
      vendors: Object.fromEntries([...config.vendors].map(([name, v]) => [name, v.type])),
      route: config.route,
    },
    `gateway listening; userApi WSDL at ${url}/services/userApi?wsdl`,
  );

  return {
    url,
    db,
    core,
    vendors,
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
      for (const poller of pollers) await poller.stop();
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
