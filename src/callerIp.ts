import type { Context } from 'koa';

/**
 * The caller's address as legacy columns and allow-lists hold it: IPv4 callers reach a
 * dual-stack socket as ::ffff:a.b.c.d, written a.b.c.d. Behind TRUST_PROXY it is X-Forwarded-For's.
 */
export function callerIp(ctx: Context): string {
  return ctx.ip.replace(/^::ffff:/, '');
}
