/**
 * The Emay (亿美) SDKService caller's run, as contracts/emay/EmayAxisMain.java and
 * contracts/emay/zeep_client.py print it, checked against the gateway: registEx, the send (rows in
 * `send`), both reports once, the injected reply, the balance as a double, the vendor's codes for a
 * wrong key, an empty balance, a bad number and a schedule not in yyyyMMddHHmmss, the refused
 * vendor-side settings.
 */
import assert from 'node:assert/strict';
import { Send } from '../../../entities';
import type { TestGateway } from '../../support/gateway';
import { type CallerRun, LEGACY_ACCOUNTS, OPENING_BALANCE, type Printed } from './legacyContract';

const TEXT = '验证码1234【测试】';

export const EMAY: CallerRun = {
  contract: 'emay',
  endpoint: '/sdk/SDKService',
  reply: 'TD <退订> & 好',
  async check(one: Printed, gw: TestGateway): Promise<void> {
    assert.equal(one('registEx'), '0');
    assert.equal(one('balanceBefore'), OPENING_BALANCE.toFixed(1), 'a double, as Java and Python print it');
    assert.equal(one('send'), '0');
    const { id: accountId } = await gw.account(LEGACY_ACCOUNTS.user);
    const rows = await gw.db.getRepository(Send).find({ where: { accountId }, order: { ID: 'ASC' } });
    const sent = rows.filter((row) => row.infoto !== '13800000003');
    assert.deepEqual(
      sent.map((row) => [row.infoto, row.content]),
      [
        ['13800000001', TEXT],
        ['13800000002', TEXT],
      ],
    );
    const reports = one('reports')!
      .split(';')
      .map((r) => r.split('|'));
    assert.deepEqual(
      reports.map(([mobile, status, code]) => [mobile, status, code]).sort(),
      [
        ['13800000001', '0', 'DELIVRD'],
        ['13800000002', '0', 'DELIVRD'],
      ],
      'both reports, delivered in the chosen word 0',
    );
    for (const [, , , seqId, receiveDate, submitDate] of reports) {
      assert.match(seqId!, /^[1-9]\d*$/, 'seqID: the task id of the send');
      assert.match(receiveDate!, /^20\d{12}$/);
      assert.match(submitDate!, /^20\d{12}$/);
    }
    assert.equal(one('reportsAgain'), '0', 'reports are handed out once');
    const [reply] = one('replies')!.split(';');
    const [mobile, content, sentTime] = reply!.split('|');
    assert.deepEqual([mobile, content], ['13900000009', 'TD <退订> & 好']);
    assert.match(sentTime!, /^20\d{12}$/);

    assert.equal(one('balanceAfter'), (OPENING_BALANCE - 2).toFixed(1), 'the two sent charged');
    assert.equal(one('eachFee'), '1.0');
    assert.equal(one('wrongPasswordRegist'), '17');
    assert.equal(one('wrongPasswordSend'), '17');
    assert.equal(one('wrongPasswordBalance'), '17.0');
    assert.equal(one('emptyBalance'), '17');
    assert.equal(one('badNumber'), '307');
    assert.equal(one('badSchedule'), '18');
    assert.equal(one('scheduled'), '0');
    const scheduled = rows.find((row) => row.infoto === '13800000003');
    assert.equal(scheduled?.scheduledAt?.toISOString(), '2035-12-31T00:00:00.000Z', 'arg2 read as yyyyMMddHHmmss, China time');
    assert.equal(one('serialPwdUpd'), '-1');
    assert.equal(one('chargeUp'), '-1');
    assert.equal(one('logout'), '0');
    assert.equal(one('version'), 'SDKService (sms-soap-gateway)');
  },
};
