import { connect, errors, PDU, type Session } from 'smpp';
import type { Logger } from '../../logger';

/** SMPP 3.4 interface_version of bind_transceiver (5.2.4). */
const INTERFACE_VERSION = 0x34;
/** How long stop() waits for the SMSC's unbind_resp before it closes the connection anyway. */
const UNBIND_WAIT_MS = 1000;

const STATUS_NAMES = new Map(Object.entries(errors).map(([name, code]) => [code, name]));

/** A command_status as support reads it: `ESME_RTHROTTLED (0x58)`. */
export function statusName(status: number): string {
  return `${STATUS_NAMES.get(status) ?? 'command_status'} (0x${status.toString(16)})`;
}

export interface EsmeOptions {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  /** submit_sm sent and not yet answered, at most. */
  window: number;
  enquireLinkMs: number;
  responseTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  throttleBackoffMs: number;
  throttleBackoffMaxMs: number;
}

/**
 * One long-lived bind_transceiver session to the SMSC: connects on start, binds with our system_id, password and
 * system_type, keeps the link alive with enquire_link (an unanswered one drops the connection), and connects again with
 * a doubling delay whenever the connection closes or the bind is refused. Requests wait for a bound session and a free
 * place in the window; a throttling answer pauses every request of the session (slowDown) for a doubling while.
 * PDUs the SMSC sends (deliver_sm) go to `onDeliver`, whose command_status is the deliver_sm_resp's.
 */
export class EsmeSession {
  private session: Session | null = null;
  private bound = false;
  private stopped = true;
  /** Why the session is not bound now, for the rows that wait in vain. */
  private notBound = 'not connected yet';
  private outstanding = 0;
  private readonly pending = new Map<number, (err: Error) => void>();
  private readonly wakers = new Set<() => void>();
  private reconnectMs: number;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private enquireTimer: NodeJS.Timeout | null = null;
  private pausedUntil = 0;
  private throttleMs = 0;

