import { timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import { isPool, type Pool } from '../core/accounts';
import type { Core } from '../core';
import { Failure } from '../core/failures';
import type { Vendor } from '../vendors/types';

/**
 * The admin HTTP API under /admin, behind a bearer token (ADMIN_TOKEN; unset disables it):
 *   POST /admin/accounts                 {username, password, balances?: {0?,1?,2?}}
 *   POST /admin/accounts/:username/topup {pool, amount}
 *   POST /admin/accounts/:username/route {route: [vendor, …]} (empty: the default route)
 *   POST /admin/replies                  {mobile, content, username?, extNo?}: as if a vendor received it
 *   GET  /admin/replies/unassigned       replies no account could be found for
 *   GET  /admin/vendors/:name/balance    the balance at the vendor
 */
export function adminRoutes(core: Core, vendors: Map<string, Vendor>, token: string): Middleware {
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
    if (ctx.method === 'GET') return adminReads(ctx, core, vendors);
    if (ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.body = { error: 'GET or POST only' };
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
    const route = /^\/admin\/accounts\/([^/]+)\/route$/.exec(ctx.path);

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
    } else if (route) {
      const names: unknown[] = Array.isArray(body.route) ? body.route : [null];
      if (!names.every((n): n is string => typeof n === 'string')) return bad(ctx, 'route must be a list of vendor names');
      const unknown = names.filter((n) => !vendors.has(n));
      if (unknown.length > 0)
        return bad(ctx, `not configured vendors: ${unknown.join(', ')} (configured: ${[...vendors.keys()].join(', ')})`);
      const account = await core.accounts.find(decodeURIComponent(route[1]!));
      if (!account) return bad(ctx, 'no such account', 404);
      await core.accounts.setRoute(account.id, names);
      ctx.body = { username: account.username, route: names };
    } else if (ctx.path === '/admin/replies') {
      if (!str('mobile') || !str('content')) return bad(ctx, 'mobile and content are required');
      const outcome = await core.replies.record({
        vendor: 'operator',
        mobile: str('mobile'),
        content: str('content'),
        username: str('username') || undefined,
        extNo: str('extNo') || null,
        at: new Date(),
      });
      ctx.status = 201;
      ctx.body = { result: outcome.result, receiver: outcome.result === 'repeated' ? null : outcome.reply.receiver || null };
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

async function adminReads(ctx: Context, core: Core, vendors: Map<string, Vendor>): Promise<void> {
  const balance = /^\/admin\/vendors\/([^/]+)\/balance$/.exec(ctx.path);
  if (ctx.path === '/admin/replies/unassigned') {
    const replies = await core.replies.unassigned();
    ctx.body = replies.map((r) => ({
      id: r.id,
      vendor: r.vendor,
      mobile: r.mobile,
      extNo: r.extNo,
      content: r.content,
      receivedAt: r.receivedAt,
    }));
  } else if (balance) {
    const vendor = vendors.get(decodeURIComponent(balance[1]!));
    if (!vendor) return bad(ctx, 'no such vendor', 404);
    if (!vendor.balance) return bad(ctx, `vendor ${vendor.name} has no balance call`, 404);
    try {
      ctx.body = { vendor: vendor.name, ...(await vendor.balance()) };
    } catch (err) {
      bad(ctx, `vendor ${vendor.name}: ${(err as Error).message}`, 502);
    }
  } else bad(ctx, 'no such admin call', 404);
}
