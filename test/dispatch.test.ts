import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { BalanceLedger, ParkedReport, Report, Send, SendStatus } from '../entities';
import { loadConfig } from '../src/config';
import { type Core, createCore } from '../src/core';
import { openDatabase } from '../src/db/datasource';
import { Reports } from '../src/core/reports';
import { inTransaction } from '../src/db/transaction';
import { claimDueRows } from '../src/dispatch/claim';
import { Dispatcher } from '../src/dispatch/dispatcher';
import { createLogger } from '../src/logger';
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
        refunds.map((l) => l.amount),
        [1, 1],
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
      const claimed = await claimDueRows(db, 'dead-node', 100, now, new Date(now.getTime() + 100));
      assert.ok(claimed.some((r) => r.batchId === batchId));
      assert.equal(
        (await claimDueRows(db, 'other', 100, new Date(), new Date(Date.now() + 60_000))).length,
        0,
        'leased rows are not claimed twice',
      );
      await new Promise((r) => setTimeout(r, 1100));
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
        await Reports.applyParked(m, 'quick', ['q-1']);
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
      const mine = new Set((await rowsOf(batchId)).map((r) => r.ID));
      const ids = [...a.received, ...b.received].map((m) => m.id).filter((id) => mine.has(id));
      assert.equal(ids.length, 300);
      assert.equal(new Set(ids).size, 300);
      if (dialect === 'mysql')
        assert.ok(a.received.length > 0 && b.received.length > 0, `both nodes worked: ${a.received.length}/${b.received.length}`);
    });
  });
}
