import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import { bearerTokenCheck } from '../secrets';
import type { DataSource } from 'typeorm';
import { AccountError, checkRoute, type Pool } from '../core/accounts';
import type { Core } from '../core';
import { Failure } from '../core/failures';
import type { BreakerStatus } from '../dispatch/breakers';
import type { TemplateRefresh } from '../delivery';
import type { Vendor } from '../vendors/types';
import type { ContractView } from '../console/pages';
import { ConsoleQueries } from '../console/queries';
import { sendTestMessage } from './testSend';
import { accountView, configView, outboxStats, reportView, vendorViews } from './views';
import type { Config } from '../config';
import { callerIp } from '../callerIp';

/** What the admin API works on: the gateway's parts (src/app.ts) and the contracts it serves. */
export interface AdminParts {
  db: DataSource;
  /** The configuration: its admin token (empty disables the API), vendors and route; GET /admin/config shows it without its secrets. */
  config: Config;
  core: Core;
  vendors: Map<string, Vendor>;
  breakers(): Promise<BreakerStatus[]>;
  refreshTemplates(vendor: string): Promise<TemplateRefresh>;
  contracts: readonly ContractView[];
}

/** The longest POST /admin/send waits for its reports. */
const MAX_SEND_WAIT_SECONDS = 60;

/** The most reports one GET /admin/reports answers. */
const MAX_REPORTS = 1000;

/**
 * The admin HTTP API under /admin, behind a bearer token (ADMIN_TOKEN; unset disables it), JSON
 * in and out; every call is in docs/admin-api.md. Operator input the core refuses answers 400
 * naming the field (404 no such account or vendor, 409 exists or overdrawn), never 500.
 */
