/**
 * The Montnets (梦网) wmgw.asmx caller's run, as contracts/montnets/MontnetsAxisMain.java and
 * contracts/montnets/MontnetsMain.cs print it, checked against the gateway: the three sends (rows
 * in `send`), their reports once as ArrayOfString items, the injected reply, the balance, the
 * vendor's codes for a wrong password, an empty balance, a bad number, a forbidden word and
 * MULTIXSend.
 */
import assert from 'node:assert/strict';
import { Send } from '../../../entities';
import type { TestGateway } from '../../support/gateway';
import { type CallerRun, LEGACY_ACCOUNTS, OPENING_BALANCE, type Printed } from './legacyContract';

const TEXT = '验证码1234【测试】';
const BATCH_ID = /^\d{20}$/;

export const MONTNETS: CallerRun = {
  contract: 'montnets',
  endpoint: '/MWGate/wmgw.asmx',
  reply: 'TD, <退订> & 好',
  async check(one: Printed, gw: TestGateway): Promise<void> {
    assert.equal(one('balanceBefore'), String(OPENING_BALANCE));
    const batches = [one('send')!, one('sendSubmit')!, one('sendEx')!];
    for (const batchId of batches) assert.match(batchId, BATCH_ID, 'the message id: the 20-digit batch id');
    const { id: accountId } = await gw.account(LEGACY_ACCOUNTS.user);
    const rows = await gw.db.getRepository(Send).find({ where: { accountId }, order: { ID: 'ASC' } });
    assert.deepEqual(
      rows.map((row) => [row.batchId, row.infoto, row.content]),
      [
        [batches[0], '13800000001', TEXT],
        [batches[0], '13800000002', TEXT],
        [batches[1], '13800000003', TEXT],
        [batches[2], '13800000004', TEXT],
      ],
    );
    const reports = one('reports')!
      .split(';')
      .map((item) => item.split(','));
    assert.deepEqual(
      reports.map(([, , batchId, star, status, code]) => [batchId, star, status, code]).sort(),
      [
        [batches[0], '*', '0', 'DELIVRD'],
        [batches[0], '*', '0', 'DELIVRD'],
        [batches[1], '*', '0', 'DELIVRD'],
        [batches[2], '*', '0', 'DELIVRD'],
      ].sort(),
      '日期,时间,信息编号,*,状态,状态详细信息 with 0 received',
    );
    for (const [date, time] of reports) {
      assert.match(date!, /^\d{4}-\d\d-\d\d$/);
      assert.match(time!, /^\d\d:\d\d:\d\d$/);
    }
    // None left: an empty ArrayOfString (the vendor documents null; a caller looping over it sees none either way)
    assert.equal(one('reportsAgain'), '', 'reports are handed out once');
    assert.match(one('replies')!, /^\d{4}-\d\d-\d\d,\d\d:\d\d:\d\d,13900000009,[^,]*,\*,TD, <退订> & 好$/);
    assert.equal(one('deliver'), null);

    assert.equal(one('balanceAfter'), String(OPENING_BALANCE - 4));
    assert.equal(one('wrongPasswordSend'), '-1');
    assert.equal(one('wrongPasswordBalance'), '-1');
    assert.equal(one('emptyBalance'), '-10003');
    assert.equal(one('badNumber'), '-12');
    assert.equal(one('forbiddenWord'), '-10033');
    assert.equal(one('multix'), '-10008');
  },
};
