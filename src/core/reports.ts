import { DataSource, EntityManager, In, IsNull, LessThan } from 'typeorm';
import { Report, Send, SendStatus } from '../../entities';
import { inTransaction } from '../db/transaction';
import { fetchOnce } from './fetchOnce';

/** The userApi report codes, which the gateway's report queue keeps: 1 success, 0 failure, 2 unknown. */
export const ReportStatus = { failed: 0, delivered: 1, unknown: 2 } as const;

/** A delivery report as every vendor adapter normalizes it. */
export interface DeliveryReport {
  vendor: string;
  vendorMsgId: string;
  mobile?: string;
  outcome: 'delivered' | 'failed' | 'unknown';
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
    accountId: row.accountId, sendId: row.ID, batchId: row.batchId, mobile: row.infoto, status, code: code.slice(0, 32),
    sendTime: row.submittedAt ?? row.Createtime, reportTime: at, fetchToken: null, fetchedAt: null,
  });
}

export class Reports {
  constructor(private readonly db: DataSource) {}

  /**
   * Applies a report to its `send` row and queues it for the account. A report for a row that
   * already has a final status (a vendor's repeated push) changes nothing and queues nothing.
   * Returns whether the report matched a row that was waiting for one.
   */
  async record(report: DeliveryReport): Promise<boolean> {
    return inTransaction(this.db, async (m) => {
      const where: Record<string, unknown> = { vendor: report.vendor, vendorMsgId: report.vendorMsgId };
      if (report.mobile) where.infoto = report.mobile;
      const rows = await m.getRepository(Send).find({ where: { ...where, STATUS: In([SendStatus.waiting, SendStatus.submitted]) } });
      let matched = false;
      for (const row of rows) {
        const status = report.outcome === 'delivered' ? SendStatus.delivered : report.outcome === 'failed' ? SendStatus.failed : SendStatus.submitted;
        // "Unknown" leaves the row open for a final report, but is itself told only once.
        const open = { ID: row.ID, STATUS: In([SendStatus.waiting, SendStatus.submitted]), ...(report.outcome === 'unknown' ? { reportTime: IsNull() } : {}) };
        const updated = await m.getRepository(Send).update(open, { STATUS: status, reportStatus: report.code.slice(0, 32), reportTime: report.at });
        if ((updated.affected ?? 0) === 0) continue;
        matched = true;
        await queueReport(m, row, ReportStatus[report.outcome], report.code, report.at);
      }
      return matched;
    });
  }

  /**
   * Messages a vendor accepted but never reported on before `cutoff` are told to their caller as
   * unknown (status 2), as the legacy vendors did; a report that still comes later is applied.
   */
  async expireOverdue(cutoff: Date, now = new Date()): Promise<number> {
    const overdue = await this.db.getRepository(Send).find({
      where: { STATUS: SendStatus.submitted, reportTime: IsNull(), submittedAt: LessThan(cutoff) }, order: { ID: 'ASC' }, take: 500,
    });
    for (const row of overdue) {
      await this.record({ vendor: row.vendor ?? '', vendorMsgId: row.vendorMsgId ?? '', mobile: row.infoto, outcome: 'unknown', code: 'TIMEOUT', at: now });
    }
    return overdue.length;
  }

  fetch(accountId: number): Promise<Report[]> {
    return fetchOnce(this.db, Report, accountId);
  }
}
