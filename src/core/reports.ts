import { type DataSource, type EntityManager, IsNull, LessThan, MoreThan } from 'typeorm';
import { ParkedReport, Report, Send, SendStatus } from '../../entities';
import { inTransaction } from '../db/transaction';
import type { Logger } from '../logger';
import { countDeliveries } from '../metrics';
import { fetchOnce } from './fetchOnce';
import { type QueuedReport, type QueueStore, queueStore, type ReportStatements, type ReportTarget, type RowReport } from './queues';

/** The userApi report codes, which the gateway's report queue keeps: 1 success, 0 failure, 2 unknown. */
export const ReportStatus = { failed: 0, delivered: 1, unknown: 2 } as const;

/**
 * Every vendor's delivery codes map to one of these; the vendor's raw code is kept beside it.
 * undelivered: the handset could not be reached (UNDELIV, 20); expired: the carrier gave up
 * (EXPIRED); rejected: refused by the carrier, a blacklist or an audit (REJECTD, DTBLACK);
 * unknown: the vendor does not know (UNKNOWN) or never said.
 */
export const DELIVERY_STATUSES = ['delivered', 'undelivered', 'expired', 'rejected', 'unknown'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** The legacy report code a status is told as: delivered 1, unknown 2, any failure 0. */
export function legacyReportStatus(status: DeliveryStatus): number {
  return status === 'delivered' ? ReportStatus.delivered : status === 'unknown' ? ReportStatus.unknown : ReportStatus.failed;
}

/** A delivery report as every vendor adapter normalizes it. */
export interface DeliveryReport {
  vendor: string;
  vendorMsgId: string;
  /** Narrows the match when one vendor id covers a request with several numbers. */
  mobile?: string;
  status: DeliveryStatus;
  /** The vendor's own code, kept for support: DELIVRD, UNDELIV, 10, 20, … */
  code: string;
  at: Date;
}

/** What a queued report needs of its `send` row. */
export type ReportedRow = Pick<Send, 'ID' | 'accountId' | 'batchId' | 'infoto' | 'Createtime' | 'submittedAt'>;

/** Queues a report of a row for its account; rows a legacy system inserted have no account to tell. */
export async function queueReport(m: EntityManager, row: ReportedRow, status: number, code: string, at: Date): Promise<void> {
  if (row.accountId === null) return;
  await m.getRepository(Report).insert({
    accountId: row.accountId,
    sendId: row.ID,
    batchId: row.batchId,
    mobile: row.infoto,
    status,
    code: code.slice(0, 32),
    sendTime: row.submittedAt ?? row.Createtime,
    reportTime: at,
    fetchToken: null,
    fetchedAt: null,
  });
}

/** The `send` STATUS a report leaves its row in: "unknown" keeps it open for a final report. */
function sendStatusAfter(status: DeliveryStatus): number {
  return status === 'delivered' ? SendStatus.delivered : status === 'unknown' ? SendStatus.submitted : SendStatus.failed;
}

export type ReportOutcome = 'applied' | 'repeated' | 'parked';

const OPEN: readonly number[] = [SendStatus.waiting, SendStatus.submitted];

/**
 * Applies reports in order, inside the caller's transaction, with a handful of statements for the
 * whole batch: the rows their vendor ids name are read (and locked, on MySQL) at once, each report is
 * decided against the rows as the reports before it left them, then the rows, the queued reports and
 * the parked ones are written in one statement each. A report for a final row changes nothing
 * ("repeated"); one for a vendor id no row carries yet is parked.
 */
export async function applyReports(
  st: ReportStatements,
  reports: readonly DeliveryReport[],
  now = new Date(),
  /** Filled with the request ids (send.request_id) of the rows a report was applied to, for the log. */
  requestIds?: Set<string>,
): Promise<ReportOutcome[]> {
  if (reports.length === 0) return [];
  // Each vendor id once, sorted, so that concurrent batches lock shared rows in the same order.
  const keyOf = (r: DeliveryReport) => JSON.stringify([r.vendor, r.vendorMsgId]);
  const asked = new Map(reports.map((r) => [keyOf(r), { vendor: r.vendor, vendorMsgId: r.vendorMsgId }]));
  const keys = [...asked.keys()].sort();
  const index = new Map(keys.map((key, i) => [key, i]));
  // A row two keys match (ids MySQL's collation takes as equal) is one row, decided once.
  const rows = new Map<number, ReportTarget>();
  const byKey: ReportTarget[][] = keys.map(() => []);
  for (const hit of await st.rowsFor(keys.map((key) => asked.get(key)!))) {
    const row = rows.get(hit.ID) ?? hit;
    rows.set(row.ID, row);
    byKey[hit.keyIndex]!.push(row);
  }
  const changed = new Map<number, RowReport>();
  const queued: QueuedReport[] = [];
  const parked: DeliveryReport[] = [];
  const outcomes = reports.map((report): ReportOutcome => {
    const matching = byKey[index.get(keyOf(report))!]!.filter((r) => !report.mobile || r.infoto === report.mobile);
    const code = report.code.slice(0, 32);
    let applied = false;
    for (const row of matching) {
      // "Unknown" leaves the row open for a final report, but is itself told only once.
      if (!OPEN.includes(row.STATUS) || (report.status === 'unknown' && row.reported)) continue;
      row.STATUS = sendStatusAfter(report.status);
      row.reported = true;
      changed.set(row.ID, { id: row.ID, status: row.STATUS, code, at: report.at });
      if (row.requestId) requestIds?.add(row.requestId);
      queued.push({ sendId: row.ID, status: legacyReportStatus(report.status), code, at: report.at });
      applied = true;
    }
    if (applied) return 'applied';
    if (matching.length > 0) return 'repeated';
    parked.push({ ...report, code });
    return 'parked';
  });
  await st.setReported([...changed.values()]);
  await st.queue(queued);
  await st.park(parked, now);
  return outcomes;
}

/** The reports of `outcomes` that were applied to their message, to count once their transaction commits. */
function appliedOf(reports: readonly DeliveryReport[], outcomes: readonly ReportOutcome[]): DeliveryReport[] {
  return reports.filter((_, i) => outcomes[i] === 'applied');
}

/** Applies the reports parked for these vendor ids, inside the transaction that recorded the ids; returns those applied. */
export async function applyParked(st: ReportStatements, vendor: string, vendorMsgIds: readonly string[]): Promise<DeliveryReport[]> {
  const parked = await st.parkedFor(vendor, [...new Set(vendorMsgIds)]);
  if (parked.length === 0) return [];
  const reports = parked.map((p) => p.report);
  const outcomes = await applyReports(st, reports);
  await st.dropParked(parked.map((p) => p.id));
  return appliedOf(reports, outcomes);
}

export class Reports {
  private readonly store: QueueStore;

  constructor(
    private readonly db: DataSource,
    private readonly log: Logger,
  ) {
    this.store = queueStore(db);
  }

  /**
   * Applies a report to its `send` row and queues it for the account. A report for a row that
   * already has a final status (a vendor's repeated push) changes nothing and queues nothing; one
   * for a vendor id no row carries yet is parked until the dispatcher records that id.
   */
  async record(report: DeliveryReport): Promise<ReportOutcome> {
    return (await this.recordAll([report]))[0]!;
  }

  /** Several reports in one transaction, as vendors push them (arrays) and as the simulator reports a batch. */
  async recordAll(reports: DeliveryReport[]): Promise<ReportOutcome[]> {
    if (reports.length === 0) return [];
    const requestIds = new Set<string>();
    const outcomes = await inTransaction(this.db, (m) => applyReports(this.store.in(m), reports, new Date(), requestIds));
    const applied = appliedOf(reports, outcomes);
    countDeliveries(applied);
    // One line a batch of reports, naming the requests that sent the messages (src/requestLog.ts).
    if (applied.length > 0)
      this.log.info(
        { vendors: [...new Set(applied.map((r) => r.vendor))], applied: applied.length, req: [...requestIds] },
        'reports applied',
      );
    return outcomes;
  }

  /**
   * Messages a vendor accepted but never reported on before `cutoff` are told to their caller as
   * unknown (status 2), as the legacy vendors did; a report that still comes later is applied.
   */
  async expireOverdue(cutoff: Date, now = new Date()): Promise<number> {
    const overdue = await this.db.getRepository(Send).find({
      where: { STATUS: SendStatus.submitted, reportTime: IsNull(), submittedAt: LessThan(cutoff) },
      order: { ID: 'ASC' },
      take: 500,
    });
    await this.recordAll(
      overdue.map((row) => ({
        vendor: row.vendor ?? '',
        vendorMsgId: row.vendorMsgId ?? '',
        mobile: row.infoto,
        status: 'unknown' as const,
        code: 'TIMEOUT',
        at: now,
      })),
    );
    return overdue.length;
  }

  /**
   * Applies parked reports whose vendor id a row now carries: the safety net for a report parked
   * while the dispatcher's transaction was recording that id, on a database where the two can pass.
   */
  async applyStrandedParked(limit = 500): Promise<number> {
    const stranded: { vendor: string; vendor_msgid: string }[] = await this.db.query(
      `SELECT DISTINCT p.vendor, p.vendor_msgid FROM parked_report p
        WHERE EXISTS (SELECT 1 FROM send s WHERE s.vendor = p.vendor AND s.vendor_msgid = p.vendor_msgid) LIMIT ${Number(limit)}`,
    );
    const byVendor = new Map<string, string[]>();
    for (const r of stranded) byVendor.set(r.vendor, [...(byVendor.get(r.vendor) ?? []), r.vendor_msgid]);
    const applied = await inTransaction(this.db, async (m) => {
      const all: DeliveryReport[] = [];
      for (const [vendor, ids] of byVendor) all.push(...(await applyParked(this.store.in(m), vendor, ids)));
      return all;
    });
    countDeliveries(applied);
    return stranded.length;
  }

  /** Parked reports no dispatcher ever claimed (a vendor's stray or foreign pushes) are dropped after a while. */
  async dropParkedBefore(cutoff: Date): Promise<void> {
    await inTransaction(this.db, (m) => m.getRepository(ParkedReport).delete({ parkedAt: LessThan(cutoff) }));
  }

  /**
   * The latest queued reports of every account, newest first, for operators: reading them hands
   * nothing out (the accounts still fetch them). With `afterId`, only those queued since that one.
   */
  latest(limit: number, afterId = 0): Promise<Report[]> {
    return this.db.getRepository(Report).find({ where: { id: MoreThan(afterId) }, order: { id: 'DESC' }, take: limit });
  }

  /** The account's reports, each handed out once; with `batchId`, only that batch's. */
  fetch(accountId: number, batchId?: string): Promise<Report[]> {
    return fetchOnce(this.store, 'report', accountId, batchId);
  }
}
