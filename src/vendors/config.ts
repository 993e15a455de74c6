import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../configError';
import { type VendorLimits, vendorLimits } from './settings';
import type { VendorType } from './types';

/** A configured vendor: its adapter type and its validated settings. */
export interface VendorConfig {
  type: string;
  /**
   * Dispatch batches handed to this vendor at once: the dispatcher keeps claiming while they are in
   * flight (`batchesInFlight` in the file, any vendor type; BATCHES_IN_FLIGHT.default when not given).
   */
  batchesInFlight?: number;
  /** Rate, open requests and breaker (`rateLimit`, `openRequests`, `breaker` in the file, any vendor type); defaults when not given. */
  limits?: VendorLimits;
  settings: Record<string, unknown>;
}

/**
 * The requests one dispatch batch may have open at the vendor at once: the adapter's `concurrency`
 * where it has one (HTTP vendors), else one. A batch leases that many of the vendor's
 * `openRequests` slots (fewer for fewer rows: every request carries at least one row).
 */
export function requestsPerBatch(config: Pick<VendorConfig, 'settings'>): number {
  const concurrency = config.settings.concurrency;
  return typeof concurrency === 'number' ? concurrency : 1;
}

/** The default of every vendor's `batchesInFlight`, and its range. */
export const BATCHES_IN_FLIGHT = { default: 4, min: 1, max: 64 } as const;

export interface VendorsConfig {
  /** By the vendor's name in this installation. */
  vendors: Map<string, VendorConfig>;
  /** The default route, in failover order. */
  route: string[];
  /** The `contracts:` list as written; src/contracts/served.ts reads it. */
  contracts: unknown;
}

const TOP_LEVEL_KEYS = ['vendors', 'route', 'contracts'];

/**
 * Reads the GATEWAY_CONFIG file: YAML, `${VAR}` replaced from the environment (so secrets stay
 * out of the file), each vendor's settings validated against the schema its adapter declares.
 * Every mistake is one ConfigError naming the file, the vendor and the key.
 */
export function loadVendorsFile(file: string, env: NodeJS.ProcessEnv, types: VendorType[]): VendorsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ConfigError(`${file}: line ${first.linePos?.[0]?.line ?? '?'}: ${first.message.split('\n')[0]}`);
  }
  const root: unknown = doc.toJS() ?? {};
  if (!isRecord(root)) throw new ConfigError(`${file}: must be a mapping with "vendors:" and "route:"`);
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL_KEYS.includes(key)) throw new ConfigError(`${file}: ${key}: unknown key${suggest(key, TOP_LEVEL_KEYS)}`);
  }
  const vendorsNode = root.vendors ?? {};
  if (!isRecord(vendorsNode)) throw new ConfigError(`${file}: vendors: must be a mapping of vendor names`);
  const vendors = new Map<string, VendorConfig>();
  for (const [name, raw] of Object.entries(vendorsNode)) {
    if (!/^[a-z0-9][a-z0-9_-]{0,31}$/.test(name)) {
      throw new ConfigError(
        `${file}: vendors.${name}: a vendor name is 1 to 32 lower-case letters, digits, - or _ (it appears in callback URLs)`,
      );
    }
    vendors.set(name, validateVendor(file, name, interpolate(file, `vendors.${name}`, raw, env), types));
  }
  const route = root.route ?? [...vendors.keys()];
  if (!Array.isArray(route) || route.length === 0 || !route.every((v) => typeof v === 'string')) {
    throw new ConfigError(`${file}: route: must be a list of vendor names, for example [${[...vendors.keys()].join(', ')}]`);
  }
  for (const name of route) {
    if (!vendors.has(name))
      throw new ConfigError(`${file}: route: names "${name}", which is not under vendors:${suggest(name, [...vendors.keys()])}`);
  }
  return { vendors, route, contracts: root.contracts };
}

/** Validates one vendor's settings against its adapter's schema. */
export function validateVendor(file: string, name: string, raw: unknown, types: VendorType[]): VendorConfig {
  const where = `${file}: vendors.${name}`;
  if (!isRecord(raw)) throw new ConfigError(`${where}: must be a mapping with a type: key`);
  const { type, batchesInFlight, rateLimit, openRequests, breaker, ...rest } = raw;
  const known = types.map((t) => t.type);
  const adapter = types.find((t) => t.type === type);
  if (typeof type !== 'string' || !adapter) {
    throw new ConfigError(
      `${where}.type: ${type === undefined ? 'is missing' : `unknown type "${String(type)}"`} (known: ${known.join(', ')})`,
    );
  }
  const parsed = adapter.settings.safeParse(rest);
  if (!parsed.success) throw new ConfigError(`${where}.${describeIssue(parsed.error, adapter.settings, rest)}`);
  const settings = parsed.data as Record<string, unknown>;
  const given = Object.fromEntries(Object.entries({ rateLimit, openRequests, breaker }).filter(([, v]) => v !== undefined));
  const checked = vendorLimits.safeParse(given);
  if (!checked.success) throw new ConfigError(`${where}.${describeIssue(checked.error, vendorLimits, given)}`);
  const limits = checked.data;
  const perBatch = requestsPerBatch({ settings });
  if (limits.openRequests !== undefined && limits.openRequests < perBatch) {
    throw new ConfigError(
      `${where}.openRequests: ${limits.openRequests} is less than the vendor's concurrency (${perBatch}), the requests one batch may open; lower concurrency or raise openRequests`,
    );
  }
  if (batchesInFlight === undefined) return { type, limits, settings };
  const { min, max } = BATCHES_IN_FLIGHT;
  if (typeof batchesInFlight !== 'number' || !Number.isInteger(batchesInFlight) || batchesInFlight < min || batchesInFlight > max) {
    throw new ConfigError(`${where}.batchesInFlight: must be a whole number from ${min} to ${max}, got ${JSON.stringify(batchesInFlight)}`);
  }
  return { type, batchesInFlight, limits, settings };
}

/** The first issue of a refusal, in the file's words. */
function describeIssue(error: z.ZodError, schema: z.ZodObject, given: unknown): string {
  // A misspelt key shows up as both an unknown key and a missing one: name the misspelling.
  const issue = [...error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'))[0]!;
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0]!;
    const prefix = path ? `${path}.` : '';
    return `${prefix}${key}: unknown key${suggest(key, path ? [] : Object.keys(schema.shape))}`;
  }
  const value = issue.path.reduce<unknown>(
    (node, key) => (isRecord(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[key] : undefined),
    given,
  );
  if (issue.code === 'invalid_type' && value === undefined) return `${path}: is required`;
  return `${path}: ${issue.message}`;
}

/** Replaces `${VAR}` in every string from the environment; an unset variable is an error. */
function interpolate(file: string, path: string, value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined) throw new ConfigError(`${file}: ${path}: \${${name}} is not set in the environment`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(file, `${path}.${i}`, v, env));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(file, `${path}.${k}`, v, env)]));
  return value;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ` (did you mean "x"?)` for a key one or two edits away from a known one. */
function suggest(key: string, known: string[]): string {
  const best = known.map((k) => [k, editDistance(key.toLowerCase(), k.toLowerCase())] as const).sort((a, b) => a[1] - b[1])[0];
  return best && best[1] <= 2 ? ` (did you mean "${best[0]}"?)` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
