/**
 * `npm run bench:batch`: one `sendSms` to 20,000 numbers, on SQLite and on MariaDB, timed from the
 * request to its answer (which comes only after the rows are committed), with a `getRestMoney`
 * polled beside it to show what other callers wait meanwhile; then the same with one valid number
 * and 19,999 invalid ones, which are stored as failed rows with their failure reports. Each case runs a gateway
 * process (`src/cli.ts serve`) on a fresh database, delivering to the bench's sink. See
 * bench/README.md.
 *
 * Options: --numbers N (20000), --rounds N (3 of each kind a database). TEST_MYSQL_URL names the
 * MariaDB server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SendStatus } from '../entities';
import type { Dialect } from '../test/support/gateway';
import { DEMO_AUTH, docLiteral } from '../test/support/soap';
import { type BenchGateway, DIALECT_NAMES, runBench, startBenchGateway } from './gateway';
import { percentile } from './history';
import { row } from './report';
import { HEADERS, mobiles, sendSmsBody } from './request';
import { Sink } from './sink';

const BALANCE_CALL = docLiteral('getRestMoney', DEMO_AUTH);
/** The gap between two balance calls while a big batch is being written. */
const POLL_GAP_MS = 5;

interface Round {
  kind: 'valid' | 'invalid';
  /** From the request to the answer: the commit included. */
  answerMs: number;
  /** Rows the answer's batch has in `send`, and of them failed ones. */
  rows: number;
  failedRows: number;
  /** The balance calls answered while the batch was written, each one's time, ms, ascending. */
  balanceMs: number[];
  answeredOk: boolean;
}

interface Case {
  dialect: Dialect;
  rounds: Round[];
}

function readBatchOptions(argv: string[]): { numbers: number; rounds: number } {
  const { values } = parseArgs({
    args: argv,
    options: { numbers: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } },
    strict: true,
  });
  const whole = (name: string, raw: string, min: number, max: number) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  return { numbers: whole('numbers', values.numbers, 2, 20_000), rounds: whole('rounds', values.rounds, 1, 20) };
}

const post = async (url: string, body: string) => (await fetch(url, { method: 'POST', headers: HEADERS, body })).text();

/**
 * One valid number, then six-digit ones: not mobile numbers, each stored as a failed, uncharged
 * row with its failure report (a call with no valid number at all is refused before any statement).
 */
const mostlyInvalid = (count: number) => [...mobiles(1), ...Array.from({ length: count - 1 }, (_, i) => String(100_000 + i))];

async function bigCall(gw: BenchGateway, kind: Round['kind'], numbers: string[]): Promise<Round> {
  const balanceMs: number[] = [];
  let done = false;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      const answer = await post(gw.serviceUrl, BALANCE_CALL);
      // Every call sent while the batch was in flight counts, the one its commit held up the longest above all.
      balanceMs.push(performance.now() - started);
      if (!answer.includes('gateSmsNum=')) throw new Error(`unexpected getRestMoney answer: ${answer}`);
      await new Promise((resolve) => setTimeout(resolve, POLL_GAP_MS));
    }
  })();
  const started = performance.now();
  const answer = await post(gw.serviceUrl, sendSmsBody(numbers)).finally(() => {
    done = true;
  });
  const answerMs = performance.now() - started;
  await poll;
  const batchId = /success;(\d{20})/.exec(answer)?.[1];
  const counts = batchId
    ? ((await gw.table.db.query(
        `SELECT COUNT(*) AS n, SUM(CASE WHEN STATUS = ${SendStatus.failed} THEN 1 ELSE 0 END) AS failed FROM send WHERE batch_id = '${batchId}'`,
      )) as {
        n: number | string;
        failed: number | string | null;
      }[])
    : [{ n: 0, failed: 0 }];
  return {
    kind,
    answerMs,
    rows: Number(counts[0]!.n),
    failedRows: Number(counts[0]!.failed ?? 0),
    balanceMs: balanceMs.sort((a, b) => a - b),
    answeredOk: batchId !== undefined,
  };
}

async function measure(dialect: Dialect, options: { numbers: number; rounds: number }, dir: string): Promise<Case> {
  const sink = await Sink.start();
  try {
    const gw = await startBenchGateway({ name: `batch-${dialect}`, dialect, sinkUrl: sink.url, dir: join(dir, dialect), profile: false });
    try {
      const rounds: Round[] = [];
      for (let i = 0; i < options.rounds; i++) {
        rounds.push(await bigCall(gw, 'valid', mobiles(options.numbers)));
        rounds.push(await bigCall(gw, 'invalid', mostlyInvalid(options.numbers)));
      }
      return { dialect, rounds };
    } finally {
      await gw.stop();
    }
  } finally {
    await sink.close();
  }
}

/** Whether a round stored what it was answered: a row for every number, the invalid ones failed. */
function stored(r: Round, numbers: number): boolean {
  return r.answeredOk && r.rows === numbers && r.failedRows === (r.kind === 'valid' ? 0 : numbers - 1);
}

function print(options: { numbers: number; rounds: number }, cases: Case[]): boolean {
  console.log(
    `one sendSms of ${options.numbers.toLocaleString('en')} numbers, ${options.rounds} rounds of each kind a database; ` +
      `${cpus().length} cores, node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at the end`,
  );
  console.log('');
  const ms = (sorted: number[], p: number) => (sorted.length === 0 ? '—' : percentile(sorted, p).toFixed(1));
  const columns: [string, number][] = [
    ['database', 9],
    ['numbers', 9],
    ['answer ms', 11],
    ['rows', 8],
    ['balance calls', 15],
    ['their p50', 11],
    ['their max', 11],
  ];
  const widths = columns.map(([, width]) => width);
  console.log(
    row(
      columns.map(([title]) => title),
      widths,
      'check',
    ),
  );
  let passed = true;
  for (const c of cases) {
    for (const r of c.rounds) {
      const good = stored(r, options.numbers);
      passed &&= good;
      console.log(
        row(
          [
            DIALECT_NAMES[c.dialect],
            r.kind,
            r.answerMs.toFixed(0),
            String(r.rows),
            String(r.balanceMs.length),
            ms(r.balanceMs, 0.5),
            ms(r.balanceMs, 1),
          ],
          widths,
          good ? 'OK' : `FAILED: ${r.rows} rows, ${r.failedRows} failed`,
        ),
      );
    }
  }
  console.log(
    '(answer: from the request to the answer, the commit included; balance calls: getRestMoney sent one after another while the batch was written)',
  );
  return passed;
}

async function main(): Promise<number> {
  const options = readBatchOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-bench-batch-'));
  const cases: Case[] = [];
  for (const dialect of ['sqlite', 'mysql'] as const) {
    console.error(`bench: ${options.numbers} numbers in one sendSms on ${DIALECT_NAMES[dialect]}`);
    cases.push(await measure(dialect, options, dir));
  }
  const passed = print(options, cases);
  if (passed) rmSync(dir, { recursive: true, force: true });
  else console.log(`logs of the gateways: ${dir}`);
  return passed ? 0 : 1;
}

runBench(main);
