import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DataSource, Like } from 'typeorm';
import { BalanceLedger, ParkedReport, Report, Send, SendStatus } from '../entities';
import { loadConfig } from '../src/config';
import { ConfigError } from '../src/configError';
import { type Core, createCore } from '../src/core';
import { openDatabase } from '../src/db/datasource';
import { queueStore } from '../src/core/queues';
import { applyParked, type DeliveryStatus } from '../src/core/reports';
import { inTransaction } from '../src/db/transaction';
import { Audit } from '../src/core/audit';
import { Dispatcher } from '../src/dispatch/dispatcher';
import { prepareLegacyRows } from '../src/dispatch/legacyRows';
import { outboxStore } from '../src/dispatch/outbox';
import { createLogger } from '../src/logger';
import { VENDOR_TYPES } from '../src/vendors';
import { validateVendor } from '../src/vendors/config';
import type { OutboundMessage, SendOutcome, Vendor } from '../src/vendors/types';
import { createTestDatabase, DIALECTS } from './support/gateway';

/** A vendor whose answers the test scripts, and which records every message it was given. */
class ScriptedVendor implements Vendor {
  readonly received: OutboundMessage[] = [];
  constructor(
    readonly name: string,
    private readonly answer: (m: OutboundMessage) => SendOutcome | 'throw',
  ) {}
  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    this.received.push(...batch);
    await new Promise((r) => setTimeout(r, 2));
    const answers = batch.map(this.answer);
    if (answers.includes('throw')) throw new Error('connection refused');
    return answers as SendOutcome[];
  }
}

const accepted =
  (prefix: string) =>
  (m: OutboundMessage): SendOutcome => ({ id: m.id, ok: true, vendorMsgId: `${prefix}-${m.id}` });

