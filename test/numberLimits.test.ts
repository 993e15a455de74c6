import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { type Account, NumberWindow, Report, Send, SendStatus } from '../entities';
import { type Core, createCore } from '../src/core';
import { AccountError } from '../src/core/accounts';
import { Failure } from '../src/core/failures';
import { isVerificationCode, parseNumberLimits } from '../src/core/numberLimits';
import { openDatabase } from '../src/db/datasource';
import { mysqlPool } from '../src/db/raw';
import { createTestDatabase, DIALECTS } from './support/gateway';

/** Per-number frequency limits in the core, on both databases, with the accept clock in the test's hands. */

const CODE = '【聚合】您的验证码是482910，5分钟内有效。';
/** A call's outcome when its one number was sent. */
const SENT = { sent: 1, limited: [] };

test('limits as operators write them, and what counts as a verification code', () => {
  const juhe = [
    { count: 1, seconds: 30 },
    { count: 2, seconds: 60 },
    { count: 3, seconds: 1800 },
  ];
  assert.deepEqual(parseNumberLimits('juhe'), juhe);
  assert.deepEqual(parseNumberLimits(' 3/30m, 1/30s,2/1m '), juhe, 'units, spaces, any order');
  assert.deepEqual(parseNumberLimits('10/1d'), [{ count: 10, seconds: 86400 }]);
  assert.equal(parseNumberLimits('none'), null);
  for (const bad of ['1/30x', '0/30s', '51/1h', '1/2d', '1/', 'juhe,1/30s', '1/0'])
    assert.throws(() => parseNumberLimits(bad), AccountError, bad);

  for (const code of ['您的验证码是123456', '验证码：4821【某某】', '123456（动态码），请勿泄露', 'Your verification code is 4821'])
    assert.ok(isVerificationCode(code), code);
  for (const other of ['验证码即将过期', '您的订单123已发货', '您的验证码是123', '请回复验证码 123456789 到此号码'])
    assert.ok(!isVerificationCode(other), other);
});

