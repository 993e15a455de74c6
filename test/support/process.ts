import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * Starts a TypeScript server script of the project (`src/cli.ts serve`, `bench/baseline.ts`) in a
 * process of its own and resolves with the URL it listens on: the gateway's JSON log line carries
 * it as "url", a plain script prints `listening <url>`.
 */
export function startServerProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: join(__dirname, '..', '..'),
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening (http:\/\/\S+)|"url":"(http:[^"]+)"/.exec(out);
      if (url) resolve({ child, url: url[1] ?? url[2]! });
    });
    child.once('exit', (code, signal) => reject(new Error(`${args.join(' ')} exited (${code ?? signal}) before listening: ${out}`)));
  });
}

export function stopServerProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The environment of a gateway process on this database: loopback, any free port, the demo account, the simulator delivering all. */
export function gatewayProcessEnv(databaseUrl: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    DEMO_ACCOUNT: 'true',
    LOG_LEVEL: 'info',
    SIMULATOR_DELAY_MS: '20',
    SIMULATOR_SUCCESS_RATIO: '1',
    ...extra,
  };
}
