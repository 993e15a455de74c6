import { isIP } from 'node:net';
import { ConfigError } from './configError';
import { loadServedContracts, type ServedContract } from './contracts/served';
import { VENDOR_TYPES } from './vendors';
import { loadVendorsFile, type VendorConfig, validateVendor } from './vendors/config';

/**
 * Configuration comes from the environment and, for vendors and routes, the GATEWAY_CONFIG
 * file; it is validated once at start, so a typo stops the gateway with a clear message
 * instead of surfacing later as odd behaviour.
 */
export interface Config {
  port: number;
  host: string;
  /** Believe X-Forwarded-For/-Proto: only behind a proxy that sets them, or IP allow-lists can be bypassed. */
  trustProxy: boolean;
  /** `sqlite:path/to/file.sqlite` (the default) or `mysql://user:pass@host:port/db`. */
  databaseUrl: string;
  /** SQLite's durability: `full` survives a power cut, `normal` a killed process (docs/architecture.md). */
  sqliteSynchronous: SqliteSynchronous;
  /** Base URL written into published WSDLs; empty means "the host the caller used". */
  publicUrl: string;
  /** Bearer token of the admin API; empty disables the admin API. */
  adminToken: string;
  /**
   * Addresses that may read GET /metrics without the admin token (METRICS_ALLOW, comma list). With
   * neither this nor ADMIN_TOKEN set, only callers on this machine may.
   */
  metricsAllow: string[];
  maxBodyBytes: number;
  /** Create the demo account on an empty database (default: on SQLite only). */
  demoAccount: boolean;
  /** The GATEWAY_CONFIG file, or '' when vendors come from the environment (the simulator). */
  configFile: string;
  /** The configured vendors by name. */
  vendors: Map<string, VendorConfig>;
  /** Vendors of the default route, in failover order. */
  route: string[];
  /** The legacy contracts served from a WSDL and a mapping (src/contracts), each at its endpoint path. */
  contracts: ServedContract[];
  /** How often reports and replies are pushed to the accounts that gave a URL. */
  pushIntervalMs: number;
  /** The first retry of an unacknowledged push; it doubles up to 10 minutes. */
  pushRetryBaseMs: number;
  /** How long a vendor may take to report before the caller is told "unknown" (status 2). */
  reportTimeoutMs: number;
  dispatch: { intervalMs: number; batchSize: number; leaseMs: number; maxAttempts: number; retryBaseMs: number };
  /**
   * Rows legacy SQL inserts (no account): `defaultAccount` (a username, '' for none) is charged for
   * those whose `userid` maps to no account's `legacy_userid`; `pool` is the balance pool they take from.
   */
  legacy: { defaultAccount: string; pool: 0 | 1 | 2 };
  logLevel: string;
  /** LOG_PRETTY=true: log lines for people (pino-pretty) instead of JSON. */
  logPretty: boolean;
  /** DELIVERY_THREAD=true: vendors, dispatcher, pollers and pusher on a thread of their own (src/delivery/thread.ts). */
  deliveryThread: boolean;
}

export const SQLITE_SYNCHRONOUS = ['full', 'normal'] as const;
export type SqliteSynchronous = (typeof SQLITE_SYNCHRONOUS)[number];

/** A DATABASE_URL fit for logs and messages: the password is masked. */
export function redactDatabaseUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

function ratio(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new ConfigError(`${name} must be a number from 0 to 1, got "${raw}"`);
  return value;
}

