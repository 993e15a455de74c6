import { Account } from './Account';
import { BalanceLedger } from './BalanceLedger';
import { Reply } from './Reply';
import { Report } from './Report';
import { Send } from './Send';

export { Account, BalanceLedger, Reply, Report, Send };
export { SendStatus } from './Send';
export const entities = [Send, Account, BalanceLedger, Report, Reply];
