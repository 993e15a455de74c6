import type { Middleware } from 'koa';
import getRawBody from 'raw-body';
import type { Logger } from './logger';
import type { VendorConfig } from './vendors/config';
import type { PushAnswer, PushKind, Vendor, VendorNews } from './vendors/types';
import { callerIp } from './callerIp';
import { countCallback, countDatabaseError } from './metrics';

const PUSH_LIMIT_BYTES = 1024 * 1024;
const PATH = /^\/callbacks\/([a-z0-9_-]+)\/(reports|replies)\/?$/;

/**
 * `GET|POST /callbacks/<vendor name>/reports|replies`: a vendor's push, parsed by its adapter,
 * stored, then answered exactly as that vendor expects. A push that cannot be parsed, fails its
 * check, or cannot be stored gets the vendor's error answer (so it pushes again) and a log line.
 */
export function callbackRoutes(
  vendors: Map<string, Vendor>,
  configs: Map<string, VendorConfig>,
  record: (news: VendorNews) => Promise<void>,
  log: Logger,
): Middleware {
  return async function callbacks(ctx, next) {
    const match = PATH.exec(ctx.path);
    if (!match) return next();
    const [, name, kind] = match as unknown as [string, string, PushKind];
    const handler = vendors.get(name)?.push?.[kind];
    if (!handler || (ctx.method !== 'GET' && ctx.method !== 'POST')) {
      ctx.status = 404;
      ctx.type = 'text/plain';
      ctx.body = `no ${kind} callback for vendor "${name}"`;
      return;
    }
    const send = (answer: PushAnswer, fallbackStatus: number) => {
      ctx.status = answer.status ?? fallbackStatus;
      ctx.type = answer.contentType;
      ctx.body = answer.body;
    };
    const ip = callerIp(ctx);
    const allowed = (configs.get(name)?.settings.pushAllowIps as string[] | undefined) ?? [];
    if (allowed.length > 0 && !allowed.includes(ip)) {
      log.warn({ vendor: name, kind, ip }, 'push refused: caller not in pushAllowIps');
      countCallback(name, kind, 'notAllowed');
      return send(handler.answer(false), 403);
    }
    let news: VendorNews;
    try {
      const body = await getRawBody(ctx.req, { limit: PUSH_LIMIT_BYTES });
      news = handler.parse({
        method: ctx.method,
        query: ctx.querystring,
        body,
        contentType: ctx.get('content-type'),
        headers: ctx.headers,
        ip,
      });
    } catch (err) {
      log.warn({ vendor: name, kind, ip, reason: (err as Error).message }, 'push refused');
      countCallback(name, kind, 'unreadable');
      return send(handler.answer(false), 400);
    }
    try {
      await record(news);
    } catch (err) {
      log.error({ err, vendor: name, kind }, 'push not stored; the vendor is told to push again');
      countDatabaseError(err, 'request');
      countCallback(name, kind, 'notStored');
      return send(handler.answer(false), 503);
    }
    countCallback(name, kind);
    send(handler.answer(true), 200);
  };
}
