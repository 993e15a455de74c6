import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import { bearerTokenCheck } from '../adminToken';
import { AccountError, checkRoute, type Pool } from '../core/accounts';
import type { Core } from '../core';
import { Failure } from '../core/failures';
import type { BreakerStatus } from '../dispatch/breakers';
import type { Vendor } from '../vendors/types';

/**
 * The admin HTTP API under /admin, behind a bearer token (ADMIN_TOKEN; unset disables it):
 *   POST /admin/accounts                 {username, password, balances?: {0?,1?,2?}}
 *   POST /admin/accounts/:username/topup {pool, amount}
 *   POST /admin/accounts/:username/route {route: [vendor, …]} (empty: the default route)
 *   POST /admin/replies                  {mobile, content, username?, extNo?}: as if a vendor received it
 *   GET  /admin/replies/unassigned       replies no account could be found for
 *   POST /admin/accounts/:username/require-signature {required: boolean}: texts must carry 【…】
 *   POST /admin/accounts/:username/push  {kind: mr|mo|ums-reply, url|null}: push reports or replies
 *   POST /admin/accounts/:username/number-limits {limits: "juhe"|"none"|"1/30s,2/1m,…", scope?: codes|all}
 *   GET  /admin/audit/words              the forbidden words [{word, username|null}]
 *   POST /admin/audit/words              {word, username?}: forbid a word (for one account if named)
 *   POST /admin/audit/words/remove       {word, username?}
 *   POST /admin/audit/check              {content, username?}: {ok} or {ok: false, reason, detail}
 *   GET  /admin/vendors/:name/balance    the balance at the vendor
 *   GET  /admin/vendors                  each vendor's breaker on this node: [{vendor, state, since, lastFailure}]
 *   POST /admin/vendors/:name/templates  a template vendor's list fetched again now: {vendor, templates} (every
 *                                        pattern it now tries), 502 with the error when the platform did not answer
 */
