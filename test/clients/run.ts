/**
 * Small, generic helpers for tests that drive real SOAP client programs (mono, PHP, Python...):
 * run a command with a hard timeout, make a temp dir, skip-or-fail when a tool is missing,
 * record the exact bytes on the wire, and run dependent steps as subtests.
 */
import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';

export interface RunResult {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: Buffer;
  stderr: Buffer;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Kill the process (and its process group) after this many ms. Default 60 s. */
  timeoutMs?: number;
}

/** Spawns `cmd args` (no shell), captures stdout/stderr, kills it with SIGKILL on timeout. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const command = [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let child: ReturnType<typeof spawnPiped>;
    try {
      child = spawnPiped(cmd, args, opts);
    } catch (e) {
      resolve({ command, code: null, signal: null, timedOut, stdout: Buffer.alloc(0), stderr: Buffer.from(String(e)) });
      return;
    }
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => err.push(Buffer.from(`spawn error: ${e.message}\n`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ command, code, signal, timedOut, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

function spawnPiped(cmd: string, args: string[], opts: RunOptions) {
  // detached: its own process group, so a timeout kills whatever it started too
  return spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
}

/** A one-paragraph account of a finished command, for assertion messages. */
export function describeRun(r: RunResult): string {
  const status = r.timedOut ? 'timed out (killed)' : r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`;
  return `$ ${r.command}\n${status}\n--- stdout ---\n${r.stdout.toString('utf8')}--- stderr ---\n${r.stderr.toString('utf8')}`;
}

/**
 * Mono 6.8 now and then aborts while it tears its threads down after Main has returned (an assertion in
 * mono-threads.c, mono/mono#10832): whatever the program printed before is complete. Callers accept such a run
 * only when the program's own last line says it finished.
 */
export function monoAbortedAfterMain(r: RunResult): boolean {
  return (r.signal === 'SIGABRT' || r.code === 134) && r.stderr.toString('utf8').includes('mono-threads.c');
}

/** Runs a command and throws (with its output) unless it exits 0. */
export async function runOk(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`command failed\n${describeRun(r)}`);
  return r;
}

/** A fresh directory under os.tmpdir(); remove it with removeDir. */
export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** True when `cmd` is an executable file (absolute path) or found on PATH. */
export async function onPath(cmd: string): Promise<boolean> {
  const candidates = cmd.includes('/')
    ? [cmd]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, cmd));
  for (const c of candidates) {
    try {
      await access(c, fsConstants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/** True when at least one of the paths exists. */
export async function anyExists(paths: string[]): Promise<boolean> {
  for (const p of paths) {
    try {
      await access(p);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/**
 * A required tool is missing: in CI (process.env.CI set, where the tools are installed) that is a
 * failure; elsewhere the test is skipped with the message. Call as `return skipOrFail(t, msg)`.
 */
export function skipOrFail(t: TestContext, message: string): void {
  if (process.env.CI) throw new Error(`${message} (CI is expected to install it)`);
  t.skip(message);
}

export interface WireRecorder {
  /** The target URL with host and port replaced by the recorder's. */
  url: string;
  /** A position in the recording; transcript(mark) shows only the connections opened since. */
  mark(): number;
  /** Every byte of every connection opened since `from` (a mark), both directions, as text. */
  transcript(from: number): string;
  close(): Promise<void>;
}

/**
 * A transparent TCP relay in front of `target` (an http:// URL) that records every byte both ways,
 * so a failing test can show exactly what the client sent and what the server answered.
 */
export async function startWireRecorder(target: string): Promise<WireRecorder> {
  const t = new URL(target);
  const port = Number(t.port || 80);
  const conns: { up: Buffer[]; down: Buffer[] }[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const rec = { up: [] as Buffer[], down: [] as Buffer[] };
    conns.push(rec);
    const upstream = net.connect(port, t.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    }
    client.on('data', (d: Buffer) => {
      rec.up.push(d);
      upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      rec.down.push(d);
      client.write(d);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', (e) => {
      rec.down.push(Buffer.from(`\n[relay: upstream error ${e.message}]\n`));
      client.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(addr.port);
  const text = (bufs: Buffer[]): string => {
    const b = Buffer.concat(bufs);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(b);
    } catch {
      return `[not UTF-8; ${b.length} bytes, BASE64] ${b.toString('base64')}`;
    }
  };
  return {
    url: url.toString(),
    mark: () => conns.length,
    transcript(from) {
      return conns
        .slice(from)
        .map((c, i) => `=== connection ${from + i + 1}\n>>> client -> server\n${text(c.up)}\n<<< server -> client\n${text(c.down)}\n`)
        .join('');
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Runs dependent steps as subtests of t: once one fails, the rest are skipped. A failing step's
 * error carries the wire transcript of the connections it opened.
 */
export function stepper(t: TestContext, wire: WireRecorder) {
  let failed: string | undefined;
  return async (name: string, fn: () => Promise<void>): Promise<void> => {
    await t.test(name, async (st) => {
      if (failed) return st.skip(`step "${failed}" failed`);
      const mark = wire.mark();
      try {
        await fn();
      } catch (e) {
        failed = name;
        if (e instanceof Error) {
          const tr = wire.transcript(mark);
          if (tr) e.message += `\n--- wire (exact bytes of this step) ---\n${tr}`;
        }
        throw e;
      }
    });
  };
}
