/**
 * Where the gateway's time went: the `.cpuprofile` Node's `--cpu-prof` writes at exit, read here
 * as plain JSON. Self time (the time a function was on top of the stack) is summed per function
 * (name and file) over the samples taken inside one window, the measured load, so start-up and
 * shutdown do not show.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Window } from './clock';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  function: string;
  where: string;
  ms: number;
  /** Of the busy time (every sample but idle). */
  share: number;
}

export interface ProfileSummary {
  file: string;
  /** Time sampled inside the window, and how much of it was not idle. */
  sampledMs: number;
  busyMs: number;
  top: SelfTime[];
}

const ROOT = join(__dirname, '..');
/** V8's pseudo-frame for a thread waiting on the event loop. */
const IDLE = '(idle)';

/** The main thread's profile in dir (workers, such as the module loader's, write their own). */
export function findProfile(dir: string, pid: number): string {
  const mine = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && f.includes(`.${pid}.0.`));
  if (mine.length !== 1) throw new Error(`expected one CPU profile of process ${pid} in ${dir}, found ${mine.length}`);
  return join(dir, mine[0]!);
}

export function summarizeProfile(file: string, window: Window, limit = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byFunction = new Map<string, { function: string; where: string; us: number }>();
  let sampledUs = 0;
  let idleUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    // A sample stands for the time until the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    if (at < window.fromUs || at > window.toUs) continue;
    const frame = frames.get(profile.samples[i]!)!;
    sampledUs += us;
    if (frame.functionName === IDLE) {
      idleUs += us;
      continue;
    }
    // Lines of TypeScript files are those of tsx's output, not of the source: only JavaScript files get theirs.
    const where = !frame.url ? '' : frame.url.endsWith('.ts') ? shortUrl(frame.url) : `${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
    const name = frame.functionName || '(anonymous)';
    const key = `${name} ${where}`;
    const entry = byFunction.get(key) ?? { function: name, where, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const busyUs = sampledUs - idleUs;
  const top = [...byFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, limit)
    .map((e) => ({ function: e.function, where: e.where, ms: e.us / 1000, share: busyUs > 0 ? e.us / busyUs : 0 }));
  return { file, sampledMs: sampledUs / 1000, busyMs: busyUs / 1000, top };
}

/** `file:///…/repo/src/x.ts` → `src/x.ts`; inside node_modules, from the package on. */
function shortUrl(url: string): string {
  if (!url.startsWith('file://')) return url;
  const path = relative(ROOT, decodeURIComponent(new URL(url).pathname));
  const packageAt = path.lastIndexOf('node_modules/');
  return packageAt >= 0 ? path.slice(packageAt + 'node_modules/'.length) : path;
}
