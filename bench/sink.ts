/**
 * The local HTTP sink both systems deliver to, answering like a vendor: Kannel's HTTP SMSC on
 * /kannel (answer `ok`, its status-success-regex), a gateway's `type: http` vendor on
 * /vendor/<gateway>/send (answer `ok <message id>`), whose delivery reports it hands out once on
 * /vendor/<gateway>/reports, as a polled vendor does; each gateway process has its own <gateway>
 * name, so none is handed reports of messages another one sent. The sink runs in the bench
 * process, which is idle while the systems work, and counts every message when it answers for it.
 *
 * onVendorSend() tells a listener each gateway send's numbers and when its request arrived, for a
 * bench that times single messages (the pick-up latency) rather than counts them.
 *
 * pause() holds every delivery request unanswered, so each system builds up a backlog it cannot
 * send (it keeps its usual number of requests in flight, waiting); release() answers them and
 * lets the drain begin.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monotonicUs } from './clock';

/** Most report lines one poll hands out. */
const REPORTS_PER_POLL = 5000;

/** One system's deliveries. */
export class Channel {
  delivered = 0;
  private waiters: { count: number; resolve: (atUs: number) => void }[] = [];

  /** Resolves with the time the delivered count reaches `count`. */
  reached(count: number): Promise<number> {
    if (this.delivered >= count) return Promise.resolve(monotonicUs());
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  answered(messages: number): void {
    this.delivered += messages;
    const now = monotonicUs();
    this.waiters = this.waiters.filter((w) => {
      if (this.delivered < w.count) return true;
      w.resolve(now);
      return false;
    });
  }
}

export class Sink {
  readonly kannel = new Channel();
  readonly vendor = new Channel();
  private paused = false;
  private held: (() => void)[] = [];
  private reports = new Map<string, string[]>();
  private nextId = 0;
  private sendListeners: ((mobiles: string[], arrivedUs: number) => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Sink> {
    let sink: Sink | undefined;
    const server = createServer((req, res) => sink!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    sink = new Sink(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return sink;
  }

  /** Calls `listener` with the numbers of every gateway send and the time its request arrived, on the bench's clock. */
  onVendorSend(listener: (mobiles: string[], arrivedUs: number) => void): void {
    this.sendListeners.push(listener);
  }

  pause(): void {
    this.paused = true;
  }

  /** Answers the held requests and delivers again; returns the time it did. */
  release(): number {
    const at = monotonicUs();
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const answer of held) answer();
    return at;
  }

  /** Delivery requests waiting for release(). */
  get heldRequests(): number {
    return this.held.length;
  }

  close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const arrivedUs = monotonicUs();
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname === '/kannel') {
      this.deliver(this.kannel, res, 1, 'ok');
      return;
    }
    const [, gateway, action] = /^\/vendor\/([\w-]+)\/(send|reports)$/.exec(url.pathname) ?? [];
    if (gateway && action === 'send' && req.method === 'POST') {
      readBody(req).then(
        (body) => {
          const mobiles = (new URLSearchParams(body).get('mobile') ?? '').split(',').filter(Boolean);
          for (const listener of this.sendListeners) listener(mobiles, arrivedUs);
          const id = `s${++this.nextId}`;
          this.deliver(this.vendor, res, mobiles.length, `ok ${id}`, () => {
            const queue = this.reports.get(gateway) ?? [];
            for (const mobile of mobiles) queue.push(`${id},${mobile},DELIVRD`);
            this.reports.set(gateway, queue);
          });
        },
        () => res.destroy(),
      );
    } else if (gateway && action === 'reports') {
      res.end((this.reports.get(gateway) ?? []).splice(0, REPORTS_PER_POLL).join('\n'));
    } else {
      res.statusCode = 404;
      res.end();
    }
  }

  private deliver(channel: Channel, res: ServerResponse, messages: number, answer: string, then?: () => void): void {
    const respond = () => {
      channel.answered(messages);
      then?.();
      res.end(answer);
    };
    if (this.paused) this.held.push(respond);
    else respond();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
