import { DataSource, In } from 'typeorm';
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
        const updated = await m.getRepository(Send).update(
          { ID: row.ID, STATUS: In([SendStatus.waiting, SendStatus.submitted]) },
          { STATUS: status, reportStatus: report.code.slice(0, 32), reportTime: report.at },
        );
        if ((updated.affected ?? 0) === 0) continue;
        matched = true;
        if (row.accountId === null) continue;
        await m.getRepository(Report).insert({
          accountId: row.accountId,
          sendId: row.ID,
          batchId: row.batchId,
          mobile: row.infoto,
          status: ReportStatus[report.outcome],
          code: report.code.slice(0, 32),
          sendTime: row.submittedAt ?? row.Createtime,
          reportTime: report.at,
          fetchToken: null,
          fetchedAt: null,
        });
      }
      return matched;
    });
  }

  fetch(accountId: number): Promise<Report[]> {
    return fetchOnce(this.db, Report, accountId);
  }
}
