import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { type Account, BalanceLedger, Batch, Report, Send, SendStatus } from '../entities';
import { type Core, createCore } from '../src/core';
import { Failure } from '../src/core/failures';
import { openDatabase } from '../src/db/datasource';
import { createTestDatabase, DIALECTS } from './support/gateway';

/** Content a database trigger refuses: it makes the group's transaction fail inside the database itself. */
const POISON = 'this text makes the database fail the insert';

const triggers = {
  sqlite: `CREATE TRIGGER poison_send BEFORE INSERT ON send WHEN NEW.content = '${POISON}'
           BEGIN SELECT RAISE(ABORT, 'poisoned row'); END`,
  mysql: `CREATE TRIGGER poison_send BEFORE INSERT ON send FOR EACH ROW
          BEGIN IF NEW.content = '${POISON}' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'poisoned row'; END IF; END`,
};

for (const dialect of DIALECTS) {
  describe(`group commit on ${dialect}`, () => {
    let db: DataSource;
    let core: Core;
    let drop: () => Promise<void>;
    let n = 0;

    before(async () => {
      const made = await createTestDatabase(dialect);
      drop = made.drop;
      db = await openDatabase(made.databaseUrl);
      await db.query(triggers[dialect]);
      core = createCore(db);
    });
    after(async () => {
      await db?.destroy();
      await drop?.();
    });

    const account = (balance: number) => core.accounts.create(`gc${++n}`, 'pw', { 1: balance });
    const send = (a: Account, mobiles: string, content = '验证码 1234', serial: string | null = null, via = core) =>
      via.sending.submit({ account: a, pool: 1, content, mobiles, isLong: false, hostname: '127.0.0.1', serial });
    /** Submissions made in one turn of the event loop, as concurrent callers' would be; the number of groups they took. */
    const together = async <T>(calls: (() => Promise<T>)[]) => {
      const groupsBefore = core.sending.groups.stats.groups;
      const settled = await Promise.allSettled(calls.map((c) => c()));
      return { settled, groups: core.sending.groups.stats.groups - groupsBefore };
    };
    const balance = async (a: Account) => (await core.accounts.find(a.username))!.balanceGateway;
    const rowsOf = (a: Account) => db.getRepository(Send).find({ where: { accountId: a.id }, order: { ID: 'ASC' } });
    const ledgerOf = (a: Account) =>
      db.getRepository(BalanceLedger).find({ where: { accountId: a.id, business: 'send' }, order: { id: 'ASC' } });

    test('calls arriving together are one transaction, each answered with its own batch', async () => {
      const a = await account(100);
      const b = await account(100);
      const { settled, groups } = await together([
        () => send(a, '13800000001'),
        () => send(b, '13800000002,13800000003'),
        () => send(a, '13800000004'),
      ]);
      assert.equal(groups, 1);
      const ids = settled.map((s) => (s.status === 'fulfilled' ? s.value.batchId : assert.fail(String(s.reason))));
      assert.equal(new Set(ids).size, 3);
      for (const id of ids) assert.match(id, /^\d{20}$/);
      assert.deepEqual(
        (await rowsOf(a)).map((r) => [r.batchId, r.infoto, r.STATUS, r.charged]),
        [
          [ids[0], '13800000001', SendStatus.waiting, 1],
          [ids[2], '13800000004', SendStatus.waiting, 1],
        ],
      );
      assert.deepEqual(
        (await rowsOf(b)).map((r) => [r.batchId, r.infoto]),
        [
          [ids[1], '13800000002'],
          [ids[1], '13800000003'],
        ],
      );
      assert.equal(await balance(a), 98);
      assert.equal(await balance(b), 98);
      // One ledger line per send, in arrival order, each with the balance before and after it.
      assert.deepEqual(
        (await ledgerOf(a)).map((l) => [l.businessNumber, l.original, l.amount, l.remaining]),
        [
          [ids[0], 100, -1, 99],
          [ids[2], 99, -1, 98],
        ],
      );
      assert.equal(await db.getRepository(Batch).countBy({ accountId: a.id }), 2);
    });

    test('a call its pool cannot pay for fails alone, balances checked in arrival order', async () => {
      const a = await account(5);
      const other = await account(10);
      const { settled, groups } = await together([
        () => send(a, '13800000011,13800000012'),
        () => send(a, '13800000013,13800000014'),
        () => send(a, '13800000015,13800000016'),
        () => send(other, '13800000017'),
        () => send(a, '13800000018'),
      ]);
      assert.equal(groups, 1);
      assert.deepEqual(
        settled.map((s) => s.status),
        ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      const refused = settled[2] as PromiseRejectedResult;
      assert.ok(refused.reason instanceof Failure);
      assert.equal(refused.reason.code, 'insufficientBalance');
      assert.equal(await balance(a), 0);
      assert.equal(await balance(other), 9);
      assert.deepEqual(
        (await rowsOf(a)).map((r) => r.infoto),
        ['13800000011', '13800000012', '13800000013', '13800000014', '13800000018'],
      );
      assert.deepEqual(
        (await ledgerOf(a)).map((l) => [l.original, l.remaining]),
        [
          [5, 3],
          [3, 1],
          [1, 0],
        ],
      );
    });

    test('if the commit fails, every call in the group fails and nothing of theirs is stored or charged', async () => {
      const a = await account(50);
      const b = await account(50);
      const { settled, groups } = await together([
        () => send(a, '13800000021'),
        () => send(b, '13800000022', POISON),
        () => send(a, '13800000023,1380000'),
      ]);
      assert.equal(groups, 1);
      for (const s of settled) {
        assert.equal(s.status, 'rejected');
        // Not a refusal the caller could act on: the faces answer their contract's "try later".
        assert.ok(!((s as PromiseRejectedResult).reason instanceof Failure));
      }
      assert.equal(await balance(a), 50);
      assert.equal(await balance(b), 50);
      assert.equal((await rowsOf(a)).length + (await rowsOf(b)).length, 0);
      assert.equal((await ledgerOf(a)).length + (await ledgerOf(b)).length, 0);
      assert.equal(await db.getRepository(Batch).countBy({ accountId: a.id }), 0);
      assert.equal(await db.getRepository(Report).countBy({ accountId: a.id }), 0);
      // The next group goes through as if nothing happened.
      const after = await send(a, '13800000024');
      assert.match(after.batchId, /^\d{20}$/);
      assert.equal(await balance(a), 49);
    });

    test('invalid numbers of a group are failed, uncharged rows, each with its failure report', async () => {
      const a = await account(10);
      const { settled, groups } = await together([() => send(a, '13800000031,12345,abc'), () => send(a, '99999,13800000032')]);
      assert.equal(groups, 1);
      const ids = settled.map((s) => (s.status === 'fulfilled' ? s.value.batchId : assert.fail(String(s.reason))));
      // (Row ids follow each dialect's insert order; what matters is which rows exist.)
      const rows = (await rowsOf(a)).sort((x, y) => x.batchId!.localeCompare(y.batchId!) || x.STATUS - y.STATUS || x.ID - y.ID);
      assert.deepEqual(
        rows.map((r) => [r.batchId, r.infoto, r.STATUS, r.charged, r.lastError]),
        [
          [ids[0], '13800000031', SendStatus.waiting, 1, null],
          [ids[0], '12345', SendStatus.failed, 0, 'invalid mobile number'],
          [ids[0], 'abc', SendStatus.failed, 0, 'invalid mobile number'],
          [ids[1], '13800000032', SendStatus.waiting, 1, null],
          [ids[1], '99999', SendStatus.failed, 0, 'invalid mobile number'],
        ],
      );
      const reports = await db.getRepository(Report).find({ where: { accountId: a.id }, order: { sendId: 'ASC' } });
      const failed = rows.filter((r) => r.STATUS === SendStatus.failed);
      assert.deepEqual(
        reports.map((r) => [r.sendId, r.batchId, r.mobile, r.status, r.code]),
        failed.map((r) => [r.ID, r.batchId, r.infoto, 0, 'INVALID']),
      );
      assert.equal(await balance(a), 8);
    });

    test('a serial number repeated with the same request is answered like the first call, sent and charged once', async () => {
      const a = await account(20);
      const b = await account(20);
      const { settled, groups } = await together([
        () => send(a, '13800000051,12345', '流水号测试', '00020261202093015123'),
        () => send(a, '13800000051,12345', '流水号测试', '00020261202093015123'),
        () => send(b, '13800000052', '流水号测试', '00020261202093015123'),
      ]);
      assert.equal(groups, 1);
      const [first, again, other] = settled.map((s) => (s.status === 'fulfilled' ? s.value : assert.fail(String(s.reason))));
      assert.equal(again!.batchId, first!.batchId);
      assert.deepEqual([first!.repeated, again!.repeated, other!.repeated], [false, true, false]);
      assert.deepEqual(again!.invalid, ['12345'], 'the repeat lists the numbers the first call failed');
      assert.notEqual(other!.batchId, first!.batchId, "another account's serial numbers are its own");
      // In a later group too, and the balance was taken once.
      const later = await send(a, '13800000051,12345', '流水号测试', '00020261202093015123');
      assert.equal(later.batchId, first!.batchId);
      assert.equal(later.repeated, true);
      assert.equal(later.accepted, 1);
      assert.equal(await balance(a), 19);
      assert.equal((await rowsOf(a)).length, 2);
      assert.equal((await db.getRepository(Batch).findOneByOrFail({ accountId: a.id })).serial, '00020261202093015123');
    });

    test('a serial number reused for another request, or not digits, is refused', async () => {
      const a = await account(20);
      await send(a, '13800000061', '第一条', '777');
      await assert.rejects(
        send(a, '13800000061', '另一条', '777'),
        (err: unknown) => err instanceof Failure && err.code === 'duplicateSerial',
      );
      await assert.rejects(send(a, '13800000061', '第一条', 'ab-12'), (err: unknown) => err instanceof Failure && err.code === 'badSerial');
      await assert.rejects(
        send(a, '13800000061', '第一条', '1'.repeat(33)),
        (err: unknown) => err instanceof Failure && err.code === 'badSerial',
      );
      assert.equal(await balance(a), 19);
    });

    test('two nodes given the same new serial number at once store one batch', async () => {
      const other = await openDatabase((db.options as { database?: string; url?: string }).url ?? `sqlite:${db.options.database}`, false);
      try {
        const node = createCore(other);
        const a = await account(20);
        const results = await Promise.all([
          send(a, '13800000071', '并发', '4242'),
          send(a, '13800000071', '并发', '4242', node),
          send(a, '13800000071', '并发', '4242'),
          send(a, '13800000071', '并发', '4242', node),
        ]);
        assert.equal(new Set(results.map((r) => r.batchId)).size, 1);
        assert.equal(results.filter((r) => !r.repeated).length, 1);
        assert.equal(await balance(a), 19);
        assert.equal((await rowsOf(a)).length, 1);
      } finally {
        await other.destroy();
      }
    });

    test('a lone call on an idle gateway is its own group', async () => {
      const a = await account(10);
      const { settled, groups } = await together([() => send(a, '13800000041')]);
      assert.equal(groups, 1);
      assert.equal(settled[0]!.status, 'fulfilled');
    });
  });
}
