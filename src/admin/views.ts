import type { DataSource } from 'typeorm';
import type { Account, Report } from '../../entities';
import { type Config, redactDatabaseUrl } from '../config';
import { ConsoleQueries } from '../console/queries';
import { ReportStatus } from '../core/reports';
import type { BreakerStatus } from '../dispatch/breakers';
import { outboxDepth } from '../dispatch/outbox/depth';
import { withoutSecrets } from '../logger';
import type { VendorConfig } from '../vendors/config';

/**
 * What operators are shown of the gateway's state, as JSON: the admin API answers these objects and
 * `smsgw … --json` prints the same ones, so a script reads one shape whichever it calls.
 */

/** An account as operators see it: balances, routing and caller settings; never the password hash. */
export function accountView(account: Account) {
  return {
    id: account.id,
    username: account.username,
    enabled: account.enabled === 1,
    balances: { card: account.balanceCard, gateway: account.balanceGateway, member: account.balanceMember },
    route: account.route ? account.route.split(',') : [],
    ipAllow: account.ipAllow ? account.ipAllow.split(',') : [],
    extNo: account.extNo,
    spCode: account.spCode,
    legacyUserId: account.legacyUserId,
    signature: account.signature,
    requireSignature: account.requireSignature === 1,
    numberLimits: account.numberLimits,
    numberLimitScope: account.numberLimitScope,
    push: { mr: account.mrUrl, mo: account.moUrl, umsReply: account.umsReplyUrl },
    createdAt: account.createdAt,
  };
}

const REPORT_STATUS_NAMES: Record<number, string> = {
  [ReportStatus.delivered]: 'delivered',
  [ReportStatus.failed]: 'failed',
  [ReportStatus.unknown]: 'unknown',
};

/** A queued report with its account's name and its legacy status (1, 0, 2) in words. */
export function reportView(report: Report, usernames: Map<number, string>) {
  return {
    id: report.id,
    username: usernames.get(report.accountId) ?? null,
    batchId: report.batchId,
    mobile: report.mobile,
    status: REPORT_STATUS_NAMES[report.status] ?? String(report.status),
    code: report.code,
    sendTime: report.sendTime,
    reportTime: report.reportTime,
    fetched: report.fetchedAt !== null,
  };
}

/** A vendor's settings with every secret replaced, by the logger's one rule (src/logger.ts). */
export function vendorSettings(config: VendorConfig): unknown {
  return withoutSecrets({ ...config.settings, limits: config.limits, batchesInFlight: config.batchesInFlight });
}

/** Each configured vendor: its type, its place in the default route, settings without secrets, and its breaker where known. */
export function vendorViews(vendors: Map<string, VendorConfig>, route: readonly string[], breakers: BreakerStatus[] = []) {
  return [...vendors].map(([name, config]) => {
    const breaker = breakers.find((b) => b.vendor === name);
    return {
      vendor: name,
      type: config.type,
      defaultRoutePosition: route.includes(name) ? route.indexOf(name) + 1 : null,
      settings: vendorSettings(config),
      ...(breaker ? { state: breaker.state, since: breaker.since, lastFailure: breaker.lastFailure } : {}),
    };
  });
}

/** The configuration as `smsgw config check` prints it: the DATABASE_URL's password masked, the admin token and vendors' secrets replaced. */
export function configView(config: Config) {
  return {
    ...(withoutSecrets({ ...config, vendors: undefined, contracts: undefined }) as Record<string, unknown>),
    databaseUrl: redactDatabaseUrl(config.databaseUrl),
    adminToken: config.adminToken ? '[redacted]' : '',
    vendors: Object.fromEntries([...config.vendors].map(([name, v]) => [name, { type: v.type, ...(vendorSettings(v) as object) }])),
    contracts: config.contracts.map((c) => ({ path: c.path, contract: c.contract.dir })),
  };
}

/** The outbox: waiting, leased and scheduled rows, sent rows awaiting their report, final rows, the oldest waiting row's age. */
export async function outboxStats(db: DataSource, now = new Date()) {
  const queries = new ConsoleQueries(db);
  const [depth, final] = await Promise.all([outboxDepth(db, now), queries.finalRows()]);
  return {
    waiting: depth.waiting,
    leased: depth.leased,
    scheduled: depth.scheduled,
    awaitingReport: depth.submitted,
    delivered: final.delivered,
    failed: final.failed,
    oldestWaitingSeconds: depth.oldestWaitingAt ? Math.max(0, Math.round((now.getTime() - depth.oldestWaitingAt.getTime()) / 1000)) : null,
  };
}
