import type { Context } from 'koa';

/**
 * The caller's address as legacy columns and allow-lists hold it: IPv4 callers reach a
 * dual-stack socket as ::ffff:a.b.c.d, written a.b.c.d. Behind TRUST_PROXY it is X-Forwarded-For's.
 */
export function callerIp(ctx: Context): string {
  return ctx.ip.replace(/^::ffff:/, '');
}

/** Who is calling, for the core: the address (kept with every message, checked against allow-lists) and the request's id (requestLog.ts), kept with the rows it sends. */
export interface Caller {
  ip: string;
  requestId: string | null;
}

export function callerOf(ctx: Context): Caller {
  return { ip: callerIp(ctx), requestId: (ctx.state.requestId as string | undefined) ?? null };
}
