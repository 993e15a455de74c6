/** The bench's settings, from the environment and the command line (`npm run bench -- --profile`). */
import type { LoadShape } from './wrk';

export interface BenchOptions {
  load: LoadShape;
  warmupSeconds: number;
  /** Messages in each drain's backlog. */
  drainMessages: number;
  /** Run every gateway under `node --cpu-prof` and print where its time went. */
  profile: boolean;
  /** CI: an anchor that cannot run (Kannel not installed, MariaDB unreachable) fails the bench instead of being left out. */
  requireAll: boolean;
}

function whole(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be a whole number of at least ${min}, got "${raw}"`);
  return n;
}

export function readOptions(argv: string[]): BenchOptions {
  const unknown = argv.filter((a) => a !== '--profile');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')} (the one option is --profile)`);
  return {
    load: { threads: 2, connections: whole('BENCH_CONNECTIONS', 32, 2), seconds: whole('BENCH_SECONDS', 10, 1) },
    warmupSeconds: whole('BENCH_WARMUP_SECONDS', 2, 0),
    drainMessages: whole('BENCH_DRAIN', 5000, 1),
    profile: argv.includes('--profile') || process.env.BENCH_PROFILE === '1',
    requireAll: process.env.CI === 'true',
  };
}

/** The DISPATCH_* part of the environment: the dispatcher settings a bench runs with (the production defaults where unset). */
export function dispatchEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => /^DISPATCH_/.test(e[0]) && e[1] !== undefined),
  );
}
