import { type DataSource, type EntityManager, In, IsNull, LessThan } from 'typeorm';
import { ParkedReport, Report, Send, SendStatus } from '../../entities';
import { inTransaction } from '../db/transaction';
import { fetchOnce } from './fetchOnce';

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

/** Row locks where the database has them; SQLite runs one transaction at a time anyway. */
function lockFor(m: EntityManager): { mode: 'pessimistic_write' } | undefined {
  return m.connection.options.type === 'mysql' ? { mode: 'pessimistic_write' } : undefined;
}

async function applyReport(m: EntityManager, report: DeliveryReport): Promise<'applied' | 'repeated' | 'parked'> {
  const sends = m.getRepository(Send);
  const match: Record<string, unknown> = { vendor: report.vendor, vendorMsgId: report.vendorMsgId };
  if (report.mobile) match.infoto = report.mobile;
  // A locking read on MySQL: it waits for a dispatcher that is recording this vendor id right now and
  // then sees it, instead of parking a report the dispatcher's own look at parked reports would miss.
  const open = [SendStatus.waiting, SendStatus.submitted] as number[];
  const rows = (await sends.find({ where: match, lock: lockFor(m) })).filter((row) => open.includes(row.STATUS));
  let applied = false;
  for (const row of rows) {
    const status =
      report.status === 'delivered' ? SendStatus.delivered : report.status === 'unknown' ? SendStatus.submitted : SendStatus.failed;
    // "Unknown" leaves the row open for a final report, but is itself told only once.
    const open = {
      ID: row.ID,
      STATUS: In([SendStatus.waiting, SendStatus.submitted]),
      ...(report.status === 'unknown' ? { reportTime: IsNull() } : {}),
    };
    const updated = await sends.update(open, { STATUS: status, reportStatus: report.code.slice(0, 32), reportTime: report.at });
    if ((updated.affected ?? 0) === 0) continue;
    applied = true;
    await queueReport(m, row, legacyReportStatus(report.status), report.code, report.at);
  }
  if (applied) return 'applied';
  if (rows.length > 0 || (await sends.existsBy(match))) return 'repeated';
  await m.getRepository(ParkedReport).insert({
    vendor: report.vendor,
    vendorMsgId: report.vendorMsgId,
    mobile: report.mobile ?? null,
    outcome: report.status,
    code: report.code.slice(0, 32),
    reportTime: report.at,
    parkedAt: new Date(),
  });
  return 'parked';
}

export class Reports {
  constructor(private readonly db: DataSource) {}

  /**
   * Applies a report to its `send` row and queues it for the account. A report for a row that
   * already has a final status (a vendor's repeated push) changes nothing and queues nothing; one
   * for a vendor id no row carries yet is parked until the dispatcher records that id.
   */
  async record(report: DeliveryReport): Promise<'applied' | 'repeated' | 'parked'> {
    return (await this.recordAll([report]))[0]!;
  }

  /** Several reports in one transaction, as vendors push them (arrays) and as the simulator reports a batch. */
  async recordAll(reports: DeliveryReport[]): Promise<('applied' | 'repeated' | 'parked')[]> {
    return inTransaction(this.db, async (m) => {
      const results: ('applied' | 'repeated' | 'parked')[] = [];
      for (const report of reports) results.push(await applyReport(m, report));
      return results;
    });
  }

  /** Applies the reports parked for these vendor ids, inside the transaction that recorded the ids. */
  static async applyParked(m: EntityManager, vendor: string, vendorMsgIds: string[]): Promise<void> {
    if (vendorMsgIds.length === 0) return;
    const parked = await m
      .getRepository(ParkedReport)
      .find({ where: { vendor, vendorMsgId: In(vendorMsgIds) }, order: { id: 'ASC' }, lock: lockFor(m) });
    for (const p of parked) {
      const status = p.outcome as DeliveryStatus;
      await applyReport(m, { vendor, vendorMsgId: p.vendorMsgId, mobile: p.mobile ?? undefined, status, code: p.code, at: p.reportTime });
    }
    if (parked.length > 0) await m.getRepository(ParkedReport).delete({ id: In(parked.map((p) => p.id)) });
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
    await inTransaction(this.db, async (m) => {
      for (const [vendor, ids] of byVendor) await Reports.applyParked(m, vendor, ids);
    });
    return stranded.length;
  }

  /** Parked reports no dispatcher ever claimed (a vendor's stray or foreign pushes) are dropped after a while. */
  async dropParkedBefore(cutoff: Date): Promise<void> {
    await inTransaction(this.db, (m) => m.getRepository(ParkedReport).delete({ parkedAt: LessThan(cutoff) }));
  }

  fetch(accountId: number): Promise<Report[]> {
    return fetchOnce(this.db, Report, accountId);
  }
}
