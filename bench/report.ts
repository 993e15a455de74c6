/** The printed table of a bench run, and its JSON file. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileSummary } from './cpuProfile';
import { DIALECT_NAMES } from './gateway';
import { ACCEPT_TARGETS, type AcceptTarget, DRAIN_TARGETS, type DrainTarget, type Results } from './results';

const ACCEPT_NAMES: Record<AcceptTarget, string> = {
  koa: 'Koa ceiling',
  kannel: 'Kannel sendsms',
  sqlite: `gateway ${DIALECT_NAMES.sqlite}`,
  mysql: `gateway ${DIALECT_NAMES.mysql}`,
};
const DRAIN_NAMES: Record<DrainTarget, string> = {
  kannel: 'Kannel HTTP SMSC',
  sqlite: `gateway ${DIALECT_NAMES.sqlite}`,
  mysql: `gateway ${DIALECT_NAMES.mysql}`,
};

const fixed = (n: number | null | undefined, digits: number) => (n == null || !Number.isFinite(n) ? '—' : n.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || !b ? '—' : (a / b).toFixed(2));

/** Fixed-width cells (the first left-aligned, the others right-aligned), then free text. */
export function row(cells: string[], widths: number[], tail: string): string {
  return `${cells.map((c, i) => (i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!))).join('')}   ${tail}`;
}

const ACCEPT_WIDTHS = [28, 12, 9, 9, 9, 9, 8];
const DRAIN_WIDTHS = [28, 12, 9, 9, 11];

function acceptLine(r: Results, t: AcceptTarget): string {
  const a = r.accept[t];
  const check = r.checks[t];
  const rows = check?.rows ? ` (${check.rows.withRow} rows for ${check.rows.answered} answers, +${check.rows.cutOff} cut off)` : '';
  const cells = [
    ACCEPT_NAMES[t],
    fixed(a?.acceptedPerSecond, 0),
    fixed(a?.p50Ms, 2),
    fixed(a?.p99Ms, 2),
    fixed(a?.maxMs, 1),
    ratio(a?.acceptedPerSecond, r.accept.kannel?.acceptedPerSecond),
    ratio(a?.acceptedPerSecond, r.accept.koa?.acceptedPerSecond),
  ];
  return row(cells, ACCEPT_WIDTHS, !a ? 'not measured' : `${check?.ok ? 'OK' : 'FAILED'}${rows}`);
}

function drainLine(r: Results, t: DrainTarget): string {
  const d = r.drain[t];
  const cells = [
    DRAIN_NAMES[t],
    fixed(d?.perSecond, 0),
    fixed(d?.seconds, 2),
    ratio(d?.perSecond, r.drain.kannel?.perSecond),
    d ? String(d.heldAtRelease) : '—',
  ];
  if (!d) return row(cells, DRAIN_WIDTHS, 'not measured');
  const gateway = t === 'kannel' ? undefined : r.drain[t];
  const reports = !gateway
    ? '—'
    : `${gateway.reported}/${gateway.rows}${gateway.reportsSeconds === null ? ' (not all within the limit)' : ` at ${gateway.reportsSeconds.toFixed(2)} s`}`;
  return row(cells, DRAIN_WIDTHS, `${reports}${d.extra !== 0 ? `; ${d.extra} messages beyond the backlog` : ''}`);
}

export function printResults(r: Results): void {
  const o = r.options;
  const out = [
    `bench ${r.at}: wrk -t${o.load.threads} -c${o.load.connections}, ${o.load.seconds} s measured after ${o.warmupSeconds} s warm-up; ` +
      `drain of ${o.drainMessages} messages; ${r.machine.cores} cores, node ${r.machine.node}, ` +
      `load average ${r.machine.loadAverageAtStart[0]!.toFixed(2)} at start, CPU steal ${fixed(r.machine.cpuStealPercent, 0)} %`,
    '',
    row(['sendSms, one number', 'accepted/s', 'p50 ms', 'p99 ms', 'max ms', '×Kannel', '×Koa'], ACCEPT_WIDTHS, 'check'),
    ...ACCEPT_TARGETS.map((t) => acceptLine(r, t)),
    '',
    row(['drain into the HTTP sink', 'msg/s', 'seconds', '×Kannel', 'in flight'], DRAIN_WIDTHS, 'reports back'),
    ...DRAIN_TARGETS.map((t) => drainLine(r, t)),
    '',
    'memory, MB (RSS at the end of the phase / peak)',
    ...Object.entries(r.memory).map(
      ([name, m]) => `  ${name.padEnd(30)}${fixed(m.rssMb, 0).padStart(6)} /${fixed(m.peakMb, 0).padStart(5)}`,
    ),
    ...r.leftOut.map((line) => `left out: ${line}`),
    ...ACCEPT_TARGETS.flatMap((t) => (r.checks[t]?.problems ?? []).map((p) => `check ${ACCEPT_NAMES[t]}: ${p}`)),
    ...r.failed.map((line) => `FAILED: ${line}`),
    ...r.profiles.flatMap((p) => ['', ...profileLines(p.process, p.window, p.summary)]),
  ];
  console.log(out.join('\n'));
}

function profileLines(process: string, window: string, s: ProfileSummary): string[] {
  const lines = [
    `CPU profile of ${process}, during ${window}: ${(s.sampledMs / 1000).toFixed(1)} s sampled, ` +
      `${(s.busyMs / 1000).toFixed(1)} s busy; top ${s.top.length} by self time (${s.file})`,
    `${'self ms'.padStart(10)}${'busy'.padStart(7)}  function`,
  ];
  for (const t of s.top)
    lines.push(
      `${t.ms.toFixed(0).padStart(10)}${`${(t.share * 100).toFixed(1)}%`.padStart(7)}  ${t.function}${t.where ? `  ${t.where}` : ''}`,
    );
  return lines;
}

export function writeResults(r: Results): string {
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
  return file;
}
