import iconv from 'iconv-lite';
import Koa, { type Context, type Middleware } from 'koa';
import type { DataSource } from 'typeorm';
import { adminRoutes } from './admin/routes';
import { consoleRoutes } from './console/routes';
import type { ContractView } from './console/pages';
import type { Core } from './core';
import type { BreakerStatus } from './dispatch/breakers';
import type { TemplateRefresh } from './delivery';
import type { Logger } from './logger';
import { renderFault, soapContentType } from './soap/render';
import { type SoapServiceDefinition, soapService } from './soap/service';
import { umsService } from './faces/ums';
import { userApiService } from './faces/userApi';
import { ANSWER_CONTENT_TYPE, SERVLET_PATH, userApiHttpService } from './faces/userApiHttp';
import { INTERNAL_ERROR_ANSWER } from './faces/userApiOperations';
import { UMS_HTTP_PATHS, umsHttpInternalError, umsHttpService } from './faces/umsHttp';
import { callbackRoutes } from './callbacks';
import { requestLog } from './requestLog';
import type { Config } from './config';
import { ConfigError } from './configError';
import { basename } from 'node:path';
import { contractService } from './contracts/service';
import { LEGACY_GBK } from './legacyCharset';
import { countDatabaseError, observeHttp } from './metrics';
import { metricsEndpoint } from './metricsEndpoint';
import type { Vendor, VendorNews } from './vendors/types';

export interface AppParts {
  /** The node's database, which the console reads. */
  db: DataSource;
  /** The configuration: ports, token, vendors, contracts served, body limit… */
  config: Config;
  core: Core;
  vendors: Map<string, Vendor>;
  /** Stores the reports and replies a vendor pushed. */
  store(news: VendorNews): Promise<void>;
  log: Logger;
  wsdlDir: string;
  /** Each vendor's breaker on this node, for the admin API. */
  breakers(): Promise<BreakerStatus[]>;
  /** Fetches a template vendor's list again where delivery runs (src/delivery). */
  refreshTemplates(vendor: string): Promise<TemplateRefresh>;
  /** Liveness: throws when the node's database is unreachable. */
  checkHealth(): Promise<void>;
  /** Readiness: throws, with the reason, when a call would fail (schema not migrated, tables unreadable). */
  checkReady(): Promise<void>;
}

/** The routes other than the contracts' that HTTP metrics name (prefixes: /admin/… is /admin). */
const FIXED_ROUTES = ['/healthz', '/readyz', '/metrics', '/admin', '/callbacks', '/console'];

/** A legacy contract as served: its name, the paths it answers, its middleware, and its own answer when the gateway fails. */
interface Face extends ContractView {
  middleware: Middleware;
  internalError(ctx: Context): void;
}

/** What building the faces takes: no server, no vendors (the command line lists them too). */
type FaceParts = Pick<AppParts, 'core' | 'wsdlDir' | 'config' | 'log'>;

function faces(parts: FaceParts): Face[] {
  const http = { maxBodyBytes: parts.config.maxBodyBytes, log: parts.log };
  const soap = (name: string, def: SoapServiceDefinition): Face => ({
    name,
    paths: def.paths,
    operations: Object.keys(def.operations),
    middleware: soapService(def, { publicUrl: parts.config.publicUrl, maxBodyBytes: parts.config.maxBodyBytes, log: parts.log }),
    internalError: (ctx) => {
      ctx.type = soapContentType('1.1');
      ctx.body = renderFault('1.1', false, 'internal error; the request was not carried out');
    },
  });
  const builtIn: Face[] = [
    soap('userApi (SOAP)', userApiService(parts.core, parts.wsdlDir)),
    soap('UMS Sms (SOAP)', umsService(parts.core, parts.wsdlDir)),
    {
      name: 'userApi (HTTP)',
      paths: [SERVLET_PATH],
      operations: [],
      middleware: userApiHttpService(parts.core, http),
      internalError: (ctx) => {
        ctx.set('Content-Type', ANSWER_CONTENT_TYPE);
        ctx.body = iconv.encode(INTERNAL_ERROR_ANSWER, LEGACY_GBK);
      },
    },
    {
      name: 'UMS (HTTP)',
      paths: UMS_HTTP_PATHS,
      operations: [],
      middleware: umsHttpService(parts.core, http),
      internalError: umsHttpInternalError,
    },
  ];
  for (const { path } of parts.config.contracts) {
    if (builtIn.some((f) => f.paths.includes(path)))
      throw new ConfigError(`contracts: the path ${path} is a built-in contract's; serve this one elsewhere`);
  }
  return [
    ...builtIn,
    ...parts.config.contracts.map(({ contract, path }) => soap(basename(contract.dir), contractService(contract, parts.core, path))),
  ];
}

const contractView = ({ name, paths, operations }: Face): ContractView => ({ name, paths, operations });

/** The contracts a gateway with these parts serves: the built-in faces, then the configured ones. */
export function servedContracts(parts: FaceParts): ContractView[] {
  return faces(parts).map(contractView);
}

/** The HTTP side: the legacy faces, vendors' callbacks, the admin API, the web console, health. */
export function createApp(parts: AppParts): Koa {
  const app = new Koa();
  app.proxy = parts.config.trustProxy;
  app.silent = true;
  const served = faces(parts);
  /** A request's route as its metric's label: a served contract's path or a fixed prefix, never the raw URL. */
  const routeOf = (path: string): string =>
    served.some((f) => f.paths.includes(path)) ? path : (FIXED_ROUTES.find((r) => path === r || path.startsWith(`${r}/`)) ?? 'other');

  app.use(requestLog(parts.log, (ctx, seconds) => observeHttp(routeOf(ctx.path), ctx.status, seconds)));
  // Last line of defence: whatever escaped a face is logged, and the caller gets a plain fault, never a trace.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      parts.log.error({ err, req: ctx.state.requestId, path: ctx.path }, 'request failed');
      countDatabaseError(err, 'request');
      ctx.status = 500;
      const face = served.find((f) => f.paths.includes(ctx.path));
      if (face) face.internalError(ctx);
      else ctx.body = { error: 'internal error' };
    }
  });
  app.use(async (ctx, next) => {
    if (ctx.path === '/healthz') {
      try {
        await parts.checkHealth();
        ctx.body = { status: 'ok' };
      } catch {
        ctx.status = 503;
        ctx.body = { status: 'unavailable', reason: 'database unreachable' };
      }
    } else if (ctx.path === '/readyz') {
      try {
        await parts.checkReady();
        ctx.body = { status: 'ready' };
      } catch (err) {
        ctx.status = 503;
        ctx.body = { status: 'not ready', reason: (err as Error).message };
      }
    } else return next();
  });
  app.use(metricsEndpoint(parts.config.adminToken, parts.config.metricsAllow, parts.log));
  for (const face of served) app.use(face.middleware);
  app.use(callbackRoutes(parts.vendors, parts.config.vendors, parts.store, parts.log));
  const contracts = served.map(contractView);
  app.use(adminRoutes({ ...parts, contracts }));
  app.use(consoleRoutes({ ...parts, contracts }));
  return app;
}
