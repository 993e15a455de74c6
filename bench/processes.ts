/**
 * Every process the bench starts goes through here, so that all of them are stopped when the
 * bench ends, fails or is interrupted: each start has a time limit, each stop a grace period
 * before SIGKILL, and an exit hook kills whatever is still running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';

const running = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface StartSpec {
  /** Shown in errors: "gateway (SQLite)", "bearerbox". */
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Where the process's stdout and stderr go. */
  logFile: string;
  /** Ready when a line of its output matches (the match is returned), or when this port accepts connections. */
  ready: RegExp | { port: number };
  timeoutMs: number;
}

export interface Started {
  child: ChildProcess;
  pid: number;
  /** The ready line's match; empty when readiness was a port. */
  match: string[];
}

export function startProcess(spec: StartSpec): Promise<Started> {
  const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
  const log = createWriteStream(spec.logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const error = new Error(`${spec.name} ${why} (its output: ${spec.logFile})`);
      if (child.pid === undefined) reject(error);
      else stopProcess(child).then(() => reject(error));
    };
    const succeed = (match: string[]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ child, pid: child.pid!, match });
    };
    const timer = setTimeout(() => fail(`was not ready after ${spec.timeoutMs} ms`), spec.timeoutMs);
    child.once('error', (err) => fail(`could not start: ${err.message}`));
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal}) before it was ready`));
    const ready = spec.ready;
    if (ready instanceof RegExp) {
      let seen = '';
      const scan = (chunk: Buffer) => {
        if (settled) return;
        seen = (seen + chunk.toString()).slice(-8192);
        const m = ready.exec(seen);
        if (m) succeed([...m]);
      };
      child.stdout!.on('data', scan);
      child.stderr!.on('data', scan);
    } else {
      const poll = async () => {
        while (!settled) {
          if (await accepts(ready.port)) return succeed([]);
          await sleep(100);
        }
      };
      void poll();
    }
  });
}

/** SIGTERM, then SIGKILL if the process is still there after graceMs. */
export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  // No pid: it never started.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((child) => stopProcess(child)));
}

/** Runs a command to its end within timeoutMs (killed after it) and returns its stdout; a non-zero exit is an error. */
export function runToEnd(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr!.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      running.delete(child);
      reject(new Error(`${name} could not start: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `${name} ended with ${code ?? signal}${signal === 'SIGKILL' ? ` (over its ${timeoutMs} ms limit)` : ''}: ${err.trim()}`,
          ),
        );
    });
  });
}

export interface Memory {
  /** Resident set size now, and its peak over the process's life (VmRSS, VmHWM), in MB. */
  rssMb: number;
  peakMb: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

/** A port nothing listens on now, for servers whose port is fixed in their configuration (Kannel). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