for (const dialect of DIALECTS) {
  describe(`dispatch on ${dialect}`, () => {
    let db: DataSource;
    let core: Core;
    let drop: () => Promise<void>;
    const config = loadConfig({ DISPATCH_RETRY_BASE_MS: '1', DISPATCH_MAX_ATTEMPTS: '3', DISPATCH_BATCH_SIZE: '50', VENDORS: 'simulator' });
    const log = createLogger('silent');

    before(async () => {
      const made = await createTestDatabase(dialect);
      drop = made.drop;
      db = await openDatabase(made.databaseUrl);
      core = createCore(db);
    });
    after(async () => {
      await db?.destroy();
      await drop?.();
    });

    const submit = async (username: string, count: number) => {
      const account = (await core.accounts.find(username)) ?? (await core.accounts.create(username, 'pw', { 1: 1000 }));
      const mobiles = Array.from({ length: count }, (_, i) => String(13800000000 + i)).join(',');
      return core.sending.submit({ account, pool: 1, content: '测试', mobiles, isLong: false, hostname: '127.0.0.1' });
    };
    const rowsOf = (batchId: string) => db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });
    const dispatcher = (vendors: Vendor[], overrides: Partial<typeof config> = {}) =>
      new Dispatcher(db, new Map(vendors.map((v) => [v.name, v])), { ...config, route: vendors.map((v) => v.name), ...overrides }, log);
    /** Sends what earlier tests left waiting, so that a test's dispatcher sees only its own rows. */
    const sendLeftovers = async () => {
      const sweeper = dispatcher([new ScriptedVendor('sweeper', accepted('sweep'))]);
      while ((await sweeper.tick()) > 0);
    };
    const waitUntil = async (what: () => Promise<boolean>) => {
      for (let i = 0; i < 400 && !(await what()); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(await what(), 'condition not reached in 4 s');
    };

    test('a transient failure is retried on the next vendor of the route (failover)', async () => {
      const { batchId } = await submit('failover', 3);
      const first = new ScriptedVendor('first', () => 'throw');
      const second = new ScriptedVendor('second', accepted('b'));
      const d = dispatcher([first, second]);
      assert.equal(await d.tick(), 3);
      let rows = await rowsOf(batchId);
      assert.ok(
        rows.every(
          (r) =>
            r.STATUS === SendStatus.waiting && r.attempts === 1 && r.lastError === 'first: connection refused' && r.claimOwner === null,
        ),
      );
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await d.tick(), 3);
      rows = await rowsOf(batchId);
      assert.deepEqual(
        rows.map((r) => [r.STATUS, r.vendor, r.vendorMsgId, r.attempts]),
        rows.map((r) => [SendStatus.submitted, 'second', `b-${r.ID}`, 2]),
      );
      assert.equal(first.received.length, 3);
      assert.equal(second.received.length, 3);
      assert.equal(second.received[0]!.content, '测试');
    });

    test('a final failure refunds the charge and queues a failure report', async () => {
      const { batchId } = await submit('refund', 2);
      const account = (await core.accounts.find('refund'))!;
      assert.equal(account.balanceGateway, 998);
      const refusing = new ScriptedVendor('refusing', (m) => ({ id: m.id, ok: false, retryable: false, error: 'blacklisted number' }));
      await dispatcher([refusing]).tick();
      const rows = await rowsOf(batchId);
      assert.ok(rows.every((r) => r.STATUS === SendStatus.failed && r.lastError === 'blacklisted number'));
      assert.equal((await core.accounts.find('refund'))!.balanceGateway, 1000);
      const refunds = await db.getRepository(BalanceLedger).findBy({ accountId: account.id, business: 'refund' });
      assert.deepEqual(
        refunds.map((l) => [l.amount, l.businessNumber, l.notes]),
        [[2, batchId, '2 numbers: blacklisted number']],
        'one refund line for the batch, as it was charged',
      );
      const reports = await core.reports.fetch(account.id);
      assert.deepEqual(
        reports.map((r) => [r.mobile, r.status]),
        [
          ['13800000000', 0],
          ['13800000001', 0],
        ],
      );
    });

    test('transient failures that never end fail after the last attempt, once', async () => {
      const { batchId } = await submit('exhausted', 1);
      const down = new ScriptedVendor('down', () => 'throw');
      const d = dispatcher([down]);
      for (let i = 0; i < 5; i++) {
        await d.tick();
        await new Promise((r) => setTimeout(r, 20));
      }
      const [row] = await rowsOf(batchId);
      assert.equal(row!.STATUS, SendStatus.failed);
      assert.equal(row!.attempts, 3);
      assert.equal(down.received.length, 3);
      assert.equal((await core.accounts.find('exhausted'))!.balanceGateway, 1000);
    });

    test('rows claimed by a node that died are claimed again when the lease runs out', async () => {
      const { batchId } = await submit('crash', 4);
      const now = new Date();
      // A lease long enough that a loaded machine cannot let it run out before the second claim.
      const claimed = await outboxStore(db).claim('dead-node', 100, now, new Date(now.getTime() + 1000));
      assert.ok(claimed.some((r) => r.batchId === batchId));
      assert.equal(
        (await outboxStore(db).claim('other', 100, new Date(), new Date(Date.now() + 60_000))).length,
        0,
        'leased rows are not claimed twice',
      );
      await new Promise((r) => setTimeout(r, 1100 - (Date.now() - now.getTime())));
      const vendor = new ScriptedVendor('rescuer', accepted('r'));
      await dispatcher([vendor]).tick();
      const rows = await rowsOf(batchId);
      assert.ok(rows.every((r) => r.STATUS === SendStatus.submitted && r.vendor === 'rescuer'));
    });

    test('delivery reports update the row once; a repeated push changes nothing', async () => {
      const { batchId } = await submit('reports', 1);
      await dispatcher([new ScriptedVendor('v', accepted('m'))]).tick();
      const [row] = await rowsOf(batchId);
      const report = { vendor: 'v', vendorMsgId: `m-${row!.ID}`, status: 'undelivered' as const, code: 'UNDELIV', at: new Date() };
      assert.equal(await core.reports.record(report), 'applied');
      assert.equal(await core.reports.record({ ...report, status: 'delivered', code: 'DELIVRD' }), 'repeated');
      const [after] = await rowsOf(batchId);
      assert.deepEqual([after!.STATUS, after!.reportStatus], [SendStatus.failed, 'UNDELIV']);
      assert.equal(await db.getRepository(Report).countBy({ sendId: row!.ID }), 1);
    });

    test("a report that overtakes the vendor id's commit is parked, then applied when the id is recorded", async () => {
      const { batchId } = await submit('early', 1);
      const [row] = await rowsOf(batchId);
      const early = {
        vendor: 'fast',
        vendorMsgId: `f-${row!.ID}`,
        mobile: row!.infoto,
        status: 'delivered' as const,
        code: 'DELIVRD',
        at: new Date(),
      };
      assert.equal(await core.reports.record(early), 'parked');
      assert.equal(await db.getRepository(ParkedReport).countBy({ vendor: 'fast' }), 1);
      await dispatcher([new ScriptedVendor('fast', accepted('f'))]).tick();
      const [after] = await rowsOf(batchId);
      assert.deepEqual([after!.STATUS, after!.reportStatus], [SendStatus.delivered, 'DELIVRD']);
      assert.equal(await db.getRepository(Report).countBy({ sendId: row!.ID, status: 1 }), 1);
      assert.equal(await db.getRepository(ParkedReport).countBy({ vendor: 'fast' }), 0);
      const stray = { ...early, vendorMsgId: 'nobody-sent-this' };
      assert.equal(await core.reports.record(stray), 'parked');
      await core.reports.dropParkedBefore(new Date(Date.now() + 1000));
      assert.equal(await db.getRepository(ParkedReport).countBy({ vendor: 'fast' }), 0, 'stray parked reports are dropped');
    });

    test('a report arriving while the vendor id is being recorded waits for it and applies, instead of parking for good', async () => {
      const { batchId } = await submit('racing', 1);
      const [row] = await rowsOf(batchId);
      let recorded!: () => void;
      const recording = inTransaction(db, async (m) => {
        await m.getRepository(Send).update({ ID: row!.ID }, { STATUS: SendStatus.submitted, vendor: 'quick', vendorMsgId: 'q-1' });
        await new Promise<void>((resolve) => {
          recorded = resolve;
        });
        await applyParked(queueStore(db).in(m), 'quick', ['q-1']);
      });
      await new Promise((r) => setTimeout(r, 50));
      const report = core.reports.record({
        vendor: 'quick',
        vendorMsgId: 'q-1',
        mobile: row!.infoto,
        status: 'delivered',
        code: 'DELIVRD',
        at: new Date(),
      });
      await new Promise((r) => setTimeout(r, 100));
      recorded();
      await recording;
      assert.equal(await report, 'applied');
      assert.deepEqual(
        [(await rowsOf(batchId))[0]!.STATUS, await db.getRepository(ParkedReport).countBy({ vendor: 'quick' })],
        [SendStatus.delivered, 0],
      );
    });

    test('a parked report whose vendor id a row carries by now is applied by the sweep', async () => {
      const { batchId } = await submit('stranded', 1);
      const [row] = await rowsOf(batchId);
      await db.getRepository(Send).update({ ID: row!.ID }, { STATUS: SendStatus.submitted, vendor: 'late', vendorMsgId: 'l-1' });
      const at = new Date();
      await db.getRepository(ParkedReport).insert({
        vendor: 'late',
        vendorMsgId: 'l-1',
        mobile: row!.infoto,
        outcome: 'rejected',
        code: 'REJECTD',
        reportTime: at,
        parkedAt: at,
      });
      assert.equal(await core.reports.applyStrandedParked(), 1);
      assert.deepEqual([(await rowsOf(batchId))[0]!.STATUS, (await rowsOf(batchId))[0]!.reportStatus], [SendStatus.failed, 'REJECTD']);
      assert.equal(await db.getRepository(Report).countBy({ sendId: row!.ID, status: 0 }), 1);
      assert.equal(await db.getRepository(ParkedReport).countBy({ vendor: 'late' }), 0);
    });

    test('a row a legacy system inserted with plain SQL is dispatched like any other', async () => {
      await core.accounts.create('legacy-owner', 'pw', { 1: 10 });
      await core.accounts.setLegacyUserId('legacy-owner', 1598);
      await db.query(
        "INSERT INTO send (Createtime, hostname, infotype, infoto, userid, RECVUSERID, content, contentsize, STATUS, YYB) VALUES (CURRENT_TIMESTAMP, '10.0.0.9', 8, '13912345678', 1598, 'C001', '您的委托已成交', 7, 0, 1)",
      );
      const vendor = new ScriptedVendor('legacy', accepted('l'));
      await dispatcher([vendor]).tick();
      const row = await db.getRepository(Send).findOneByOrFail({ infoto: '13912345678' });
      assert.equal(row.STATUS, SendStatus.submitted);
      assert.equal(vendor.received.find((m) => m.mobile === '13912345678')?.content, '您的委托已成交');
    });

    // Several nodes share MySQL/MariaDB only: two SQLite connections in one process would block each other's thread.
    if (dialect === 'mysql')
      test('two nodes accepting at the same time never hand out the same batch id', async () => {
        const otherNode = await openDatabase((db.options as { url: string }).url, false);
        try {
          const nodes = [core, createCore(otherNode)];
          const account = await core.accounts.create('twins', 'pw', { 1: 1000 });
          const ids = await Promise.all(
            Array.from({ length: 60 }, (_, i) =>
              nodes[i % 2]!.sending.submit({ account, pool: 1, content: 'x', mobiles: '13800138000', isLong: false, hostname: null }).then(
                (r) => r.batchId,
              ),
            ),
          );
          assert.equal(new Set(ids).size, 60);
          assert.ok(ids.every((id) => /^\d{20}$/.test(id)));
        } finally {
          await otherNode.destroy();
        }
      });

    test("the dispatcher keeps claiming while vendor calls are in flight, up to the vendor's batchesInFlight", async () => {
      await sendLeftovers();
      const { batchId } = await submit('in-flight', 40);
      const gates: (() => void)[] = [];
      let open = 0;
      let most = 0;
      const slow: Vendor = {
        name: 'slow',
        async send(batch) {
          most = Math.max(most, ++open);
          await new Promise<void>((resolve) => gates.push(resolve));
          open--;
          return batch.map(accepted('s'));
        },
      };
      const vendors = new Map([['slow', { type: 'simulator', batchesInFlight: 3, settings: {} }]]);
      const d = dispatcher([slow], { dispatch: { ...config.dispatch, batchSize: 5, intervalMs: 10 }, vendors });
      d.start();
      const leased = () => db.getRepository(Send).countBy({ batchId, claimOwner: Like(`${d.owner}#%`) });
      // Three calls in flight, and the batch claimed after them waiting for a slot.
      await waitUntil(async () => gates.length === 3 && (await leased()) === 20);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual([gates.length, await leased()], [3, 20], 'no fourth call, no further claim');
      const release = setInterval(() => {
        for (const open of gates.splice(0)) open();
      }, 5);
      await waitUntil(async () => (await db.getRepository(Send).countBy({ batchId, STATUS: SendStatus.submitted })) === 40);
      clearInterval(release);
      await d.stop();
      assert.equal(most, 3);
    });

    test('a node whose lease ran out records nothing over the node that took its rows over', async () => {
      await sendLeftovers();
      const { batchId } = await submit('overtaken', 2);
      let letGo: (() => void) | null = null;
      const stuck: Vendor = {
        name: 'stuck',
        async send(batch) {
          await new Promise<void>((resolve) => {
            letGo = resolve;
          });
          return batch.map((m) => ({ id: m.id, ok: false, retryable: false, error: 'refused, too late' }));
        },
      };
      const slowNode = dispatcher([stuck], { dispatch: { ...config.dispatch, leaseMs: 50 } });
      const sending = slowNode.tick();
      await waitUntil(async () => letGo !== null);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await dispatcher([new ScriptedVendor('rescuer2', accepted('r2'))]).tick(), 2, 'the expired lease is claimed again');
      letGo!();
      assert.equal(await sending, 2);
      const rows = await rowsOf(batchId);
      assert.deepEqual(
        rows.map((r) => [r.STATUS, r.vendor, r.vendorMsgId, r.attempts, r.lastError]),
        rows.map((r) => [SendStatus.submitted, 'rescuer2', `r2-${r.ID}`, 1, null]),
      );
      const account = (await core.accounts.find('overtaken'))!;
      assert.equal(account.balanceGateway, 998, 'not refunded: the rows were sent');
      assert.equal(await db.getRepository(Report).countBy({ accountId: account.id }), 0, 'no failure reported');
    });

    /**
     * Two claims of the same rows, as one node (one owner) makes them after its first lease ran out:
     * T, then T + 2 s. The claim's `now` is a parameter, so the lease lapses without waiting.
     */
    const claimTwice = async (owner: string, ids: number[]) => {
      const at = Date.now();
      const first = await outboxStore(db).claim(`${owner}#1`, 100, new Date(at), new Date(at + 1000));
      const second = await outboxStore(db).claim(`${owner}#2`, 100, new Date(at + 2000), new Date(at + 60_000));
      const ours = (rows: Send[]) => rows.filter((r) => ids.includes(Number(r.ID)));
      assert.deepEqual(
        ours(first).map((r) => Number(r.ID)),
        ids,
        'the first claim took the rows',
      );
      assert.deepEqual(
        ours(second).map((r) => Number(r.ID)),
        ids,
        'the second claim took them again once the lease lapsed',
      );
      return { first: ours(first), second: ours(second) };
    };

    test("a claim's late outcome (accept, retry or fail) changes nothing once its rows were claimed again, even by the same owner", async () => {
      await sendLeftovers();
      const { batchId } = await submit('fenced', 3);
      const ids = (await rowsOf(batchId)).map((r) => Number(r.ID));
      const { first, second } = await claimTwice('one-node', ids);
      const late = (row: Send) => ({ id: Number(row.ID), claim: row.claimOwner! });
      const at = new Date();
      let failedNow: number[] = [];
      await inTransaction(db, async (m) => {
        const outcomes = outboxStore(db).in(m);
        await outcomes.accept('late', at, [{ ...late(first[0]!), vendorMsgId: 'late-accept' }]);
        await outcomes.retry('late', [{ ...late(first[1]!), nextAttemptAt: at, error: 'late retry' }]);
        failedNow = await outcomes.fail('late', at, [{ ...late(first[2]!), error: 'late failure' }]);
      });
      assert.deepEqual(failedNow, [], 'nothing failed by the lapsed claim');
      const untouched = await rowsOf(batchId);
      assert.deepEqual(
        untouched.map((r) => [r.STATUS, r.claimOwner, r.attempts, r.vendor, r.vendorMsgId, r.lastError]),
        ids.map(() => [SendStatus.waiting, 'one-node#2', 0, null, null, null]),
      );
      await inTransaction(db, (m) =>
        outboxStore(db)
          .in(m)
          .accept(
            'current',
            at,
            second.map((r) => ({ ...late(r), vendorMsgId: `current-${r.ID}` })),
          ),
      );
      const sent = await rowsOf(batchId);
      assert.deepEqual(
        sent.map((r) => [r.STATUS, r.claimOwner, r.attempts, r.vendor, r.vendorMsgId]),
        ids.map((id) => [SendStatus.submitted, null, 1, 'current', `current-${id}`]),
      );
      assert.equal((await core.accounts.find('fenced'))!.balanceGateway, 997, 'charged once, refunded never');
    });

    test('a legacy row is charged and filled in only by the claim that still holds it', async () => {
      await sendLeftovers();
      const account = await core.accounts.create('fenced-legacy', 'pw', { 1: 10 });
      const insert = (infoto: string) =>
        db.query(
          `INSERT INTO send (Createtime, hostname, infotype, infoto, userid, RECVUSERID, content, contentsize, STATUS, YYB)
           VALUES (CURRENT_TIMESTAMP, '10.0.0.8', 8, ?, NULL, 'fence', '旧系统', 3, 0, 1)`,
          [infoto],
        );
      await insert('13800138009');
      await insert('not-a-number');
      const ids = (await db.getRepository(Send).find({ where: { RECVUSERID: 'fence' }, order: { ID: 'ASC' } })).map((r) => Number(r.ID));
      const { first, second } = await claimTwice('legacy-node', ids);
      const legacyConfig = { ...config, legacy: { ...config.legacy, defaultAccount: 'fenced-legacy' } };
      const prepare = (rows: Send[]) => prepareLegacyRows(db, rows, legacyConfig, new Audit(db), log);
      assert.deepEqual(await prepare(first), [], 'the lapsed claim prepares nothing');
      const afterLapsed = await db.getRepository(Send).find({ where: { RECVUSERID: 'fence' }, order: { ID: 'ASC' } });
      assert.deepEqual(
        afterLapsed.map((r) => [r.STATUS, r.accountId, r.claimOwner, r.lastError]),
        ids.map(() => [SendStatus.waiting, null, 'legacy-node#2', null]),
        'neither charged nor failed',
      );
      assert.equal((await core.accounts.find('fenced-legacy'))!.balanceGateway, 10);
      const ready = await prepare(second);
      assert.deepEqual(
        ready.map((r) => [Number(r.ID), r.accountId, r.charged]),
        [[ids[0], account.id, 1]],
      );
      const rejected = await db.getRepository(Send).findOneByOrFail({ ID: ids[1] });
      assert.equal(rejected.STATUS, SendStatus.failed, 'the bad number is failed by the claim that holds it');
      assert.equal((await core.accounts.find('fenced-legacy'))!.balanceGateway, 9, 'charged once');
      await inTransaction(db, (m) =>
        outboxStore(db)
          .in(m)
          .accept('current', new Date(), [{ id: ids[0]!, claim: 'legacy-node#2', vendorMsgId: 'legacy-sent' }]),
      );
    });

    test("one node's vendor answer that comes after its lease lapsed and it claimed the rows again is not recorded, nor sent again", async () => {
      await sendLeftovers();
      const { batchId } = await submit('same-node', 2);
      const calls: { batch: OutboundMessage[]; answer: (outcomes: SendOutcome[]) => void }[] = [];
      const gated: Vendor = {
        name: 'gated',
        send: (batch) => new Promise((answer) => calls.push({ batch, answer })),
      };
      const node = dispatcher([gated], { dispatch: { ...config.dispatch, leaseMs: 50 } });
      const firstRound = node.tick();
      await waitUntil(async () => calls.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      const secondRound = node.tick();
      await waitUntil(async () => calls.length === 2);
      const [first, second] = calls;
      assert.deepEqual(
        second!.batch.map((m) => m.id),
        first!.batch.map((m) => m.id),
        'the same node claimed the rows again',
      );
      // The first call's answer comes while the second is in flight: a retry would free the rows for a third send.
      first!.answer(first!.batch.map((m) => ({ id: m.id, ok: false, retryable: true, error: 'busy, too late' })));
      await firstRound;
      const held = await rowsOf(batchId);
      assert.ok(held.every((r) => r.STATUS === SendStatus.waiting && r.attempts === 0 && r.lastError === null && r.claimOwner !== null));
      second!.answer(second!.batch.map(accepted('second')));
      await secondRound;
      const rows = await rowsOf(batchId);
      assert.deepEqual(
        rows.map((r) => [r.STATUS, r.vendorMsgId, r.attempts, r.lastError]),
        rows.map((r) => [SendStatus.submitted, `second-${r.ID}`, 1, null]),
      );
      assert.equal(await node.tick(), 0, 'nothing is due again');
      assert.equal(calls.length, 2);
    });

    test('a batch of reports is applied as one by one: repeats, unknown then final, numbers, unknown ids', async () => {
      const { batchId } = await submit('bulk-reports', 3);
      // One vendor id for the whole request, as vendors that answer one batch id do; reports carry the number.
      await dispatcher([new ScriptedVendor('bulk', (m) => ({ id: m.id, ok: true, vendorMsgId: 'one-id' }))]).tick();
      const at = new Date();
      const report = (mobile: string, status: DeliveryStatus, code: string) => ({
        vendor: 'bulk',
        vendorMsgId: 'one-id',
        mobile,
        status,
        code,
        at,
      });
      const outcomes = await core.reports.recordAll([
        report('13800000000', 'delivered', 'DELIVRD'),
        report('13800000000', 'undelivered', 'UNDELIV'),
        report('13800000001', 'unknown', 'UNKNOWN'),
        report('13800000001', 'unknown', 'UNKNOWN'),
        report('13800000001', 'delivered', 'DELIVRD'),
        report('13900000000', 'delivered', 'DELIVRD'),
        { vendor: 'bulk', vendorMsgId: 'nobody-sent-this', status: 'delivered', code: 'DELIVRD', at },
      ]);
      assert.deepEqual(outcomes, ['applied', 'repeated', 'applied', 'repeated', 'applied', 'parked', 'parked']);
      assert.deepEqual(
        (await rowsOf(batchId)).map((r) => [r.infoto, r.STATUS, r.reportStatus]),
        [
          ['13800000000', SendStatus.delivered, 'DELIVRD'],
          ['13800000001', SendStatus.delivered, 'DELIVRD'],
          ['13800000002', SendStatus.submitted, null],
        ],
      );
      const account = (await core.accounts.find('bulk-reports'))!;
      assert.deepEqual(
        (await core.reports.fetch(account.id)).map((r) => [r.mobile, r.status, r.batchId]),
        [
          ['13800000000', 1, batchId],
          ['13800000001', 2, batchId],
          ['13800000001', 1, batchId],
        ],
      );
      assert.equal(await db.getRepository(ParkedReport).countBy({ vendor: 'bulk' }), 2);
      await db.getRepository(ParkedReport).delete({ vendor: 'bulk' });
    });

    test('concurrent fetches hand each report out once, oldest first', async () => {
      const { batchId } = await submit('fetchers', 30);
      const account = (await core.accounts.find('fetchers'))!;
      await dispatcher([new ScriptedVendor('f', accepted('fo'))]).tick();
      const rows = await rowsOf(batchId);
      const at = new Date(Date.now() - 1000);
      await core.reports.recordAll(
        rows.map((row) => ({ vendor: 'f', vendorMsgId: `fo-${row.ID}`, status: 'delivered' as const, code: 'DELIVRD', at })),
      );
      const fetched = await Promise.all(Array.from({ length: 5 }, () => core.reports.fetch(account.id)));
      const ids = fetched.flat().map((r) => r.id);
      assert.deepEqual([ids.length, new Set(ids).size], [30, 30]);
      for (const one of fetched)
        assert.deepEqual(
          one.map((r) => r.id),
          one.map((r) => r.id).sort((a, b) => a - b),
        );
      const first = fetched.flat().find((r) => r.mobile === '13800000000')!;
      assert.deepEqual([first.accountId, first.batchId, first.status, first.code], [Number(account.id), batchId, 1, 'DELIVRD']);
      assert.equal(first.reportTime.getTime(), at.getTime());
      assert.ok(first.sendTime instanceof Date && first.fetchToken !== null);
      assert.deepEqual(await core.reports.fetch(account.id), [], 'nothing is handed out twice');
    });

    test('two dispatchers sharing the database never send a row twice', async () => {
      const { batchId } = await submit('shared', 300);
      const a = new ScriptedVendor('a', accepted('a'));
      const b = new ScriptedVendor('b', accepted('b'));
      const nodeA = dispatcher([a], { dispatch: { ...config.dispatch, batchSize: 20, intervalMs: 10 } });
      const nodeB = dispatcher([b], { dispatch: { ...config.dispatch, batchSize: 20, intervalMs: 10 } });
      nodeA.start();
      nodeB.start();
      await waitUntil(async () => (await db.getRepository(Send).countBy({ batchId, STATUS: SendStatus.submitted })) === 300);
      await Promise.all([nodeA.stop(), nodeB.stop()]);
      // MySQL's BIGINT ids come back from TypeORM as strings.
      const mine = new Set((await rowsOf(batchId)).map((r) => Number(r.ID)));
      const ids = [...a.received, ...b.received].map((m) => m.id).filter((id) => mine.has(id));
      assert.equal(ids.length, 300);
      assert.equal(new Set(ids).size, 300);
      if (dialect === 'mysql')
        assert.ok(a.received.length > 0 && b.received.length > 0, `both nodes worked: ${a.received.length}/${b.received.length}`);
    });
  });
}

test('a vendor takes batchesInFlight from the file, checked like every key', () => {
  const types = VENDOR_TYPES;
  assert.equal(validateVendor('gateway.yaml', 'zt', { type: 'simulator', batchesInFlight: 8 }, types).batchesInFlight, 8);
  assert.equal(validateVendor('gateway.yaml', 'zt', { type: 'simulator' }, types).batchesInFlight, undefined);
  assert.throws(
    () => validateVendor('gateway.yaml', 'zt', { type: 'simulator', batchesInFlight: 0 }, types),
    (err: Error) =>
      err instanceof ConfigError && err.message === 'gateway.yaml: vendors.zt.batchesInFlight: must be a whole number from 1 to 64, got 0',
  );
});
