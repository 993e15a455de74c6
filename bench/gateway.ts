/**
 * The gateway as the bench runs it: `src/cli.ts serve` in a process of its own (as `npm start`
 * runs it), on a fresh database, delivering through a `type: http` vendor to the sink, and
 * optionally under Node's CPU profiler.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createTestDatabase, type Dialect } from '../test/support/gateway';
import { type Started, startProcess, stopAll, stopProcess } from './processes';
import { ANSWER, BODY, FIXED_BATCH_ID, HEADERS, PATH } from './request';
import { SendTable } from './sendTable';

export const DIALECT_NAMES: Record<Dialect, string> = { sqlite: 'SQLite', mysql: 'MariaDB' };

const ROOT = join(__dirname, '..');
const START_TIMEOUT_MS = 60_000;
/** The vendor's call limit (the most the settings allow): a request the paused sink holds must not time out. */
const VENDOR_TIMEOUT_MS = 30_000;
/** Above four vendor timeouts, as the gateway requires; the lease only matters when a process dies mid-batch. */
const LEASE_MS = 150_000;
/** Requests in flight to the vendor: what Kannel's HTTP SMSC keeps (its max-pending-submits default). */
const VENDOR_CONCURRENCY = 10;

export interface BenchGateway {
  serviceUrl: string;
  databaseUrl: string;
  pid: number;
  table: SendTable;
  /** Where the CPU profile will be written on stop, when profiling. */
  profileDir: string | null;
  stop(): Promise<void>;
}

/** The drop() of every database made and not yet dropped, for a bench interrupted mid-phase. */
const openDatabases = new Set<() => Promise<void>>();

async function dropOpenDatabases(): Promise<void> {
  await Promise.all([...openDatabases].map((drop) => drop()));
}

/**
 * Runs a bench script's main() to its exit code. Ctrl-C or a kill stops every process it started
 * and drops its databases first; the exit is explicit, so that a stray timer in a dependency cannot
 * keep the script hanging after the verdict; an error stops every process and exits 2.
 */
export function runBench(main: () => Promise<number>): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      console.error(`bench: ${signal}, stopping what it started`);
      const bounded = new Promise((resolve) => setTimeout(resolve, 15_000));
      Promise.race([Promise.all([stopAll(), dropOpenDatabases()]), bounded]).finally(() => process.exit(130));
    });
  }
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      Promise.all([stopAll(), dropOpenDatabases()]).finally(() => process.exit(2));
    },
  );
}

/** The YAML the gateway is started with: the sink as its one vendor, reports polled back from it. */
function vendorConfig(vendorUrl: string): string {
  return stringify({
    vendors: {
      sink: {
        type: 'http',
        url: vendorUrl,
        username: 'bench',
        password: 'bench',
        timeoutMs: VENDOR_TIMEOUT_MS,
        concurrency: VENDOR_CONCURRENCY,
        send: {
          method: 'POST',
          path: '/send',
          params: { mobile: '{mobiles}', content: '{content}' },
          answer: { success: '^ok ', id: '^ok (\\S+)' },
        },
        reports: {
          poll: {
            method: 'GET',
            path: '/reports',
            intervalMs: 200,
            text: { fieldSeparator: ',', fields: ['id', 'mobile', 'status'] },
          },
          statusMap: { DELIVRD: 'delivered' },
        },
      },
    },
    route: ['sink'],
  });
}

/** `name` tells this gateway's requests to the sink apart from another's. */
export async function startBenchGateway(o: {
  name: string;
  dialect: Dialect;
  sinkUrl: string;
  dir: string;
  profile: boolean;
  /** Runs on the migrated database before the gateway starts: seeding a history it starts on. */
  prepare?: (table: SendTable) => Promise<void>;
}): Promise<BenchGateway> {
  mkdirSync(o.dir, { recursive: true });
  const database = await createTestDatabase(o.dialect);
  openDatabases.add(database.drop);
  let table: SendTable | undefined;
  let server: Started | undefined;
  const stop = async () => {
    if (server) await stopProcess(server.child);
    await table?.close();
    await database.drop();
    openDatabases.delete(database.drop);
  };
  try {
    table = await SendTable.prepare(database.databaseUrl);
    await o.prepare?.(table);
    const configFile = join(o.dir, 'gateway.yaml');
    writeFileSync(configFile, vendorConfig(`${o.sinkUrl}/vendor/${o.name}`));
    const profileDir = o.profile ? join(o.dir, 'profile') : null;
    const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    server = await startProcess({
      name: `gateway (${DIALECT_NAMES[o.dialect]})`,
      command: process.execPath,
      args: [...nodeFlags, '--import', 'tsx', 'src/cli.ts', 'serve'],
      cwd: ROOT,
      // The developer's environment passes through (DISPATCH_*, SQLITE_* and other tuning), but where
      // the gateway listens, which database and which vendors are the bench's: it never reaches a real vendor.
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: database.databaseUrl,
        GATEWAY_CONFIG: configFile,
        VENDORS: 'sink',
        DEMO_ACCOUNT: 'false',
        ADMIN_TOKEN: '',
        PUBLIC_URL: '',
        DISPATCH_LEASE_MS: String(LEASE_MS),
        LOG_LEVEL: process.env.LOG_LEVEL || 'info',
      },
      logFile: join(o.dir, 'gateway.log'),
      ready: /"url":"(http:[^"]+)"/,
      timeoutMs: START_TIMEOUT_MS,
    });
    const serviceUrl = `${server.match[1]}${PATH}`;
    // Same bytes as the Koa ceiling's or the comparison is unfair; this call also pays the one scrypt check.
    const probe = await (await fetch(serviceUrl, { method: 'POST', headers: HEADERS, body: BODY })).text();
    if (probe.replace(/success;\d{20}/, `success;${FIXED_BATCH_ID}`) !== ANSWER) throw new Error(`unexpected gateway answer: ${probe}`);
    return { serviceUrl, databaseUrl: database.databaseUrl, pid: server.pid, table, profileDir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
