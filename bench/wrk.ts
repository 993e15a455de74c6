/**
 * HTTP load with wrk (C, so the load generator takes less of this machine's two cores than a Node
 * client would), every answer checked by bench/wrk/answers.lua.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monotonicUs, type Window } from './clock';
import { runToEnd } from './processes';

export interface LoadTarget {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
  /** An accepted answer: this status and a body matching this Lua pattern. */
  status: number;
  good: string;
  /** A Lua pattern capturing the answer's id (the gateway's batch id), when ids are to be checked. */
  id?: string;
}

export interface LoadRun {
  seconds: number;
  requests: number;
  /** Answers that were accepted (status and body as expected). */
  accepted: number;
  acceptedPerSecond: number;
  /** Answers with another status or body, and the first of them. */
  refused: number;
  refusedSample: string | null;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** When the run started and ended, in microseconds of the monotonic clock (a CPU profile's clock). */
  window: Window;
}

export interface LoadShape {
  threads: number;
  connections: number;
  seconds: number;
}

const SCRIPT = join(__dirname, 'wrk', 'answers.lua');
/** Longer than any answer should take: a slow answer is measured, not dropped as a wrk timeout. */
const REQUEST_TIMEOUT_S = 30;

export function findWrk(): string | undefined {
  return (process.env.PATH ?? '')
    .split(':')
    .map((dir) => join(dir, 'wrk'))
    .find((file) => existsSync(file));
}

/** One wrk run; `ids` are those the accepted answers carried (empty unless the target names an id pattern). */
export async function runWrk(target: LoadTarget, shape: LoadShape, dir: string): Promise<{ load: LoadRun; ids: string[] }> {
  const out = join(dir, `wrk-${process.hrtime.bigint()}.json`);
  const bodyFile = target.body === undefined ? '' : `${out}.body`;
  if (target.body !== undefined) writeFileSync(bodyFile, target.body);
  const env = {
    PATH: process.env.PATH,
    BENCH_WRK_METHOD: target.method,
    BENCH_WRK_BODY: bodyFile,
    BENCH_WRK_HEADERS: Object.entries(target.headers ?? {})
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n'),
    BENCH_WRK_STATUS: String(target.status),
    BENCH_WRK_GOOD: target.good,
    BENCH_WRK_ID: target.id ?? '',
    BENCH_WRK_OUT: out,
  };
  const args = [
    `-t${shape.threads}`,
    `-c${shape.connections}`,
    `-d${shape.seconds}s`,
    `--timeout`,
    `${REQUEST_TIMEOUT_S}s`,
    '-s',
    SCRIPT,
    target.url,
  ];
  const fromUs = monotonicUs();
  await runToEnd('wrk', 'wrk', args, env, (shape.seconds + REQUEST_TIMEOUT_S + 15) * 1000);
  const toUs = monotonicUs();
  const r = JSON.parse(readFileSync(out, 'utf8')) as {
    durationUs: number;
    requests: number;
    good: number;
    bad: number;
    non2xx: number;
    socketErrors: number;
    timeouts: number;
    p50Us: number;
    p99Us: number;
    maxUs: number;
    badSample: string | null;
  };
  const seconds = r.durationUs / 1e6;
  const load = {
    seconds,
    requests: r.requests,
    accepted: r.good,
    acceptedPerSecond: r.good / seconds,
    refused: r.bad,
    refusedSample: r.badSample,
    non2xx: r.non2xx,
    socketErrors: r.socketErrors,
    timeouts: r.timeouts,
    p50Ms: r.p50Us / 1000,
    p99Ms: r.p99Us / 1000,
    maxMs: r.maxUs / 1000,
    window: { fromUs, toUs },
  };
  return { load, ids: target.id === undefined ? [] : readFileSync(`${out}.ids`, 'utf8').split('\n').filter(Boolean) };
}

/** The warm-up run (JIT, connections, caches), not counted. */
export async function warmUp(target: LoadTarget, shape: LoadShape, seconds: number, dir: string): Promise<void> {
  if (seconds > 0) await runWrk({ ...target, id: undefined }, { ...shape, seconds }, dir);
}

/** Warm-up, then the measured run. */
export async function measureLoad(target: LoadTarget, shape: LoadShape, warmupSeconds: number, dir: string): Promise<LoadRun> {
  await warmUp(target, shape, warmupSeconds, dir);
  return (await runWrk(target, shape, dir)).load;
}