/** METRICS_ALLOW: IP addresses as callerIp() writes them (IPv4 dotted, IPv6 as the socket gives it), comma-separated. */
function metricsAllow(raw: string): string[] {
  const ips = raw
    .split(',')
    // An IPv4 caller reaches a dual-stack socket as ::ffff:a.b.c.d, which callerIp() writes a.b.c.d.
    .map((ip) => ip.trim().replace(/^::ffff:/i, ''))
    .filter(Boolean);
  for (const ip of ips) {
    if (isIP(ip) === 0) throw new ConfigError(`METRICS_ALLOW must list IP addresses separated by commas; "${ip}" is not one`);
  }
  return ips;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const databaseUrl = env.DATABASE_URL || 'sqlite:data/gateway.sqlite';
  if (!/^(sqlite:|mysql:\/\/|mariadb:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with sqlite: or mysql:// (for example mysql://root@127.0.0.1:3306/smsgw)');
  }
  const sqliteSynchronous = (env.SQLITE_SYNCHRONOUS || 'full').toLowerCase() as SqliteSynchronous;
  if (!SQLITE_SYNCHRONOUS.includes(sqliteSynchronous)) {
    throw new ConfigError(`SQLITE_SYNCHRONOUS must be full or normal, got "${env.SQLITE_SYNCHRONOUS}"`);
  }
  const publicUrl = (env.PUBLIC_URL ?? '').replace(/\/+$/, '');
  if (publicUrl && !/^https?:\/\/[^/]+/.test(publicUrl)) throw new ConfigError(`PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  const configFile = env.GATEWAY_CONFIG ?? '';
  const fromFile = configFile ? loadVendorsFile(configFile, env, VENDOR_TYPES) : null;
  // With no file, the built-in simulator is the one vendor, tuned from the environment.
  const simulator = {
    type: 'simulator',
    delayMs: int(env, 'SIMULATOR_DELAY_MS', 2000, 0, 3_600_000),
    successRatio: ratio(env, 'SIMULATOR_SUCCESS_RATIO', 0.95),
  };
  const vendors = fromFile?.vendors ?? new Map([['simulator', validateVendor('environment', 'simulator', simulator, VENDOR_TYPES)]]);
  const route = env.VENDORS
    ? env.VENDORS.split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : (fromFile?.route ?? ['simulator']);
  for (const name of route) {
    if (!vendors.has(name)) {
      throw new ConfigError(`VENDORS names "${name}", which is not a configured vendor (configured: ${[...vendors.keys()].join(', ')})`);
    }
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (env.DELIVERY_THREAD && !['true', 'false'].includes(env.DELIVERY_THREAD))
    throw new ConfigError(`DELIVERY_THREAD must be true or false, got "${env.DELIVERY_THREAD}"`);
  if (env.LOG_PRETTY && !['true', 'false'].includes(env.LOG_PRETTY))
    throw new ConfigError(`LOG_PRETTY must be true or false, got "${env.LOG_PRETTY}"`);
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const leaseMs = int(env, 'DISPATCH_LEASE_MS', 60_000, 1000, 3_600_000);
  for (const [name, vendor] of vendors) {
    // A vendor call that outlived the claim's lease would let another node claim and send the rows again.
    const timeoutMs = vendor.settings.timeoutMs;
    if (typeof timeoutMs === 'number' && timeoutMs * 4 > leaseMs) {
      throw new ConfigError(
        `${configFile}: vendors.${name}.timeoutMs: ${timeoutMs} is too close to DISPATCH_LEASE_MS (${leaseMs}); keep it under a quarter of the lease`,
      );
    }
  }
  const legacyDefaultAccount = (env.LEGACY_DEFAULT_ACCOUNT ?? '').trim();
  if (legacyDefaultAccount.length > 64) throw new ConfigError('LEGACY_DEFAULT_ACCOUNT must be a username of at most 64 characters');
  return {
    port: int(env, 'PORT', 8080, 0, 65535),
    host: env.HOST || '0.0.0.0',
    trustProxy: env.TRUST_PROXY === 'true',
    databaseUrl,
    sqliteSynchronous,
    publicUrl,
    adminToken: env.ADMIN_TOKEN ?? '',
    metricsAllow: metricsAllow(env.METRICS_ALLOW ?? ''),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 2 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    // Only the embedded default gets a demo account unless asked: a production MySQL must not.
    demoAccount: env.DEMO_ACCOUNT ? env.DEMO_ACCOUNT === 'true' : databaseUrl.startsWith('sqlite:'),
    configFile,
    vendors,
    route,
    contracts: fromFile ? loadServedContracts(configFile, fromFile.contracts) : [],
    pushIntervalMs: int(env, 'PUSH_INTERVAL_MS', 1000, 10, 60_000),
    pushRetryBaseMs: int(env, 'PUSH_RETRY_BASE_MS', 5000, 10, 600_000),
    reportTimeoutMs: int(env, 'REPORT_TIMEOUT_MS', 72 * 3600_000, 100, 30 * 24 * 3600_000),
    dispatch: {
      intervalMs: int(env, 'DISPATCH_INTERVAL_MS', 200, 10, 60_000),
      batchSize: int(env, 'DISPATCH_BATCH_SIZE', 200, 1, 5000),
      leaseMs,
      maxAttempts: int(env, 'DISPATCH_MAX_ATTEMPTS', 5, 1, 100),
      retryBaseMs: int(env, 'DISPATCH_RETRY_BASE_MS', 1000, 1, 600_000),
    },
    legacy: { defaultAccount: legacyDefaultAccount, pool: int(env, 'LEGACY_POOL', 1, 0, 2) as 0 | 1 | 2 },
    logLevel,
    logPretty: env.LOG_PRETTY === 'true',
    deliveryThread: env.DELIVERY_THREAD === 'true',
  };
}