for (const dialect of DIALECTS) {
  describe(`per-number limits on ${dialect}`, () => {
    let db: DataSource;
    let core: Core;
    let drop: () => Promise<void>;
    let now = Date.parse('2026-12-02T08:00:00Z');
    let n = 0;

    before(async () => {
      const made = await createTestDatabase(dialect);
      drop = made.drop;
      db = await openDatabase(made.databaseUrl);
      core = createCore(db, { now: () => new Date(now) });
    });
    after(async () => {
      await db?.destroy();
      await drop?.();
    });

    const account = async (limits: string | null, scope = 'codes', balance = 1000) => {
      const a = await core.accounts.create(`nl${++n}`, 'pw', { 1: balance });
      if (limits) await core.accounts.setNumberLimits(a.username, limits, scope);
      return (await core.accounts.find(a.username))!;
    };
    const send = (a: Account, mobiles: string, content = CODE, allOrNothing = false) =>
      core.sending.submit({ account: a, pool: 1, content, mobiles, isLong: false, hostname: '127.0.0.1', allOrNothing });
    /** The outcome of a send: the numbers sent, or the refusal's code and the numbers it names. */
    const outcome = (a: Account, mobiles: string, content = CODE, allOrNothing = false) =>
      send(a, mobiles, content, allOrNothing).then(
        (ok) => ({ sent: ok.accepted, limited: ok.limited }),
        (err: unknown) => {
          if (!(err instanceof Failure)) throw err;
          return { refused: err.code, detail: err.detail };
        },
      );
    const tooFrequent = (mobile: string) => ({ refused: 'tooFrequent', detail: mobile });
    /** Each test starts its clock at 0 s, a little after the last test's time. */
    let base = now;
    const at = (seconds: number) => {
      now = base + seconds * 1000;
    };
    beforeEach(() => {
      base = now + 1000;
      now = base;
    });
    const balance = async (a: Account) => (await core.accounts.find(a.username))!.balanceGateway;
    const rowsOf = (a: Account) => db.getRepository(Send).find({ where: { accountId: a.id }, order: { ID: 'ASC' } });

    test("聚合数据's rule: 1 in 30 s, 2 in a minute, 3 in 30 minutes, for one number", async () => {
      const a = await account('juhe');
      const m = '13800000001';
      assert.deepEqual(await outcome(a, m), SENT);
      at(10);
      assert.deepEqual(await outcome(a, m), tooFrequent(m), 'the second within 30 s');
      at(31);
      assert.deepEqual(await outcome(a, m), SENT, 'after 30 s: the second of the minute');
      at(45);
      assert.deepEqual(await outcome(a, m), tooFrequent(m), 'the third within a minute (30 s after the second)');
      at(62);
      assert.deepEqual(await outcome(a, m), SENT, 'after the minute: the third of the half hour');
      at(200);
      assert.deepEqual(await outcome(a, m), tooFrequent(m), 'the fourth within 30 minutes');
      at(1799);
      assert.deepEqual(await outcome(a, m), tooFrequent(m), 'still within 30 minutes of the first');
      at(1801);
      assert.deepEqual(await outcome(a, m), SENT, 'the first has left the half hour');
      assert.deepEqual(await outcome(a, '13800000002'), SENT, 'another number has its own count');
      assert.equal(await balance(a), 1000 - 5, 'only what was sent is charged');
      // Refused calls store nothing: five rows, all waiting.
      assert.deepEqual(
        (await rowsOf(a)).map((r) => [r.infoto, r.STATUS]),
        [...Array(4).fill([m, SendStatus.waiting]), ['13800000002', SendStatus.waiting]],
      );
    });

    test('the count is per signature, as 聚合数据 counts it; the scope says which texts it covers', async () => {
      const codes = await account('1/1h');
      const m = '13800000011';
      assert.deepEqual(await outcome(codes, m), SENT);
      assert.deepEqual(await outcome(codes, m, '您的验证码是111111【另一个】'), SENT, 'another signature');
      assert.deepEqual(await outcome(codes, m, '您的验证码是222222'), SENT, 'unsigned');
      assert.deepEqual(await outcome(codes, m, '您的验证码是333333'), tooFrequent(m));
      assert.deepEqual(await outcome(codes, m, '【聚合】您的订单已发货'), SENT, 'not a code: not limited');
      assert.deepEqual(await outcome(codes, m, '【聚合】您的订单已发货'), SENT);

      const all = await account('1/1h', 'all');
      assert.deepEqual(await outcome(all, m, '【聚合】您的订单已发货'), SENT);
      assert.deepEqual(await outcome(all, m, '【聚合】您的订单已签收'), tooFrequent(m), 'scope all: every text');
      assert.deepEqual(await outcome(all, m), tooFrequent(m), 'a code too');

      await core.accounts.setNumberLimits(all.username, 'none');
      assert.deepEqual(await outcome((await core.accounts.find(all.username))!, m), SENT, 'limits removed');
    });

    test('an account without limits sends to one number as often as it likes, and keeps no counts', async () => {
      const a = await account(null);
      for (let i = 0; i < 5; i++) assert.deepEqual(await outcome(a, '13800000021'), SENT);
      assert.equal(await db.getRepository(NumberWindow).countBy({ accountId: a.id }), 0);
      assert.equal(await balance(a), 995);
    });

    test('in a batch only the numbers over their limit fail, stored and reported like invalid ones', async () => {
      const a = await account('juhe');
      await send(a, '13800000031');
      at(5);
      const accepted = await send(a, '13800000031,13800000032,1380000,13800000033');
      assert.deepEqual(
        [accepted.accepted, accepted.rejected, accepted.invalid, accepted.limited, accepted.charged],
        [2, 2, ['1380000'], ['13800000031'], 2],
      );
      assert.equal(await balance(a), 1000 - 3);
      const rows = (await rowsOf(a)).filter((r) => r.batchId === accepted.batchId);
      assert.deepEqual(
        rows.map((r) => [r.infoto, r.STATUS, r.charged, r.lastError]),
        [
          ['13800000032', SendStatus.waiting, 1, null],
          ['13800000033', SendStatus.waiting, 1, null],
          ['1380000', SendStatus.failed, 0, 'invalid mobile number'],
          ['13800000031', SendStatus.failed, 0, 'over the per-number frequency limit'],
        ],
      );
      const reports = await db.getRepository(Report).find({ where: { batchId: accepted.batchId! }, order: { id: 'ASC' } });
      assert.deepEqual(
        reports.map((r) => [r.mobile, r.status, r.code]),
        [
          ['1380000', 0, 'INVALID'],
          ['13800000031', 0, 'LIMITED'],
        ],
      );
      // All or nothing (UMS f=0): one number over its limit refuses the call, nothing is written.
      at(6);
      assert.deepEqual(await outcome(a, '13800000034,13800000032', CODE, true), tooFrequent('13800000032'));
      assert.equal(await db.getRepository(Send).countBy({ accountId: a.id, infoto: '13800000034' }), 0);
      assert.equal(await balance(a), 1000 - 3);
    });

    test('within one group, calls are counted in arrival order; a call refused for its balance counts nothing', async () => {
      const a = await account('juhe', 'codes', 1);
      const groupsBefore = core.sending.groups.stats.groups;
      const outcomes = await Promise.all([
        outcome(a, '13800000041,13800000042'), // 2 messages, 1 in the pool: refused for its balance
        outcome(a, '13800000041'), // sent: the refused call above did not count
        outcome(a, '13800000041'), // the second in 30 s
      ]);
      assert.equal(core.sending.groups.stats.groups - groupsBefore, 1, 'one group');
      assert.deepEqual(outcomes, [{ refused: 'insufficientBalance', detail: undefined }, SENT, tooFrequent('13800000041')]);
      assert.equal(await balance(a), 0);
      const window = await db.getRepository(NumberWindow).findOneByOrFail({ accountId: a.id, mobile: '13800000041' });
      assert.deepEqual([window.signature, window.sends, Number(window.lastAt)], ['聚合', String(base), base]);
      assert.equal(await db.getRepository(NumberWindow).countBy({ accountId: a.id, mobile: '13800000042' }), 0);
    });

    test('two nodes kept waiting on the account together still send one number its limit only', async () => {
      const other = await openDatabase((db.options as { database?: string; url?: string }).url ?? `sqlite:${db.options.database}`, false);
      const node = createCore(other, { now: () => new Date(now) });
      const a = await account('1/1h', 'all');
      // A third party holds the account's row, so both nodes' transactions start, then wait together.
      const holder = dialect === 'mysql' ? await mysqlPool(db).getConnection() : null;
      try {
        if (holder) {
          await holder.beginTransaction();
          await holder.query('SELECT id FROM account WHERE id = ? FOR UPDATE', [a.id]);
        }
        const calls = [core, node, core, node].map((via) =>
          via.sending.submit({ account: a, pool: 1, content: '并发', mobiles: '13800000061', isLong: false, hostname: '127.0.0.1' }).then(
            () => 'sent',
            (err: unknown) => (err instanceof Failure ? err.code : Promise.reject(err)),
          ),
        );
        if (holder) {
          for (let waiting = 0; waiting < 2; ) {
            await new Promise((r) => setTimeout(r, 20));
            const [rows] = await holder.query("SELECT COUNT(*) AS n FROM information_schema.innodb_trx WHERE trx_state = 'LOCK WAIT'");
            waiting = Number((rows as { n: number }[])[0]!.n);
          }
          await holder.commit();
        }
        assert.deepEqual((await Promise.all(calls)).sort(), ['sent', 'tooFrequent', 'tooFrequent', 'tooFrequent']);
        assert.equal(await db.getRepository(Send).countBy({ accountId: a.id }), 1);
      } finally {
        holder?.release();
        await other.destroy();
      }
    });

    test('counts older than the longest window are removed when the account next sends', async () => {
      const a = await account('1/30s,2/1m');
      await send(a, '13800000051,13800000052');
      assert.equal(await db.getRepository(NumberWindow).countBy({ accountId: a.id }), 2);
      at(61);
      await send(a, '13800000053');
      assert.deepEqual(
        (await db.getRepository(NumberWindow).findBy({ accountId: a.id })).map((w) => w.mobile),
        ['13800000053'],
      );
    });
  });
}