export function adminRoutes(parts: AdminParts): Middleware {
  const { core, vendors } = parts;
  const token = parts.config.adminToken;
  const authorized = bearerTokenCheck(token);

  return async function admin(ctx, next) {
    if (!ctx.path.startsWith('/admin/')) return next();
    if (!authorized(ctx)) {
      ctx.status = token ? 401 : 404;
      ctx.body = { error: token ? 'missing or wrong admin token' : 'the admin API is disabled (set ADMIN_TOKEN)' };
      return;
    }
    let path: string[];
    try {
      path = ctx.path.slice('/admin/'.length).split('/').map(decodeURIComponent);
    } catch {
      return bad(ctx, 'the path is not valid percent-encoding');
    }
    if (ctx.method === 'GET') return refusalsAnswered(ctx, () => adminReads(ctx, parts, path));
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
    const [first, name, action] = path;
    /** The account a POST /admin/accounts/:username/<action> names. */
    const username = first === 'accounts' && path.length === 3 ? name! : null;
    return refusalsAnswered(ctx, adminWrite);

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
      } else if (username && action === 'topup') {
        const remaining = await core.accounts.topUp(username, body.pool, body.amount, 'admin', str('notes') || null);
        ctx.body = { pool: Number(body.pool), remaining };
      } else if (username && action === 'route') {
        const names: unknown[] = Array.isArray(body.route) ? body.route : [null];
        if (!names.every((n): n is string => typeof n === 'string')) return bad(ctx, 'route must be a list of vendor names');
        checkRoute(names, vendors.keys());
        await core.accounts.setRoute(username, names);
        ctx.body = { username, route: names };
      } else if (username && action === 'password') {
        if (!str('password')) return bad(ctx, 'password is required: the new plain password');
        await core.accounts.setPassword(username, str('password'));
        ctx.body = { username, passwordChanged: true };
      } else if (username && action === 'allow-ip') {
        const ips: unknown[] = Array.isArray(body.ips) ? body.ips : [null];
        if (!ips.every((ip): ip is string => typeof ip === 'string'))
          return bad(ctx, 'ips must be a list of IP addresses ([] lets every address call)');
        const stored = await core.accounts.setIpAllow(username, ips.join(','));
        ctx.body = { username, ipAllow: stored ? stored.split(',') : [] };
      } else if (username && action === 'extno') {
        if (body.extNo !== null && typeof body.extNo !== 'string') return bad(ctx, 'extNo must be digits (a string) or null');
        ctx.body = { username, extNo: await core.accounts.setExtNo(username, (body.extNo as string | null) ?? '') };
      } else if (username && action === 'spcode') {
        if (body.spCode !== null && typeof body.spCode !== 'string') return bad(ctx, 'spCode must be digits (a string) or null');
        await core.accounts.setSpCode(username, body.spCode as string | null);
        ctx.body = { username, spCode: (await core.accounts.get(username)).spCode };
      } else if (username && action === 'legacy-userid') {
        if (body.legacyUserId !== null && typeof body.legacyUserId !== 'number')
          return bad(ctx, 'legacyUserId must be a whole number or null');
        await core.accounts.setLegacyUserId(username, body.legacyUserId);
        ctx.body = { username, legacyUserId: body.legacyUserId };
      } else if (username && action === 'require-signature') {
        if (typeof body.required !== 'boolean') return bad(ctx, 'required must be true or false');
        await core.accounts.setRequireSignature(username, body.required);
        ctx.body = { username, requireSignature: body.required };
      } else if (username && action === 'push') {
        if (body.url !== null && typeof body.url !== 'string') return bad(ctx, 'url must be a URL or null');
        await core.accounts.setPushUrl(username, str('kind') as 'mr' | 'mo' | 'ums-reply', (body.url as string | null) ?? null);
        ctx.body = { username, kind: str('kind'), url: body.url ?? null };
      } else if (username && action === 'number-limits') {
        if (typeof body.limits !== 'string') return bad(ctx, 'limits must be "juhe", "none" or windows such as "1/30s,2/1m,3/30m"');
        const scope = str('scope') || 'codes';
        ctx.body = { username, numberLimits: await core.accounts.setNumberLimits(username, body.limits, scope), scope };
      } else if (first === 'vendors' && path.length === 3 && action === 'templates') {
        const vendor = vendors.get(name!);
        if (!vendor) return bad(ctx, `no vendor ${name}`, 404);
        if (!vendor.templates?.list) return bad(ctx, `vendor ${name} lists no templates to fetch`, 409);
        const refreshed = await parts.refreshTemplates(name!);
        if ('failed' in refreshed) return bad(ctx, `the template list was not fetched: ${refreshed.failed}`, 502);
        ctx.body = { vendor: name, templates: refreshed.templates };
      } else if (ctx.path === '/admin/audit/words' || ctx.path === '/admin/audit/words/remove') {
        if (!str('word')) return bad(ctx, 'word is required');
        const owner = str('username') || undefined;
        if (ctx.path === '/admin/audit/words') {
          const added = await core.audit.addWord(str('word'), owner);
          ctx.status = added ? 201 : 200;
          ctx.body = { word: str('word').trim(), username: owner ?? null, added };
        } else {
          ctx.body = { word: str('word').trim(), username: owner ?? null, removed: await core.audit.removeWord(str('word'), owner) };
        }
      } else if (ctx.path === '/admin/audit/check') {
        if (typeof body.content !== 'string') return bad(ctx, 'content is required');
        const refusal = await core.audit.verdict(body.content, str('username') || undefined);
        ctx.body = refusal ? { ok: false, reason: refusal.code, detail: refusal.detail ?? null, message: refusal.message } : { ok: true };
      } else if (ctx.path === '/admin/send') {
        if (!str('username') || !str('mobile') || !str('content')) return bad(ctx, 'username, mobile and content are required');
        const pool = body.pool ?? 1;
        if (pool !== 0 && pool !== 1 && pool !== 2) return bad(ctx, 'pool must be 0, 1 or 2');
        const wait = body.waitSeconds ?? 0;
        if (typeof wait !== 'number' || !Number.isInteger(wait) || wait < 0 || wait > MAX_SEND_WAIT_SECONDS)
          return bad(ctx, `waitSeconds must be a whole number from 0 to ${MAX_SEND_WAIT_SECONDS}`);
        ctx.status = 201;
        ctx.body = await sendTestMessage(core, parts.db, {
          username: str('username'),
          mobiles: str('mobile'),
          content: str('content'),
          pool,
          waitMs: wait * 1000,
          hostname: callerIp(ctx),
        });
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

/** Runs a call, answering the core's refusals of operator input: 400 invalid, 404 no such account, 409 exists or overdrawn. */
async function refusalsAnswered(ctx: Context, call: () => Promise<void>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (err instanceof AccountError) return bad(ctx, err.message, { invalid: 400, missing: 404, exists: 409 }[err.kind]);
    if (err instanceof Failure) return bad(ctx, err.message, 409);
    throw err;
  }
}

function bad(ctx: Context, error: string, status = 400): void {
  ctx.status = status;
  ctx.body = { error };
}

/** A whole-number query parameter from 1 to max, or the fallback when it is not given; 400 otherwise (null). */
function countParameter(ctx: Context, key: string, fallback: number, max: number): number | null {
  const raw = ctx.query[key];
  if (raw === undefined) return fallback;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > max) {
    bad(ctx, `${key} must be a whole number from 0 to ${max}, got ${JSON.stringify(raw)}`);
    return null;
  }
  return n;
}