export function adminRoutes(core: Core, vendors: Map<string, Vendor>, token: string, breakers: () => BreakerStatus[]): Middleware {
  const authorized = bearerTokenCheck(token);

  return async function admin(ctx, next) {
    if (!ctx.path.startsWith('/admin/')) return next();
    if (!authorized(ctx)) {
      ctx.status = token ? 401 : 404;
      ctx.body = { error: token ? 'missing or wrong admin token' : 'the admin API is disabled (set ADMIN_TOKEN)' };
      return;
    }
    if (ctx.method === 'GET') return adminReads(ctx, core, vendors, breakers);
    if (ctx.method !== 'POST') {
      ctx.status = 405;
      ctx.body = { error: 'GET or POST only' };
      return;
    }
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse((await getRawBody(ctx.req, { limit: 64 * 1024, encoding: 'utf8' })) || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      body = parsed as Record<string, unknown>;
    } catch {
      return bad(ctx, 'the body must be a JSON object');
    }
    const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
    const topup = /^\/admin\/accounts\/([^/]+)\/topup$/.exec(ctx.path);
    const route = /^\/admin\/accounts\/([^/]+)\/route$/.exec(ctx.path);
    const requireSignature = /^\/admin\/accounts\/([^/]+)\/require-signature$/.exec(ctx.path);
    const push = /^\/admin\/accounts\/([^/]+)\/push$/.exec(ctx.path);
    const numberLimits = /^\/admin\/accounts\/([^/]+)\/number-limits$/.exec(ctx.path);
    const templates = /^\/admin\/vendors\/([^/]+)\/templates$/.exec(ctx.path);

    try {
      await adminWrite();
    } catch (err) {
      // The core's refusals of operator input: 400 invalid, 404 no such account, 409 exists or overdrawn.
      if (err instanceof AccountError) return bad(ctx, err.message, { invalid: 400, missing: 404, exists: 409 }[err.kind]);
      if (err instanceof Failure) return bad(ctx, err.message, 409);
      throw err;
    }

    async function adminWrite(): Promise<void> {
      if (ctx.path === '/admin/accounts') {
        if (!str('username') || !str('password')) return bad(ctx, 'username and password are required');
        const balances = body.balances ?? {};
        if (typeof balances !== 'object' || balances === null || Array.isArray(balances))
          return bad(ctx, 'balances must be an object {"0": n, "1": n, "2": n}');
        const unknownPool = Object.keys(balances).find((k) => !['0', '1', '2'].includes(k));
        if (unknownPool !== undefined) return bad(ctx, `balances: pools are 0, 1 and 2, got ${JSON.stringify(unknownPool)}`);
        const account = await core.accounts.create(str('username'), str('password'), balances as Partial<Record<Pool, unknown>>, {
          retireDemo: true,
        });
        ctx.status = 201;
        ctx.body = { id: account.id, username: account.username };
      } else if (topup) {
        const remaining = await core.accounts.topUp(decodeURIComponent(topup[1]!), body.pool, body.amount, 'admin', str('notes') || null);
        ctx.body = { pool: Number(body.pool), remaining };
      } else if (route) {
        const names: unknown[] = Array.isArray(body.route) ? body.route : [null];
        if (!names.every((n): n is string => typeof n === 'string')) return bad(ctx, 'route must be a list of vendor names');
        checkRoute(names, vendors.keys());
        const username = decodeURIComponent(route[1]!);
        await core.accounts.setRoute(username, names);
        ctx.body = { username, route: names };
      } else if (requireSignature) {
        if (typeof body.required !== 'boolean') return bad(ctx, 'required must be true or false');
        const username = decodeURIComponent(requireSignature[1]!);
        await core.accounts.setRequireSignature(username, body.required);
        ctx.body = { username, requireSignature: body.required };
      } else if (push) {
        if (body.url !== null && typeof body.url !== 'string') return bad(ctx, 'url must be a URL or null');
        const username = decodeURIComponent(push[1]!);
        await core.accounts.setPushUrl(username, str('kind') as 'mr' | 'mo' | 'ums-reply', (body.url as string | null) ?? null);
        ctx.body = { username, kind: str('kind'), url: body.url ?? null };
      } else if (numberLimits) {
        if (typeof body.limits !== 'string') return bad(ctx, 'limits must be "juhe", "none" or windows such as "1/30s,2/1m,3/30m"');
        const username = decodeURIComponent(numberLimits[1]!);
        const scope = str('scope') || 'codes';
        ctx.body = { username, numberLimits: await core.accounts.setNumberLimits(username, body.limits, scope), scope };
      } else if (templates) {
        const name = decodeURIComponent(templates[1]!);
        const vendor = vendors.get(name);
        if (!vendor) return bad(ctx, `no vendor ${name}`, 404);
        if (!vendor.templates?.list) return bad(ctx, `vendor ${name} lists no templates to fetch`, 409);
        const failed = await vendor.templates.list.refresh();
        if (failed) return bad(ctx, `the template list was not fetched: ${failed.message}`, 502);
        ctx.body = { vendor: name, templates: vendor.templates.book.describe() };
      } else if (ctx.path === '/admin/audit/words' || ctx.path === '/admin/audit/words/remove') {
        if (!str('word')) return bad(ctx, 'word is required');
        const username = str('username') || undefined;
        if (ctx.path === '/admin/audit/words') {
          const added = await core.audit.addWord(str('word'), username);
          ctx.status = added ? 201 : 200;
          ctx.body = { word: str('word').trim(), username: username ?? null, added };
        } else {
          ctx.body = { word: str('word').trim(), username: username ?? null, removed: await core.audit.removeWord(str('word'), username) };
        }
      } else if (ctx.path === '/admin/audit/check') {
        if (typeof body.content !== 'string') return bad(ctx, 'content is required');
        const refusal = await core.audit.verdict(body.content, str('username') || undefined);
        ctx.body = refusal ? { ok: false, reason: refusal.code, detail: refusal.detail ?? null, message: refusal.message } : { ok: true };
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
      } else bad(ctx, 'no such admin call', 404);
    }
  };
}

function bad(ctx: Context, error: string, status = 400): void {
  ctx.status = status;
  ctx.body = { error };
}

async function adminReads(ctx: Context, core: Core, vendors: Map<string, Vendor>, breakers: () => BreakerStatus[]): Promise<void> {
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
  } else if (ctx.path === '/admin/audit/words') {
    ctx.body = await core.audit.listWords();
  } else if (ctx.path === '/admin/vendors') {
    ctx.body = breakers();
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
