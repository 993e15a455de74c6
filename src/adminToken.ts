import { timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';

/**
 * Whether a request carries `Authorization: Bearer <ADMIN_TOKEN>`, compared in constant time so the
 * answer's timing does not tell how much of a guess was right. An empty token authorizes no one.
 */
export function bearerTokenCheck(token: string): (ctx: Context) => boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  return (ctx) => {
    const given = Buffer.from(ctx.get('authorization'));
    return token !== '' && given.length === expected.length && timingSafeEqual(given, expected);
  };
}
