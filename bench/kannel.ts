/**
 * Kannel (Debian package `kannel`), the anchor the gateway is compared with: bearerbox and smsbox on
 * loopback (started by test/support/kannel.ts), messages kept in a store file, and one `smsc = http`
 * connection delivering to the sink's /kannel route. Kannel refuses a message without a sender ("Sender
 * missing and no global set"), so every sendsms carries from=.
 */
import { findKannel as findBinaries, type KannelBinaries, startKannel as startBoxes } from '../test/support/kannel';
import { CONTENT, MOBILE } from './request';

const USER = 'bench';
const PASSWORD = 'bench';
const SENDER = '10086';

/** Where the Kannel binaries are, or null when Kannel is not installed. */
export const findKannel = findBinaries;

export interface Kannel {
  /** The sendsms URL of one message of CONTENT to these numbers (Kannel makes one message per number). */
  sendsmsUrl(to: readonly string[]): string;
  /** The sendsms URL the load sends: one message to MOBILE. */
  loadUrl: string;
  pids: { bearerbox: number; smsbox: number };
  stop(): Promise<void>;
}

export async function startKannel(binaries: KannelBinaries, sinkUrl: string, dir: string): Promise<Kannel> {
  const kannel = await startBoxes(binaries, {
    dir,
    smsc: { 'system-type': 'generic', 'send-url': `${sinkUrl}/kannel?to=%p`, 'status-success-regex': 'ok' },
    sendsmsUser: { username: USER, password: PASSWORD, 'max-messages': 1 },
    smsService: { keyword: 'default', text: 'nothing' },
  });
  const sendsmsUrl = (to: readonly string[]) =>
    `${kannel.smsboxUrl}/cgi-bin/sendsms?${new URLSearchParams({
      username: USER,
      password: PASSWORD,
      from: SENDER,
      to: to.join(' '),
      text: CONTENT,
      charset: 'UTF-8',
      coding: '2',
    })}`;
  return { sendsmsUrl, loadUrl: sendsmsUrl([MOBILE]), pids: kannel.pids, stop: kannel.stop };
}

/** What Kannel answers an accepted sendsms (HTTP 202). */
export const ACCEPTED = { status: 202, text: '0: Accepted for delivery' };
