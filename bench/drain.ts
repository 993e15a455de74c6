/**
 * The drain: how fast a system empties a backlog of single-recipient messages into the sink. The
 * sink is paused, the backlog submitted (numbers in calls of CALL_SIZE, each number its own
 * message), then the sink released: the rate is the backlog over the time from release to its
 * last message at the sink. The system sits idle with an empty queue before it starts.
 */
import type { Window } from './clock';
import type { Channel, Sink } from './sink';
import { sleep } from './processes';
import { mobiles } from './request';

/** Numbers per submitting call: a backlog of thousands is queued in seconds by either system. */
const CALL_SIZE = 100;
const CALLS_IN_FLIGHT = 4;
/** Under the gateway vendor's 30 s call limit: the requests the paused sink holds must not time out. */
const FILL_TIMEOUT_MS = 25_000;
const DRAIN_TIMEOUT_MS = 180_000;
/** How long a delivered count must stay still for the system to count as idle, and the most to wait for that. */
const IDLE_MS = 1500;
const IDLE_TIMEOUT_MS = 120_000;
/** After the backlog is in: how long the held requests must stop growing (once there are some), and the most to wait. */
const HELD_STILL_MS = 500;
const HELD_TIMEOUT_MS = 5000;

export interface DrainRun {
  messages: number;
  /** From release to the last message of the backlog at the sink. */
  seconds: number;
  perSecond: number;
  fillSeconds: number;
  /** Requests the system had in flight, held by the paused sink, when it was released. */
  heldAtRelease: number;
  /** Messages the sink received beyond the backlog (a repeat would show here). */
  extra: number;
  /** Release and last message, in monotonic microseconds (to select profile samples). */
  window: Window;
}

export async function measureDrain(
  sink: Sink,
  channel: Channel,
  messages: number,
  submit: (to: string[]) => Promise<void>,
): Promise<DrainRun> {
  await waitForIdle(channel);
  const base = channel.delivered;
  const numbers = mobiles(messages);
  const calls: string[][] = [];
  for (let i = 0; i < numbers.length; i += CALL_SIZE) calls.push(numbers.slice(i, i + CALL_SIZE));
  sink.pause();
  let released = false;
  try {
    const fillStarted = Date.now();
    await withTimeout(
      `submitting the backlog of ${messages} messages`,
      FILL_TIMEOUT_MS,
      inParallel(calls, CALLS_IN_FLIGHT, (to) => submit(to)),
    );
    const fillSeconds = (Date.now() - fillStarted) / 1000;
    await waitForHeldRequests(sink);
    const heldAtRelease = sink.heldRequests;
    const last = channel.reached(base + messages);
    const fromUs = sink.release();
    released = true;
    const toUs = await withTimeout(`draining ${messages} messages`, DRAIN_TIMEOUT_MS, last);
    // A short wait shows anything sent twice.
    await sleep(500);
    const seconds = (toUs - fromUs) / 1e6;
    return {
      messages,
      seconds,
      perSecond: messages / seconds,
      fillSeconds,
      heldAtRelease,
      extra: channel.delivered - base - messages,
      window: { fromUs, toUs },
    };
  } finally {
    if (!released) sink.release();
  }
}

/** Until the channel's delivered count has not moved for IDLE_MS: what the load left queued is out. */
async function waitForIdle(channel: Channel): Promise<void> {
  const deadline = Date.now() + IDLE_TIMEOUT_MS;
  let count = channel.delivered;
  let still = Date.now();
  while (Date.now() - still < IDLE_MS) {
    if (Date.now() > deadline) throw new Error(`still delivering what the load left after ${IDLE_TIMEOUT_MS} ms`);
    await sleep(100);
    if (channel.delivered !== count) {
      count = channel.delivered;
      still = Date.now();
    }
  }
}

/**
 * Until the system's requests to the paused sink stop growing: it has started on the backlog and
 * waits for the vendor with its usual number of requests in flight, so both systems are released
 * from the same state.
 */
async function waitForHeldRequests(sink: Sink): Promise<void> {
  const deadline = Date.now() + HELD_TIMEOUT_MS;
  let held = sink.heldRequests;
  let since = Date.now();
  while ((held === 0 || Date.now() - since < HELD_STILL_MS) && Date.now() < deadline) {
    await sleep(50);
    if (sink.heldRequests !== held) {
      held = sink.heldRequests;
      since = Date.now();
    }
  }
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function withTimeout<T>(what: string, ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
