import { Account } from './Account';
import { AuditRule } from './AuditRule';
import { BalanceLedger } from './BalanceLedger';
import { Batch } from './Batch';
import { NumberWindow } from './NumberWindow';
import { ParkedReport } from './ParkedReport';
import { Reply } from './Reply';
import { Report } from './Report';
import { Send } from './Send';
import { VendorLease } from './VendorLease';

export { Account, AuditRule, BalanceLedger, Batch, NumberWindow, ParkedReport, Reply, Report, Send, VendorLease };
export { SendStatus } from './Send';
export const entities = [Send, Batch, Account, BalanceLedger, Report, ParkedReport, Reply, VendorLease, AuditRule, NumberWindow];
