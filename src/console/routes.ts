import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import type { DataSource } from 'typeorm';
import { callerIp } from '../callerIp';
import type { Config } from '../config';
import type { Core } from '../core';
import { AccountError } from '../core/accounts';
import { Failure } from '../core/failures';
import type { BreakerStatus } from '../dispatch/breakers';
import { vendorSettings } from '../admin/views';
import type { Logger } from '../logger';
import { PROJECT_ROOT } from '../paths';
import type { Vendor } from '../vendors/types';
import { html, type SafeHtml } from './html';
import { bare, page } from './layout';
import {
  accountPage,
  accountsPage,
  type ContractView,
  contractsPage,
  failuresPage,
  loginForm,
  overviewPage,
  searchPage,
  type VendorView,
  vendorsPage,
} from './pages';
import { ConsoleQueries } from './queries';
import { outboxDepth } from '../dispatch/outbox/depth';
import { sameSecret } from '../secrets';
import { ConsoleSessions, LoginAttempts, SESSION_TTL_MS } from './sessions';

export interface ConsoleParts {
  db: DataSource;
  core: Core;
  /** The configuration: the admin token the login asks for (empty: the console is disabled), the vendors. */
  config: Config;
  vendors: Map<string, Vendor>;
  breakers(): Promise<BreakerStatus[]>;
  contracts: readonly ContractView[];
  log: Logger;
}

const COOKIE = 'smsgw_console';
const CHART_HOURS = 3;
/** How long the vendors page waits for a vendor's balance before it says so. */
const BALANCE_TIMEOUT_MS = 5000;

