import { timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import { isPool, type Pool } from '../core/accounts';
import type { Core } from '../core';
import { Failure } from '../core/failures';
import type { SimulatorVendor } from '../vendors/simulator';

/**
 * The admin HTTP API under /admin, behind a bearer token (ADMIN_TOKEN; unset disables it):
 *   POST /admin/accounts                 {username, password, balances?: {0?,1?,2?}}
 *   POST /admin/accounts/:username/topup {pool, amount}
 *   POST /admin/simulator/replies        {mobile, content, username?}
 */
export function adminRoutes(core: Core, simulator: SimulatorVendor, token: string): Middleware {
  const expected = Buffer.from(`Bearer ${token}`);
  const authorized = (ctx: Context) => {
    const given = Buffer.from(ctx.get('authorization'));
    return token !== '' && given.length === expected.length && timingSafeEqual(given, expected);
  };

  return async function admin(ctx, next) {
    if (!ctx.path.startsWith('/admin/')) return next();
    if (!authorized(ctx)) {
      ctx.status = token ? 401 : 404;
      ctx.body = { error: token ? 'missing or wrong admin token' : 'the admin API is disabled (set ADMIN_TOKEN)' };
      return;
    }
    if (ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.body = { error: 'POST only' };
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse((await getRawBody(ctx.req, { limit: 64 * 1024, encoding: 'utf8' })) || '{}');
    } catch {
      ctx.status = 400;
      ctx.body = { error: 'the body must be JSON' };
      return;
    }
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const topup = /^\/admin\/accounts\/([^/]+)\/topup$/.exec(ctx.path);

    if (ctx.path === '/admin/accounts') {
      if (!str('username') || !str('password')) return bad(ctx, 'username and password are required');
      if (await core.accounts.find(str('username'))) return bad(ctx, 'an account with this username exists', 409);
      const balances = (body.balances ?? {}) as Partial<Record<Pool, number>>;
      const account = await core.accounts.create(str('username'), str('password'), balances);
      ctx.status = 201;
      ctx.body = { id: account.id, username: account.username };
    } else if (topup) {
      const pool = Number(body.pool);
      const amount = Number(body.amount);
      if (!isPool(pool) || !Number.isInteger(amount) || amount === 0)
        return bad(ctx, 'pool must be 0, 1 or 2 and amount a non-zero whole number');
      const account = await core.accounts.find(decodeURIComponent(topup[1]!));
      if (!account) return bad(ctx, 'no such account', 404);
      try {
        ctx.body = { pool, remaining: await core.accounts.adjust(account.id, pool, amount, 'topup', 'admin', null, str('notes') || null) };
      } catch (err) {
        if (err instanceof Failure) return bad(ctx, err.message, 409);
        throw err;
      }
    } else if (ctx.path === '/admin/simulator/replies') {
      if (!str('mobile') || !str('content')) return bad(ctx, 'mobile and content are required');
      const reply = await simulator.injectReply(str('mobile'), str('content'), str('username') || undefined);
      if (!reply) return bad(ctx, 'no account for this reply: name a username, or send to the number first', 404);
      ctx.status = 201;
      ctx.body = { queued: true };
    } else {
      ctx.status = 404;
      ctx.body = { error: 'no such admin call' };
    }
  };
}

function bad(ctx: Context, error: string, status = 400): void {
  ctx.status = status;
  ctx.body = { error };
}
