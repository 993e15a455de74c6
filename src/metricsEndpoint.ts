import type { Context, Middleware } from 'koa';
import { bearerTokenCheck } from './secrets';
import { callerIp } from './callerIp';
import type { Logger } from './logger';
import { countDatabaseError, registry, scrape } from './metrics';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1)$/;

/**
 * GET /metrics, Prometheus text (src/metrics.ts). Who may read it: with ADMIN_TOKEN set, a caller with
 * the bearer token or one in METRICS_ALLOW; with only METRICS_ALLOW, its addresses; with neither, callers
 * on this machine. The metrics name no secrets, but vendors, contracts and traffic are an operator's business.
 */
export function metricsEndpoint(adminToken: string, allow: readonly string[], log: Logger): Middleware {
  const hasToken = bearerTokenCheck(adminToken);
  const refusal = (ctx: Context): { status: number; text: string } | null => {
    const ip = callerIp(ctx);
    if (allow.includes(ip) || hasToken(ctx)) return null;
    if (adminToken !== '') {
      return ctx.get('authorization')
        ? { status: 403, text: 'wrong admin token\n' }
        : { status: 401, text: 'the metrics need the admin token: Authorization: Bearer <ADMIN_TOKEN>\n' };
    }
    if (allow.length > 0) return { status: 403, text: `${ip} is not in METRICS_ALLOW\n` };
    return LOOPBACK.test(ip) ? null : { status: 403, text: 'the metrics answer this machine only; set METRICS_ALLOW or ADMIN_TOKEN\n' };
  };

  return async function metrics(ctx, next) {
    if (ctx.path !== '/metrics') return next();
    const refused = refusal(ctx);
    if (refused) {
      ctx.status = refused.status;
      if (refused.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      ctx.type = 'text/plain';
      ctx.body = refused.text;
      return;
    }
    try {
      ctx.body = await scrape();
      ctx.type = registry.contentType;
    } catch (err) {
      // The depths are read from the database at each scrape: without it Prometheus is told the scrape failed.
      countDatabaseError(err, 'request');
      log.error({ err }, 'metrics scrape failed');
      ctx.status = 503;
      ctx.type = 'text/plain';
      ctx.body = 'the metrics could not be read: the database did not answer\n';
    }
  };
}
