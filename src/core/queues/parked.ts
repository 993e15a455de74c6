import type { DeliveryStatus } from '../reports';
import type { ParkedReport } from './index';

/** A parked_report row as both dialects read it (SELECT … AS vendorMsgId, outcome, code, at). */
export interface ParkedRow {
  id: number | string;
  vendorMsgId: string;
  mobile: string | null;
  outcome: string;
  code: string;
}

/** A parked row of `vendor` as the report it holds; `at` is its time, as the dialect reads it. */
export function parkedReport(vendor: string, p: ParkedRow, at: Date): ParkedReport {
  return {
    id: Number(p.id),
    report: {
      vendor,
      vendorMsgId: p.vendorMsgId,
      ...(p.mobile ? { mobile: p.mobile } : {}),
      status: p.outcome as DeliveryStatus,
      code: p.code,
      at,
    },
  };
}
