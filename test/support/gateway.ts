import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { Account, Report } from '../../entities';
import { loadConfig } from '../../src/config';
import { type RunningGateway, startGateway } from '../../src/gateway';
import { createLogger, type Logger } from '../../src/logger';

export type Dialect = 'sqlite' | 'mysql';
export const DIALECTS: Dialect[] = ['sqlite', 'mysql'];

/** The real MariaDB the tests talk to; a database of its own is made for every gateway. */
export const MYSQL_ROOT_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestGatewayOptions {
  dialect?: Dialect;
  /** A GATEWAY_CONFIG file's YAML text: vendors and route. Without it the simulator is the one vendor. */
  config?: string;
  simulator?: { delayMs?: number; successRatio?: number };
  env?: Record<string, string>;
  /** Where the gateway logs; by default a logger at TEST_LOG_LEVEL (silent). */
  log?: Logger;
}

export interface TestGateway extends RunningGateway {
  serviceUrl: string;
  wsdlUrl: string;
  adminToken: string;
  databaseUrl: string;
  injectReply(reply: { mobile: string; content: string; username?: string }): Promise<void>;
  /** Waits until `count` reports (fetched or not) exist for the account. */
  waitForReports(count: number, username?: string, timeoutMs?: number): Promise<void>;
  account(username?: string): Promise<Account>;
  /** Where a vendor named `vendor` in the configuration pushes its reports or replies. */
  callbackUrl(vendor: string, kind: 'reports' | 'replies'): string;
}

let counter = 0;

/** A fresh, empty database: a temporary SQLite file, or a MariaDB database of its own. drop() removes it. */
export async function createTestDatabase(dialect: Dialect): Promise<{ databaseUrl: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-test-'));
    return { databaseUrl: `sqlite:${join(dir, 'gateway.sqlite')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `smsgw_test_${process.pid}_${++counter}`;
  const admin = await createConnection(MYSQL_ROOT_URL);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  return {
    databaseUrl: `${MYSQL_ROOT_URL.replace(/\/$/, '')}/${name}`,
    drop: async () => {
      const c = await createConnection(MYSQL_ROOT_URL);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const { databaseUrl, drop: dropDatabase } = await createTestDatabase(options.dialect ?? 'sqlite');
  const configDir = options.config === undefined ? null : mkdtempSync(join(tmpdir(), 'smsgw-config-'));
  if (configDir) writeFileSync(join(configDir, 'gateway.yaml'), options.config!);
  const cleanup = async () => {
    await dropDatabase();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  };
  const adminToken = 'test-admin-token';
  const config = configOrCleanup(cleanup, () =>
    loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      ADMIN_TOKEN: adminToken,
      DEMO_ACCOUNT: 'true',
      SIMULATOR_DELAY_MS: String(options.simulator?.delayMs ?? 50),
      SIMULATOR_SUCCESS_RATIO: String(options.simulator?.successRatio ?? 1),
      DISPATCH_INTERVAL_MS: '20',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      ...(configDir ? { GATEWAY_CONFIG: join(configDir, 'gateway.yaml') } : {}),
      ...options.env,
    }),
  );
  const gateway = await startGateway(await config, options.log ?? createLogger((await config).logLevel)).catch(async (err) => {
    await cleanup();
    throw err;
  });
  const serviceUrl = `${gateway.url}/services/userApi`;
  const account = async (username = 'demo') => gateway.db.getRepository(Account).findOneByOrFail({ username });
  return {
    ...gateway,
    serviceUrl,
    wsdlUrl: `${serviceUrl}?wsdl`,
    adminToken,
    databaseUrl,
    account,
    callbackUrl: (vendor, kind) => `${gateway.url}/callbacks/${vendor}/${kind}`,
    async injectReply(reply) {
      const outcome = await gateway.core.replies.record({ vendor: 'simulator', ...reply, at: new Date() });
      if (outcome.result !== 'queued') throw new Error(`no account for the reply from ${reply.mobile}`);
    },
    async waitForReports(count, username = 'demo', timeoutMs = 10_000) {
      const { id } = await account(username);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const n = await gateway.db.getRepository(Report).countBy({ accountId: id });
        if (n >= count) return;
        if (Date.now() > deadline) throw new Error(`only ${n} of ${count} reports after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      await gateway.stop();
      await cleanup();
    },
  };
}

/** The configuration, or, when it is refused, the test's database and files removed before the error goes on. */
async function configOrCleanup<T>(cleanup: () => Promise<void>, load: () => T): Promise<T> {
  try {
    return load();
  } catch (err) {
    await cleanup();
    throw err;
  }
}
