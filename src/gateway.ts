import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { DataSource } from 'typeorm';
import { Account } from '../entities';
import { createApp } from './app';
import { type Config, redactDatabaseUrl } from './config';
import { type Core, createCore } from './core';
import { DEMO } from './core/accounts';
import { migrations, openDatabase } from './db/datasource';
import type { Dispatcher } from './dispatch/dispatcher';
import { FailureBackoff } from './dispatch/failureBackoff';
import { type Delivery, newsStore, startLocalDelivery } from './delivery';
import { startDeliveryThread } from './delivery/thread';
import { createLogger, type Logger } from './logger';
import { scrapeFrom } from './metrics';
import { outboxDepth } from './dispatch/outbox/depth';
import { unfetchedCounts } from './core/queues/unfetched';
import { WSDL_DIR } from './paths';
import { createVendors } from './vendors';
import type { Vendor } from './vendors/types';

const SHUTDOWN_GRACE_MS = 10_000;

export interface RunningGateway {
  url: string;
  db: DataSource;
  core: Core;
  vendors: Map<string, Vendor>;
  delivery: Delivery;
  /** The dispatcher, when delivery runs in this thread (not DELIVERY_THREAD). */
  dispatcher: Dispatcher | null;
  log: Logger;
  stop(): Promise<void>;
}

/**
 * Starts everything: database and migrations, the demo account on an empty embedded database,
 * vendors, the dispatcher and the HTTP server. stop() closes them in the reverse order, letting
 * the dispatcher finish the batch in hand.
 */
export async function startGateway(
  config: Config,
  log: Logger = createLogger(config.logLevel, config.logPretty ? 'pretty' : undefined),
): Promise<RunningGateway> {
  const db = await openDatabase(config.databaseUrl, true, config.sqliteSynchronous);
  const core = createCore(db, { log });
  await demoAccount(db, core, config.demoAccount, log);

  const store = newsStore(core);
  // The HTTP thread keeps vendors of its own for what it answers itself: pushed reports, balances.
  const vendors = createVendors(config.vendors, store, log);
  // Read when called: delivery starts once the app is built, so a contract refused by createApp starts nothing.
  const breakers = () => delivery.breakers();
  const app = createApp({
    db,
    config,
    core,
    vendors,
    store,
    log,
    wsdlDir: WSDL_DIR,
    breakers,
    refreshTemplates: (vendor) => delivery.refreshTemplates(vendor),
    checkHealth: async () => {
      await db.query('SELECT 1');
    },
    checkReady: () => checkReady(db),
  });
  const local = config.deliveryThread ? null : startLocalDelivery(db, core, config, log, vendors);
  const delivery: Delivery = local ?? (await startDeliveryThread(config, log));
  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.once('error', reject);
  }).catch(async (err) => {
    // A port already taken: nothing of this gateway may go on delivering.
    await delivery.stop();
    throw err;
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  const stopScrapes = scrapeFrom({
    outbox: () => outboxDepth(db),
    unfetched: () => unfetchedCounts(db),
    breakers,
  });
  const sweepEveryMs = Math.min(60_000, config.reportTimeoutMs);
  const sweepBackoff = new FailureBackoff('report timeout sweep', log, sweepEveryMs, sweepEveryMs, 10 * sweepEveryMs);
  const sweepOverdueReports = setInterval(() => {
    const cutoff = new Date(Date.now() - config.reportTimeoutMs);
    Promise.all([core.reports.expireOverdue(cutoff), core.reports.applyStrandedParked(), core.reports.dropParkedBefore(cutoff)]).then(
      () => sweepBackoff.succeeded(),
      (err) => sweepBackoff.failed(err),
    );
  }, sweepEveryMs);
  log.info(
    {
      url,
      database: redactDatabaseUrl(config.databaseUrl),
      configFile: config.configFile || undefined,
      vendors: Object.fromEntries([...config.vendors].map(([name, v]) => [name, v.type])),
      route: config.route,
      deliveryThread: config.deliveryThread || undefined,
    },
    `gateway listening; userApi WSDL at ${url}/services/userApi?wsdl`,
  );

  return {
    url,
    db,
    core,
    vendors,
    delivery,
    dispatcher: local?.dispatcher ?? null,
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
      stopScrapes();
      await delivery.stop();
      if (!local) for (const vendor of vendors.values()) await vendor.stop?.();
      if (db.isInitialized) await db.destroy();
    },
  };
}

/** What every call needs of the database: the schema at this version's last migration, its main tables readable. */
async function checkReady(db: DataSource): Promise<void> {
  const expected = migrations[migrations.length - 1]!.name;
  let applied: string | undefined;
  try {
    applied = ((await db.query('SELECT name FROM migrations ORDER BY id DESC LIMIT 1')) as { name: string }[])[0]?.name;
  } catch {
    throw new Error('the database has no migrations table: run smsgw migrate');
  }
  if (applied !== expected) throw new Error(`the schema is at ${applied ?? 'no migration'}, this version needs ${expected}`);
  for (const table of ['send', 'account']) {
    try {
      await db.query(`SELECT 1 FROM ${table} LIMIT 1`);
    } catch {
      throw new Error(`table ${table} is not readable`);
    }
  }
}

/**
 * The demo account: created on an empty database when DEMO_ACCOUNT allows it, answering loopback
 * callers only; with DEMO_ACCOUNT=false one made earlier is disabled.
 */
async function demoAccount(db: DataSource, core: Core, wanted: boolean, log: Logger): Promise<void> {
  if (!wanted) {
    if (await core.accounts.retireDemo()) log.info('the demo account is disabled (DEMO_ACCOUNT=false)');
    return;
  }
  if ((await db.getRepository(Account).count()) > 0) return;
  await core.accounts.create(
    DEMO.username,
    DEMO.password,
    { 0: DEMO.balance, 1: DEMO.balance, 2: DEMO.balance },
    { ipAllow: DEMO.ipAllow, spCode: DEMO.spCode },
  );
  // Its password is public by design, so this line shows it; no other log line carries a password.
  log.info(
    `created the demo account: username "${DEMO.username}", password "${DEMO.password}" (BASE64 ${Buffer.from(DEMO.password).toString('base64')}), ${DEMO.balance} messages in each pool, 企业编号 (UMS SpCode) ${DEMO.spCode}; it answers callers on this machine only (${DEMO.ipAllow}) and is disabled when an operator creates the first real account or DEMO_ACCOUNT=false`,
  );
}
