/**
 * `npm run bench`: one after the other on this machine, the Koa ceiling, Kannel's sendsms, the
 * gateway's sendSms on SQLite and on MariaDB, then how fast Kannel and the gateway drain a backlog
 * into a local HTTP sink. One table, bench/results/latest.json, and with --profile (or
 * BENCH_PROFILE=1) where the gateway's CPU time went. See bench/README.md.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBench } from './gateway';
import { readOptions } from './options';
import { NotHere, type PhaseContext } from './phases/context';
import { gatewayAcceptPhase, gatewayDrainPhase } from './phases/gateway';
import { kannelPhase } from './phases/kannel';
import { koaPhase } from './phases/koa';
import { stopAll } from './processes';
import { printResults, writeResults } from './report';
import type { Results } from './results';
import { Sink } from './sink';
import { findWrk } from './wrk';

/** user+nice+system+idle+iowait+irq+softirq+steal, and steal, from /proc/stat. */
function cpuTimes(): { total: number; steal: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7]! };
}

async function main(): Promise<number> {
  const options = readOptions(process.argv.slice(2));
  if (!findWrk()) throw new Error('wrk is not installed (Debian package wrk): the bench loads every target with it');
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-bench-'));
  const sink = await Sink.start();
  const cpuAtStart = cpuTimes();
  const results: Results = {
    at: new Date().toISOString(),
    machine: { cores: cpus().length, node: process.version, loadAverageAtStart: loadavg(), cpuStealPercent: null },
    options,
    accept: {},
    checks: {},
    drain: {},
    memory: {},
    profiles: [],
    leftOut: [],
    failed: [],
  };
  const ctx: PhaseContext = { options, sink, dir, results };
  const phases: [string, () => Promise<void>][] = [
    ['Koa ceiling', () => koaPhase(ctx)],
    ['Kannel sendsms and drain', () => kannelPhase(ctx)],
    ['gateway SQLite sendSms', () => gatewayAcceptPhase(ctx, 'sqlite')],
    ['gateway MariaDB sendSms', () => gatewayAcceptPhase(ctx, 'mysql')],
    ['gateway SQLite drain', () => gatewayDrainPhase(ctx, 'sqlite')],
    ['gateway MariaDB drain', () => gatewayDrainPhase(ctx, 'mysql')],
  ];
  try {
    for (const [name, run] of phases) {
      console.error(`bench: ${name}`);
      try {
        await run();
      } catch (err) {
        const why = (err as Error).message;
        if (!(err instanceof NotHere)) results.failed.push(`${name}: ${why}`);
        else if (options.requireAll) results.failed.push(`${name}: ${why} (CI=true requires it)`);
        else if (!results.leftOut.includes(why)) results.leftOut.push(why);
      }
    }
  } finally {
    await stopAll();
    await sink.close();
  }
  const cpuAtEnd = cpuTimes();
  results.machine.cpuStealPercent = (100 * (cpuAtEnd.steal - cpuAtStart.steal)) / Math.max(1, cpuAtEnd.total - cpuAtStart.total);
  printResults(results);
  console.log(`\nwritten to ${writeResults(results)}`);
  const ok = results.failed.length === 0 && Object.values(results.checks).every((c) => c.ok);
  // The logs of every process stay for a failed run.
  if (ok) rmSync(dir, { recursive: true, force: true });
  else console.log(`logs of the processes: ${dir}`);
  return ok ? 0 : 1;
}

runBench(main);
