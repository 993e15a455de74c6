/**
 * Phases 3 to 5 for the gateway, on SQLite and on MariaDB: sendSms under load (each success
 * checked against its row), and the drain of a backlog through the `type: http` vendor with the
 * reports polled back. Each runs in a gateway process of its own on a fresh database, so the
 * drain starts idle whatever the load left queued.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { MYSQL_ROOT_URL, type Dialect } from '../../test/support/gateway';
import { checkGatewayAnswers } from '../answerCheck';
import { monotonicUs, type Window } from '../clock';
import { findProfile, summarizeProfile } from '../cpuProfile';
import { measureDrain } from '../drain';
import { type BenchGateway, DIALECT_NAMES, startBenchGateway } from '../gateway';
import { memoryOf, sleep } from '../processes';
import { BODY, HEADERS, sendSmsBody } from '../request';
import { runWrk, warmUp } from '../wrk';
import { NotHere, type PhaseContext } from './context';

const RESULTS_DIR = join(__dirname, '..', 'results');
const REPORTS_TIMEOUT_MS = 60_000;
const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ER_ACCESS_DENIED_ERROR'];

/**
 * Starts a gateway, runs the measurement, records its memory, stops it (even on error) and, when
 * profiling, summarizes the samples taken inside the window the measurement returns.
 */
async function withGateway(ctx: PhaseContext, dialect: Dialect, phase: 'accept' | 'drain', measure: (gw: BenchGateway) => Promise<Window>) {
  const name = `${dialect}-${phase}`;
  const label = `gateway ${DIALECT_NAMES[dialect]} ${phase}`;
  const gw = await startBenchGateway({
    name,
    dialect,
    sinkUrl: ctx.sink.url,
    dir: join(ctx.dir, name),
    profile: ctx.options.profile,
  }).catch((err: { code?: string; message?: string }) => {
    if (dialect === 'mysql' && UNREACHABLE.includes(err.code ?? '')) {
      throw new NotHere(`MariaDB is not reachable at ${MYSQL_ROOT_URL} (${err.code}; TEST_MYSQL_URL names another server)`);
    }
    throw err;
  });
  let window: Window;
  try {
    window = await measure(gw);
    ctx.results.memory[label] = memoryOf(gw.pid);
  } finally {
    await gw.stop();
  }
  if (gw.profileDir) {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const kept = join(RESULTS_DIR, `gateway-${name}.cpuprofile`);
    copyFileSync(findProfile(gw.profileDir, gw.pid), kept);
    const what = phase === 'accept' ? 'the measured sendSms load' : 'the drain';
    ctx.results.profiles.push({ process: label, window: what, summary: summarizeProfile(kept, window) });
  }
}

export function gatewayAcceptPhase(ctx: PhaseContext, dialect: Dialect): Promise<void> {
  const { options, results } = ctx;
  return withGateway(ctx, dialect, 'accept', async (gw) => {
    const target = {
      url: gw.serviceUrl,
      method: 'POST' as const,
      body: BODY,
      headers: HEADERS,
      status: 200,
      good: 'success;%d+<',
      id: 'success;(%d+)<',
    };
    await warmUp(target, options.load, options.warmupSeconds, ctx.dir);
    const rowsBefore = await gw.table.settledRows();
    const { load, ids } = await runWrk(target, options.load, ctx.dir);
    const rowsAdded = (await gw.table.settledRows()) - rowsBefore;
    results.accept[dialect] = load;
    results.checks[dialect] = checkGatewayAnswers(load, ids, rowsAdded, await gw.table.rowsPerBatch());
    return load.window;
  });
}

export function gatewayDrainPhase(ctx: PhaseContext, dialect: Dialect): Promise<void> {
  const { sink, options, results } = ctx;
  return withGateway(ctx, dialect, 'drain', async (gw) => {
    const drain = await measureDrain(sink, sink.vendor, options.drainMessages, async (to) => {
      const res = await fetch(gw.serviceUrl, { method: 'POST', headers: HEADERS, body: sendSmsBody(to) });
      const text = await res.text();
      if (!/success;\d{20}</.test(text)) throw new Error(`the gateway refused a sendSms to ${to.length} numbers: ${res.status} ${text}`);
    });
    // Every row, the probe's included, is to have its report back from the sink; the table shows how many did in time.
    const rows = await gw.table.rows();
    const deadline = Date.now() + REPORTS_TIMEOUT_MS;
    let reported = await gw.table.reported();
    while (reported < rows && Date.now() < deadline) {
      await sleep(200);
      reported = await gw.table.reported();
    }
    const reportsSeconds = reported >= rows ? (monotonicUs() - drain.window.fromUs) / 1e6 : null;
    results.drain[dialect] = { ...drain, rows, reported, reportsSeconds };
    return drain.window;
  });
}