/** The files under /console/assets/: the console's own, and uPlot's from its npm package (no CDN). */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const own = join(PROJECT_ROOT, 'src', 'console', 'assets');
  const uplot = join(require.resolve('uplot/package.json'), '..', 'dist');
  const files: [string, string, string][] = [
    ['console.css', join(own, 'console.css'), 'text/css; charset=utf-8'],
    ['overview.js', join(own, 'overview.js'), 'text/javascript; charset=utf-8'],
    ['uPlot.min.css', join(uplot, 'uPlot.min.css'), 'text/css; charset=utf-8'],
    ['uPlot.iife.min.js', join(uplot, 'uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
  ];
  return new Map(files.map(([name, file, type]) => [name, { type, body: readFileSync(file) }]));
}

/**
 * The web console under /console: server-rendered pages behind a login with the admin token. The
 * session is a random id in an HttpOnly, SameSite=Strict cookie; every POST carries the session's
 * CSRF token; logins are limited per address; pages are never cached and never framed.
 */
export function consoleRoutes(parts: ConsoleParts): Middleware {
  const assets = loadAssets();
  const sessions = new ConsoleSessions();
  const attempts = new LoginAttempts();
  const queries = new ConsoleQueries(parts.db);

  return async function webConsole(ctx, next) {
    if (ctx.path !== '/console' && !ctx.path.startsWith('/console/')) return next();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'");

    const asset = ctx.path.startsWith('/console/assets/') ? assets.get(ctx.path.slice('/console/assets/'.length)) : undefined;
    if (asset && ctx.method === 'GET') {
      ctx.type = asset.type;
      ctx.set('Cache-Control', 'public, max-age=3600');
      ctx.body = asset.body;
      return;
    }
    ctx.set('Cache-Control', 'no-store');
    if (!parts.config.adminToken) {
      return send(
        ctx,
        404,
        bare(
          '控制台未启用',
          html`<p>The console is disabled: set <code>ADMIN_TOKEN</code> and restart the gateway, then log in with that token.</p>`,
        ),
      );
    }

    if (ctx.path === '/console/login') return login(ctx);

    const session = sessions.find(ctx.cookies.get(COOKIE));
    if (!session) {
      if (ctx.method === 'GET') return ctx.redirect('/console/login');
      return send(ctx, 403, bare('未登录', html`<p>Not logged in (or the session expired). <a href="/console/login">登录</a></p>`));
    }
    if (ctx.method === 'POST') {
      const form = await readForm(ctx);
      // The token of this session, which a page of another site cannot read: a forged form has none.
      if (!form || !sameSecret(form.get('csrf') ?? '', session.csrf)) {
        return send(ctx, 403, bare('请求被拒绝', html`<p>The form's CSRF token is missing or wrong: reload the page and try again.</p>`));
      }
      return post(ctx, session, form);
    }
    if (ctx.method !== 'GET') return send(ctx, 405, bare('不支持', html`<p>GET or POST only.</p>`));
    const view = await get(ctx, session, sessions.takeFlash(session.id));
    if (!view) return send(ctx, 404, page('', '没有这个页面', session.csrf, html`<p>No such console page.</p>`));
    send(ctx, view.status ?? 200, page(view.path, view.title, session.csrf, view.body, view.head));
  };

  async function login(ctx: Context): Promise<void> {
    if (ctx.method === 'GET') return send(ctx, 200, bare('登录', loginForm(null)));
    if (ctx.method !== 'POST') return send(ctx, 405, bare('不支持', html`<p>GET or POST only.</p>`));
    const ip = callerIp(ctx);
    if (!attempts.allow(ip)) {
      parts.log.warn({ ip }, 'console login refused: too many attempts');
      ctx.set('Retry-After', '60');
      return send(ctx, 429, bare('登录', loginForm('登录尝试过多,请一分钟后再试 (too many attempts, wait a minute)')));
    }
    const form = await readForm(ctx);
    if (!form || !sameSecret(form.get('token') ?? '', parts.config.adminToken)) {
      parts.log.warn({ ip }, 'console login refused: wrong token');
      return send(ctx, 401, bare('登录', loginForm('令牌错误 (wrong token)')));
    }
    const session = sessions.open();
    ctx.cookies.set(COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/console',
      maxAge: SESSION_TTL_MS,
      secure: ctx.secure,
      overwrite: true,
    });
    parts.log.info({ ip }, 'console login');
    ctx.status = 303;
    ctx.redirect('/console');
  }

  async function post(ctx: Context, session: { id: string; csrf: string }, form: URLSearchParams): Promise<void> {
    if (ctx.path === '/console/logout') {
      sessions.close(session.id);
      ctx.cookies.set(COOKIE, '', { httpOnly: true, sameSite: 'strict', path: '/console', maxAge: 0, overwrite: true });
      ctx.status = 303;
      return ctx.redirect('/console/login');
    }
    const topup = /^\/console\/accounts\/([^/]+)\/topup$/.exec(ctx.path);
    if (!topup) return send(ctx, 404, page('', '没有这个操作', session.csrf, html`<p>No such console action.</p>`));
    const username = decodeURIComponent(topup[1]!);
    const pool = form.get('pool') ?? '';
    const amount = form.get('amount') ?? '';
    try {
      const remaining = await parts.core.accounts.topUp(username, pool, amount, 'console', form.get('notes')?.trim() || null);
      parts.log.info({ username, pool: Number(pool), amount: Number(amount), remaining }, 'console top-up');
      sessions.flash(session.id, `已充值 ${amount} 条,余量 ${remaining} (topped up)`);
      ctx.status = 303;
      ctx.redirect(`/console/accounts/${encodeURIComponent(username)}`);
    } catch (err) {
      if (!(err instanceof AccountError) && !(err instanceof Failure)) throw err;
      const status = err instanceof AccountError ? { invalid: 400, missing: 404, exists: 409 }[err.kind] : 409;
      const view = status === 404 ? null : await accountView(username, { text: `充值失败: ${err.message}`, kind: 'error' }, session.csrf);
      if (!view) return send(ctx, 404, page('/console/accounts', '没有这个账户', session.csrf, html`<p>No account ${username}.</p>`));
      send(ctx, status, page('/console/accounts', view.title, session.csrf, view.body));
    }
  }

  interface View {
    path: string;
    title: string;
    body: SafeHtml;
    head?: SafeHtml;
    status?: number;
  }

  async function get(ctx: Context, session: { csrf: string }, flash: string | null): Promise<View | null> {
    if (ctx.path === '/console' || ctx.path === '/console/') {
      const now = new Date();
      const [series, depth, delivery] = await Promise.all([
        queries.perMinute(CHART_HOURS * 60, now),
        outboxDepth(parts.db, now),
        queries.deliveryByVendor(new Date(now.getTime() - CHART_HOURS * 3600_000)),
      ]);
      return {
        path: '/console',
        title: '概览',
        body: overviewPage({ hours: CHART_HOURS, series, depth, delivery, breakers: await parts.breakers() }, now),
        head: html`<link rel="stylesheet" href="/console/assets/uPlot.min.css">
<script src="/console/assets/uPlot.iife.min.js" defer></script>
<script src="/console/assets/overview.js" defer></script>`,
      };
    }
    if (ctx.path === '/console/search') {
      const term = typeof ctx.query.q === 'string' ? ctx.query.q.trim() : '';
      const rows = term ? await queries.search(term) : null;
      return { path: '/console/search', title: '查询', body: searchPage(term, rows, await queries.usernames()) };
    }
    if (ctx.path === '/console/failures') {
      const [rows, usernames] = await Promise.all([queries.recentFailures(), queries.usernames()]);
      return { path: '/console/failures', title: '最近失败', body: failuresPage(rows, usernames) };
    }
    if (ctx.path === '/console/accounts')
      return { path: '/console/accounts', title: '账户', body: accountsPage(await parts.core.accounts.list()) };
    const account = /^\/console\/accounts\/([^/]+)$/.exec(ctx.path);
    if (account) {
      const view = await accountView(decodeURIComponent(account[1]!), flash ? { text: flash, kind: 'ok' } : undefined, session.csrf);
      return view && { path: '/console/accounts', ...view };
    }
    if (ctx.path === '/console/vendors') return { path: '/console/vendors', title: '通道', body: vendorsPage(await vendorViews()) };
    if (ctx.path === '/console/contracts') return { path: '/console/contracts', title: '接口', body: contractsPage([...parts.contracts]) };
    return null;
  }

  async function accountView(username: string, message: { text: string; kind: 'ok' | 'error' } | undefined, csrf: string) {
    const account = await parts.core.accounts.find(username);
    if (!account) return null;
    const [ledger, words] = await Promise.all([queries.ledger(account.id), parts.core.audit.listWords()]);
    return {
      title: `账户 ${account.username}`,
      body: accountPage({ account, ledger, words: words.filter((w) => w.username === null || w.username === username), csrf, message }),
    };
  }

  async function vendorViews(): Promise<VendorView[]> {
    const breakers = await parts.breakers();
    return Promise.all(
      [...parts.config.vendors].map(async ([name, config]) => ({
        name,
        type: config.type,
        settings: vendorSettings(config),
        breaker: breakers.find((b) => b.vendor === name),
        balance: await vendorBalance(parts.vendors.get(name)),
      })),
    );
  }
}

/** A vendor's balance at the vendor, or why it could not be had within BALANCE_TIMEOUT_MS; null: it has no balance call. */
async function vendorBalance(vendor: Vendor | undefined): Promise<VendorView['balance']> {
  if (!vendor?.balance) return null;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${BALANCE_TIMEOUT_MS / 1000} s`)), BALANCE_TIMEOUT_MS);
  });
  try {
    const { balance } = await Promise.race([vendor.balance(), timeout]);
    return { balance };
  } catch (err) {
    return { error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/** A POST's url-encoded form, or null when it is not one (or too large for any console form). */
async function readForm(ctx: Context): Promise<URLSearchParams | null> {
  if (!ctx.is('application/x-www-form-urlencoded')) return null;
  try {
    return new URLSearchParams(await getRawBody(ctx.req, { limit: 16 * 1024, encoding: 'utf8' }));
  } catch {
    return null;
  }
}

function send(ctx: Context, status: number, body: SafeHtml): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = body.text;
}
