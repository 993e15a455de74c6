/**
 * Kannel (Debian package `kannel`), the anchor the gateway is compared with: bearerbox and smsbox on
 * loopback, messages kept in a store file, and one `smsc = http` connection delivering to the
 * sink's /kannel route. Kannel refuses a message without a sender ("Sender missing and no global
 * set"), so every sendsms carries from=.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type Started, startProcess, stopProcess } from './processes';
import { CONTENT, MOBILE } from './request';

const BINARIES = ['bearerbox', 'smsbox'] as const;
const USER = 'bench';
const PASSWORD = 'bench';
const SENDER = '10086';
const START_TIMEOUT_MS = 30_000;

/** Where the Kannel binaries are, or null when Kannel is not installed. */
export function findKannel(): Record<(typeof BINARIES)[number], string> | null {
  const dirs = ['/usr/sbin', '/usr/local/sbin', ...(process.env.PATH ?? '').split(':').filter(Boolean)];
  const found: Partial<Record<(typeof BINARIES)[number], string>> = {};
  for (const name of BINARIES) {
    const dir = dirs.find((d) => existsSync(join(d, name)));
    if (!dir) return null;
    found[name] = join(dir, name);
  }
  return found as Record<(typeof BINARIES)[number], string>;
}

export interface Kannel {
  /** The sendsms URL of one message of CONTENT to these numbers (Kannel makes one message per number). */
  sendsmsUrl(to: readonly string[]): string;
  /** The sendsms URL the load sends: one message to MOBILE. */
  loadUrl: string;
  pids: { bearerbox: number; smsbox: number };
  stop(): Promise<void>;
}

export async function startKannel(binaries: Record<(typeof BINARIES)[number], string>, sinkUrl: string, dir: string): Promise<Kannel> {
  mkdirSync(join(dir, 'store'), { recursive: true });
  const [adminPort, boxPort, sendsmsPort, smscPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const conf = join(dir, 'kannel.conf');
  writeFileSync(conf, config({ dir, sinkUrl, adminPort, boxPort, sendsmsPort, smscPort }));
  const started: Started[] = [];
  const stop = async () => {
    for (const p of [...started].reverse()) await stopProcess(p.child);
  };
  try {
    const spec = { args: [conf], env: { PATH: process.env.PATH }, timeoutMs: START_TIMEOUT_MS };
    started.push(
      await startProcess({
        ...spec,
        name: 'bearerbox',
        command: binaries.bearerbox,
        logFile: join(dir, 'bearerbox.out'),
        ready: { port: boxPort },
      }),
    );
    started.push(
      await startProcess({
        ...spec,
        name: 'smsbox',
        command: binaries.smsbox,
        logFile: join(dir, 'smsbox.out'),
        ready: { port: sendsmsPort },
      }),
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const sendsmsUrl = (to: readonly string[]) =>
    `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms?${new URLSearchParams({
      username: USER,
      password: PASSWORD,
      from: SENDER,
      to: to.join(' '),
      text: CONTENT,
      charset: 'UTF-8',
      coding: '2',
    })}`;
  return {
    sendsmsUrl,
    loadUrl: sendsmsUrl([MOBILE]),
    pids: { bearerbox: started[0]!.pid, smsbox: started[1]!.pid },
    stop,
  };
}

/** What Kannel answers an accepted sendsms (HTTP 202). */
export const ACCEPTED = { status: 202, text: '0: Accepted for delivery' };

function config(c: { dir: string; sinkUrl: string; adminPort: number; boxPort: number; sendsmsPort: number; smscPort: number }): string {
  // log-level 2 (warnings): at 1 smsbox writes a line per sendsms, a cost the gateway does not pay.
  return `group = core
admin-port = ${c.adminPort}
admin-password = ${PASSWORD}
smsbox-port = ${c.boxPort}
log-level = 2
log-file = "${join(c.dir, 'bearerbox.log')}"
box-allow-ip = "127.0.0.1"
admin-allow-ip = "127.0.0.1"
store-type = file
store-location = "${join(c.dir, 'store', 'store.dat')}"
dlr-storage = internal

group = smsc
smsc = http
smsc-id = sink
system-type = generic
send-url = "${c.sinkUrl}/kannel?to=%P"
port = ${c.smscPort}
connect-allow-ip = "127.0.0.1"
status-success-regex = "ok"

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = ${c.sendsmsPort}
log-file = "${join(c.dir, 'smsbox.log')}"
log-level = 2

group = sendsms-user
username = ${USER}
password = ${PASSWORD}
max-messages = 1

group = sms-service
keyword = default
text = "nothing"
`;
}
