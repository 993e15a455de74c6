import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

/** Equal strings, compared in constant time: a secret guessed a byte at a time learns nothing from the answer's timing. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Whether a request carries `Authorization: Bearer <ADMIN_TOKEN>` (compared as sameSecret). An empty token authorizes no one. */
export function bearerTokenCheck(token: string): (ctx: Context) => boolean {
  const expected = `Bearer ${token}`;
  return (ctx) => token !== '' && sameSecret(ctx.get('authorization'), expected);
}
