import { randomBytes } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import { callerIp } from './callerIp';
import type { Logger } from './logger';

/** An id a caller or a proxy in front of the gateway sent in X-Request-Id that is kept as it is. */
const GIVEN_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * Request ids: this process's random prefix and a counter, unique across nodes without a lookup
 * and cheaper than a random id per request.
 */
export function requestIds(): () => string {
  const prefix = randomBytes(6).toString('hex');
  let next = 0;
  return () => `${prefix}-${(++next).toString(36)}`;
}

/**
 * One JSON line per request (method, path, status, duration, caller; `done` is told the duration
 * too, for the metrics), with its request id: the
 * caller's X-Request-Id when it sent a usable one, else a new one, answered in X-Request-Id. The id
 * goes with the rows a send stores (send.request_id), so the vendor call that carries them and the
 * reports applied to them log it too (dispatcher.ts, reports.ts).
 */
export function requestLog(log: Logger, done: (ctx: Context, seconds: number) => void): Middleware {
  const newId = requestIds();
  return async function logRequest(ctx, next) {
    const started = performance.now();
    const given = ctx.get('x-request-id');
    const id = GIVEN_ID.test(given) ? given : newId();
    ctx.state.requestId = id;
    ctx.set('X-Request-Id', id);
    try {
      await next();
    } finally {
      const seconds = (performance.now() - started) / 1000;
      done(ctx, seconds);
      log.info(
        { req: id, method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(seconds * 1e5) / 100, ip: callerIp(ctx) },
        'request',
      );
    }
  };
}