async function adminReads(ctx: Context, parts: AdminParts, path: string[]): Promise<void> {
  const { core, vendors } = parts;
  const [first, name, action] = path;
  if (ctx.path === '/admin/accounts') {
    ctx.body = (await core.accounts.list()).map(accountView);
  } else if (first === 'accounts' && path.length === 2) {
    const account = await core.accounts.get(name!);
    const ledger = await new ConsoleQueries(parts.db).ledger(account.id);
    ctx.body = { ...accountView(account), ledger };
  } else if (ctx.path === '/admin/replies/unassigned') {
    const replies = await core.replies.unassigned();
    ctx.body = replies.map((r) => ({
      id: r.id,
      vendor: r.vendor,
      mobile: r.mobile,
      extNo: r.extNo,
      content: r.content,
      receivedAt: r.receivedAt,
    }));
  } else if (ctx.path === '/admin/reports') {
    const limit = countParameter(ctx, 'limit', 50, MAX_REPORTS);
    const after = countParameter(ctx, 'after', 0, Number.MAX_SAFE_INTEGER);
    if (limit === null || after === null) return;
    const reports = await core.reports.latest(limit, after);
    const usernames = await new ConsoleQueries(parts.db).usernames();
    ctx.body = reports.map((r) => reportView(r, usernames));
  } else if (ctx.path === '/admin/outbox') {
    ctx.body = await outboxStats(parts.db);
  } else if (ctx.path === '/admin/config') {
    ctx.body = configView(parts.config);
  } else if (ctx.path === '/admin/contracts') {
    ctx.body = parts.contracts;
  } else if (ctx.path === '/admin/audit/words') {
    ctx.body = await core.audit.listWords();
  } else if (ctx.path === '/admin/vendors') {
    ctx.body = vendorViews(parts.config.vendors, parts.config.route, await parts.breakers());
  } else if (first === 'vendors' && path.length === 3 && action === 'balance') {
    const vendor = vendors.get(name!);
    if (!vendor) return bad(ctx, 'no such vendor', 404);
    if (!vendor.balance) return bad(ctx, `vendor ${vendor.name} has no balance call`, 404);
    try {
      ctx.body = { vendor: vendor.name, ...(await vendor.balance()) };
    } catch (err) {
      bad(ctx, `vendor ${vendor.name}: ${(err as Error).message}`, 502);
    }
  } else bad(ctx, 'no such admin call', 404);
}
