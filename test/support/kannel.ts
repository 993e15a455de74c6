/**
 * A real Kannel (Debian package `kannel`) on loopback, for the bench and the kannel adapter's test: bearerbox and
 * smsbox started from one generated configuration, with one `smsc = http` connection, one sendsms user and one
 * sms-service as the caller describes them, stopped by stop(). Every port is a free one picked here.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Started, startProcess, stopProcess } from '../../bench/processes';

const BINARIES = ['bearerbox', 'smsbox'] as const;
export type KannelBinaries = Record<(typeof BINARIES)[number], string>;
const START_TIMEOUT_MS = 30_000;

/** Where the Kannel binaries are, or null when Kannel is not installed. */
export function findKannel(): KannelBinaries | null {
  const dirs = ['/usr/sbin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  const found: Partial<KannelBinaries> = {};
  for (const name of BINARIES) {
    const dir = dirs.find((d) => existsSync(join(d, name)));
    if (!dir) return null;
    found[name] = join(dir, name);
  }
  return found as KannelBinaries;
}

/** A configuration group's variables: strings are written quoted, numbers as they are. */
export type KannelGroup = Record<string, string | number>;

export interface KannelSpec {
  /** Where the configuration, the message store and the logs go. */
  dir: string;
  /** The `smsc = http` group's own variables (system-type, send-url, regexes …); smsc, smsc-id and port are added. */
  smsc: KannelGroup;
  /** The `sendsms-user` group. */
  sendsmsUser: KannelGroup;
  /** The `sms-service` group, for messages from handsets. */
  smsService: KannelGroup;
  /** bearerbox and smsbox log-level: 0 debug … 2 warnings (the default: at 1 smsbox writes a line per sendsms). */
  logLevel?: number;
}

export interface Kannel {
  /** smsbox's base URL: `<url>/cgi-bin/sendsms` takes messages. */
  smsboxUrl: string;
  /** Where the HTTP SMSC connection takes DLRs and messages from handsets (its `port`). */
  smscUrl: string;
  /** The smsc-id of the one connection. */
  smscId: string;
  pids: { bearerbox: number; smsbox: number };
  stop(): Promise<void>;
}

const SMSC_ID = 'upstream-smsc';
const ADMIN_PASSWORD = 'kannel-admin';

export async function startKannel(binaries: KannelBinaries, spec: KannelSpec): Promise<Kannel> {
  const { dir } = spec;
  mkdirSync(join(dir, 'store'), { recursive: true });
  const [adminPort, boxPort, sendsmsPort, smscPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const logLevel = spec.logLevel ?? 2;
  const conf = join(dir, 'kannel.conf');
  writeFileSync(
    conf,
    [
      group('core', {
        'admin-port': adminPort,
        'admin-password': ADMIN_PASSWORD,
        'smsbox-port': boxPort,
        'log-level': logLevel,
        'log-file': join(dir, 'bearerbox.log'),
        'box-allow-ip': '127.0.0.1',
        'admin-allow-ip': '127.0.0.1',
        'store-type': 'file',
        'store-location': join(dir, 'store', 'store.dat'),
        'dlr-storage': 'internal',
      }),
      group('smsc', { smsc: 'http', 'smsc-id': SMSC_ID, port: smscPort, 'connect-allow-ip': '127.0.0.1', ...spec.smsc }),
      group('smsbox', {
        'bearerbox-host': '127.0.0.1',
        'sendsms-port': sendsmsPort,
        'log-file': join(dir, 'smsbox.log'),
        'log-level': logLevel,
      }),
      group('sendsms-user', spec.sendsmsUser),
      group('sms-service', spec.smsService),
    ].join('\n'),
  );
  const started: Started[] = [];
  const stop = async () => {
    for (const p of [...started].reverse()) await stopProcess(p.child);
  };
  try {
    const base = { args: [conf], env: { PATH: process.env.PATH }, timeoutMs: START_TIMEOUT_MS };
    for (const [name, port] of [
      ['bearerbox', boxPort],
      ['smsbox', sendsmsPort],
    ] as const) {
      started.push(await startProcess({ ...base, name, command: binaries[name], logFile: join(dir, `${name}.out`), ready: { port } }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    smsboxUrl: `http://127.0.0.1:${sendsmsPort}`,
    smscUrl: `http://127.0.0.1:${smscPort}`,
    smscId: SMSC_ID,
    pids: { bearerbox: started[0]!.pid, smsbox: started[1]!.pid },
    stop,
  };
}

function group(name: string, variables: KannelGroup): string {
  const lines = Object.entries(variables).map(([key, value]) => `${key} = ${typeof value === 'number' ? value : JSON.stringify(value)}`);
  return `group = ${name}\n${lines.join('\n')}\n`;
}