  constructor(
    private readonly options: EsmeOptions,
    private readonly onDeliver: (pdu: PDU) => Promise<number>,
    private readonly log: Logger,
  ) {
    this.reconnectMs = options.reconnectMinMs;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /**
   * Sends one request once the session is bound, the window has room and no throttling pause holds; resolves with the
   * SMSC's response whatever its command_status. Rejects when `deadline` passes first, when no response comes within
   * responseTimeoutMs, or when the connection closes before the response: then nothing is known of the request.
   */
  async request(command: string, params: Record<string, unknown>, deadline: number): Promise<PDU> {
    // Checked and taken with no await between, or requests woken together would all take the last place.
    while (!(this.bound && this.outstanding < this.options.window && Date.now() >= this.pausedUntil)) {
      await this.change(deadline, () =>
        !this.bound
          ? this.notBound
          : Date.now() < this.pausedUntil
            ? 'throttled by the SMSC'
            : `the window of ${this.options.window} is full`,
      );
    }
    const session = this.session!;
    this.outstanding++;
    try {
      return await new Promise<PDU>((resolve, reject) => {
        const pdu = new PDU(command, params);
        const timer = setTimeout(
          () => fail(new Error(`no ${command}_resp within ${this.options.responseTimeoutMs} ms`)),
          this.options.responseTimeoutMs,
        );
        const fail = (err: Error) => {
          clearTimeout(timer);
          this.pending.delete(pdu.sequence_number);
          reject(err);
        };
        const sent = session.send(pdu, (response) => {
          clearTimeout(timer);
          this.pending.delete(pdu.sequence_number);
          resolve(response);
        });
        if (!sent) return fail(new Error('the connection to the SMSC is closed'));
        this.pending.set(pdu.sequence_number, fail);
      });
    } finally {
      this.outstanding--;
      this.wake();
    }
  }

  /** The SMSC asked us to slow down: every request waits, longer each time until a submit is taken again (eased). */
  slowDown(): void {
    // Submits answered while a pause holds were sent before it: the pause covers them, it does not grow with each.
    if (Date.now() < this.pausedUntil) return;
    const { throttleBackoffMs, throttleBackoffMaxMs } = this.options;
    this.throttleMs = Math.min(this.throttleMs === 0 ? throttleBackoffMs : this.throttleMs * 2, throttleBackoffMaxMs);
    this.pausedUntil = Date.now() + this.throttleMs;
    this.log.info({ pauseMs: this.throttleMs }, 'SMSC throttling: submits paused');
  }

  /** A submit was taken: the next throttling starts from the first pause again. */
  eased(): void {
    this.throttleMs = 0;
  }

  /** Unbinds (waiting briefly for unbind_resp) and closes; no reconnect follows. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const session = this.session;
    if (!session) return;
    if (this.bound) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, UNBIND_WAIT_MS);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        if (!session.unbind({}, done)) done();
      });
    }
    await new Promise<void>((resolve) => {
      if (session.socket.destroyed) return resolve();
      session.destroy(() => resolve());
    });
  }

  private connect(): void {
    const { host, port } = this.options;
    const session = connect({ host, port });
    this.session = session;
    session.on('connect', () => this.bind(session));
    session.on('error', (err: Error) => {
      this.notBound = `SMSC ${host}:${port}: ${err.message}`;
      this.log.warn({ err: err.message }, 'SMPP connection error');
    });
    session.on('close', () => this.closed(session));
    session.on('pdu', (pdu: PDU) => this.received(session, pdu));
  }

  private bind(session: Session): void {
    const { systemId, password, systemType, responseTimeoutMs } = this.options;
    const timer = setTimeout(() => {
      this.notBound = `no bind_transceiver_resp within ${responseTimeoutMs} ms`;
      session.destroy();
    }, responseTimeoutMs);
    session.bind_transceiver({ system_id: systemId, password, system_type: systemType, interface_version: INTERFACE_VERSION }, (pdu) => {
      clearTimeout(timer);
      if (pdu.command_status !== 0) {
        this.notBound = `bind_transceiver refused: ${statusName(pdu.command_status)}`;
        this.log.error({ status: statusName(pdu.command_status) }, 'SMSC refused our bind');
        session.destroy();
        return;
      }
      this.bound = true;
      this.reconnectMs = this.options.reconnectMinMs;
      this.log.info({ systemId }, 'SMPP session bound');
      this.enquireTimer = setInterval(() => this.enquireLink(session), this.options.enquireLinkMs);
      this.wake();
    });
  }

  /** Keep-alive; an SMSC that does not answer within responseTimeoutMs is taken for gone and the connection dropped. */
  private enquireLink(session: Session): void {
    const timer = setTimeout(() => {
      this.log.warn('no enquire_link_resp: reconnecting');
      session.destroy();
    }, this.options.responseTimeoutMs);
    session.enquire_link({}, () => clearTimeout(timer));
  }

  private received(session: Session, pdu: PDU): void {
    if (pdu.isResponse()) return;
    switch (pdu.command) {
      case 'deliver_sm':
        // After the answers read with it have resumed their submits (a receipt may come in the resp's own segment,
        // and its message id must be known as a part of its message first); setImmediate keeps the order.
        setImmediate(() => this.deliver(session, pdu));
        return;
      case 'enquire_link':
        session.send(pdu.response());
        return;
      case 'unbind':
        this.notBound = 'the SMSC unbound';
        session.send(pdu.response());
        session.close();
        return;
      default:
        session.send(pdu.response({ command_status: errors.ESME_RINVCMDID }));
    }
  }

  private deliver(session: Session, pdu: PDU): void {
    void this.onDeliver(pdu).then(
      (status) => session.send(pdu.response({ command_status: status })),
      (err: unknown) => {
        // Not stored: a temporary error, so the SMSC delivers it again (SMPP 3.4, 5.1.3: ESME_RX_T_APPN).
        this.log.error({ err }, 'deliver_sm not stored; the SMSC is asked to deliver it again');
        session.send(pdu.response({ command_status: errors.ESME_RX_T_APPN }));
      },
    );
  }

  private closed(session: Session): void {
    if (this.session !== session) return;
    if (this.enquireTimer) clearInterval(this.enquireTimer);
    this.enquireTimer = null;
    if (this.bound) this.notBound = 'the connection to the SMSC closed';
    this.bound = false;
    this.session = null;
    for (const fail of [...this.pending.values()]) fail(new Error('the connection to the SMSC closed before its answer'));
    if (this.stopped) return;
    const delay = this.reconnectMs;
    this.reconnectMs = Math.min(this.reconnectMs * 2, this.options.reconnectMaxMs);
    this.log.warn({ reconnectInMs: delay, reason: this.notBound }, 'SMPP session lost');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  /** Waits for a change of the session, or the end of a throttling pause; throws once `deadline` has passed, with `why`. */
  private async change(deadline: number, why: () => string): Promise<void> {
    const left = deadline - Date.now();
    if (left <= 0 || this.stopped) throw new Error(this.stopped ? 'the SMPP session is stopped' : why());
    const pause = this.pausedUntil - Date.now();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, pause > 0 ? Math.min(pause, left) : left);
      this.wakers.add(done);
    });
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}
