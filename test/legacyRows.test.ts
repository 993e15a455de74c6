/** Rows legacy SQL inserts with only the eleven legacy columns: charged to the mapped account, sent, reported, or failed with a reason. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { Account, BalanceLedger, Report, Send, SendStatus } from '../entities';
import { loadConfig } from '../src/config';
import { createCore } from '../src/core';
import { openDatabase } from '../src/db/datasource';
import { Dispatcher } from '../src/dispatch/dispatcher';
import { createLogger } from '../src/logger';
import type { OutboundMessage, SendOutcome, Vendor } from '../src/vendors/types';
import { createTestDatabase, DIALECTS, startTestGateway, type TestGateway } from './support/gateway';
import { B64, call } from './support/soap';

interface LegacyRow {
  id?: number;
  infoto: string;
  userid: number | null;
  content: string;
  /** Unique per test row; kept in RECVUSERID to find the row again. */
  tag: string;
  contentsize?: number | null;
}

/** The legacy INSERT: the eleven legacy columns only, with or without an explicit ID (as func_nextid gives one). */
function insertLegacy(db: DataSource, r: LegacyRow): Promise<unknown> {
  const withId = r.id !== undefined;
  return db.query(
    `INSERT INTO send (${withId ? 'ID, ' : ''}Createtime, hostname, infotype, infoto, userid, RECVUSERID, content, contentsize, STATUS, YYB)
     VALUES (${withId ? '?, ' : ''}CURRENT_TIMESTAMP, '10.0.0.8', 8, ?, ?, ?, ?, ?, 0, 1)`,
    [...(withId ? [r.id] : []), r.infoto, r.userid, r.tag, r.content, r.contentsize === undefined ? [...r.content].length : r.contentsize],
  );
}

async function waitForRow(db: DataSource, tag: string, statuses: number[]): Promise<Send> {
  for (let i = 0; i < 500; i++) {
    const row = await db.getRepository(Send).findOneBy({ RECVUSERID: tag });
    if (row && statuses.includes(row.STATUS)) return row;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`row ${tag} did not reach STATUS ${statuses.join('/')} in 5 s`);
}

const ledgerOf = (db: DataSource, accountId: number) =>
  db.getRepository(BalanceLedger).find({ where: { accountId }, order: { id: 'ASC' } });

for (const dialect of DIALECTS) {
  describe(`legacy rows on ${dialect}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway({ dialect, env: { LEGACY_DEFAULT_ACCOUNT: 'fallback' } });
      await gw.core.accounts.create('mapped', 'mapped-pw', { 1: 10 });
      await gw.core.accounts.setLegacyUserId('mapped', 4242);
      await gw.core.accounts.create('fallback', 'fallback-pw', { 1: 10 });
      await gw.core.accounts.create('poor', 'poor-pw', { 1: 0, 0: 50 });
      await gw.core.accounts.setLegacyUserId('poor', 4343);
    });
    after(async () => {
      await gw?.stop();
    });

    test('rows with only the legacy columns and a mapped userid are charged to that account, delivered and reported to it', async () => {
      const started = Date.now();
      await insertLegacy(gw.db, { id: 900001, infoto: '13800138001', userid: 4242, content: '您的委托已成交', tag: 'm-explicit' });
      await insertLegacy(gw.db, { infoto: '0-13800138002', userid: 4242, content: '您的验证码是1', tag: 'm-auto', contentsize: null });
      const explicit = await waitForRow(gw.db, 'm-explicit', [SendStatus.submitted, SendStatus.delivered]);
      assert.ok(Date.now() - started < 1500, 'picked up within a second or so');
      assert.equal(Number(explicit.ID), 900001, 'BIGINT on MySQL comes back as a string');
      const rows = [
        await waitForRow(gw.db, 'm-explicit', [SendStatus.delivered]),
        await waitForRow(gw.db, 'm-auto', [SendStatus.delivered]),
      ];
      const mapped = await gw.account('mapped');
      for (const row of rows) {
        assert.equal(row.accountId, mapped.id);
        assert.equal(row.msgType, 1);
        assert.equal(row.segments, 1);
        assert.equal(row.charged, 1);
        assert.match(row.batchId ?? '', /^\d{20}$/);
        assert.equal(row.reportStatus, 'DELIVRD');
        assert.equal(row.userid, 4242, 'the legacy columns stay as written');
      }
      assert.notEqual(rows[0]!.batchId, rows[1]!.batchId, 'one batch a legacy row');
      assert.equal(rows[1]!.infoto, '13800138002', 'normalized by the core rule');
      assert.equal(rows[1]!.contentsize, '您的验证码是1'.length, 'filled in when NULL');
      assert.equal(mapped.balanceGateway, 8);
      const ledger = await ledgerOf(gw.db, mapped.id);
      const sends = ledger.filter((l) => l.business === 'send');
      assert.deepEqual(
        sends.map((l) => [l.pool, l.amount, l.operator, l.businessNumber]),
        rows.map((r) => [1, -1, 'legacy', r.batchId]),
      );
      await gw.waitForReports(2, 'mapped');
      const report = await call(gw.serviceUrl, 'getSmsReport', { username: 'mapped', password: B64('mapped-pw') });
      for (const row of rows) {
        assert.ok(
          report.includes(`<mobile>${row.infoto}</mobile><username>mapped</username><smslogid>${row.batchId}</smslogid><status>1</status>`),
          report,
        );
      }
    });

    test('an unmapped userid is charged to LEGACY_DEFAULT_ACCOUNT; a long text is charged for its segments', async () => {
      const long = '长'.repeat(150);
      await insertLegacy(gw.db, { infoto: '13800138003', userid: 1598, content: '短信', tag: 'f-short' });
      await insertLegacy(gw.db, { infoto: '13800138004', userid: null, content: long, tag: 'f-long' });
      const short = await waitForRow(gw.db, 'f-short', [SendStatus.delivered]);
      const longRow = await waitForRow(gw.db, 'f-long', [SendStatus.delivered]);
      const fallback = await gw.account('fallback');
      assert.equal(short.accountId, fallback.id);
      assert.equal(longRow.accountId, fallback.id);
      assert.equal(longRow.isLong, 0);
      assert.equal(longRow.segments, 3, '150 characters in 70-character parts');
      assert.equal(longRow.charged, 3);
      assert.equal(fallback.balanceGateway, 10 - 1 - 3);
      await gw.waitForReports(2, 'fallback');
    });

    test('bad number, empty text, forbidden word, no balance: STATUS 3 with a reason, nothing charged, a failure report; good rows beside them go out', async () => {
      const mappedBefore = await gw.account('mapped');
      const poorLedger = (await ledgerOf(gw.db, (await gw.account('poor')).id)).length;
      const reportsBefore = await gw.db.getRepository(Report).countBy({ accountId: mappedBefore.id });
      await insertLegacy(gw.db, { infoto: '12345', userid: 4242, content: '短信', tag: 'b-number' });
      await insertLegacy(gw.db, { infoto: '13800138005', userid: 4242, content: '好的', tag: 'b-good1' });
      await insertLegacy(gw.db, { infoto: '13800138006', userid: 4242, content: '  ', tag: 'b-empty' });
      await insertLegacy(gw.db, { infoto: '13800138007', userid: 4343, content: '短信', tag: 'b-poor' });
      await insertLegacy(gw.db, { infoto: '13800138008', userid: 4242, content: '好的', tag: 'b-good2' });
      await gw.core.audit.addWord('代开发票');
      // Every node reads the rules again when they are a second old: the dispatcher's too.
      await new Promise((r) => setTimeout(r, 1100));
      await insertLegacy(gw.db, { infoto: '13800138009', userid: 4242, content: '本公司代开发票', tag: 'b-audit' });
      const expected: [string, string][] = [
        ['b-number', 'legacy row: invalid mobile number "12345"'],
        ['b-empty', 'legacy row: the text is empty'],
        ['b-audit', 'legacy row: the text holds a forbidden word: 代开发票'],
        ['b-poor', 'legacy row: account poor has fewer than 1 messages in pool 1'],
      ];
      for (const [tag, reason] of expected) {
        const row = await waitForRow(gw.db, tag, [SendStatus.failed]);
        assert.equal(row.lastError, reason, tag);
        assert.equal(row.reportStatus, 'REJECTED');
        assert.equal(row.charged, 0);
        assert.equal(row.vendor, null, 'no vendor saw it');
      }
      for (const tag of ['b-good1', 'b-good2']) assert.equal((await waitForRow(gw.db, tag, [SendStatus.delivered])).charged, 1);
      const mapped = await gw.account('mapped');
      assert.equal(mapped.balanceGateway, mappedBefore.balanceGateway - 2, 'only the good rows were charged');
      const poor = await gw.account('poor');
      assert.deepEqual([poor.balanceGateway, poor.balanceCard], [0, 50]);
      assert.equal((await ledgerOf(gw.db, poor.id)).length, poorLedger);
      const failures = await gw.db.getRepository(Report).findBy({ accountId: mapped.id, code: 'REJECTED' });
      assert.deepEqual(failures.map((r) => [r.mobile, r.status]).sort(), [
        ['12345', 0],
        ['13800138006', 0],
        ['13800138009', 0],
      ]);
      assert.equal((await gw.db.getRepository(Report).findBy({ accountId: poor.id, code: 'REJECTED' })).length, 1);
      await gw.waitForReports(reportsBefore + 5, 'mapped');
    });
  });

  describe(`legacy rows on ${dialect} without LEGACY_DEFAULT_ACCOUNT`, () => {
    let db: DataSource;
    let drop: () => Promise<void>;
    before(async () => {
      const made = await createTestDatabase(dialect);
      drop = made.drop;
      db = await openDatabase(made.databaseUrl);
    });
    after(async () => {
      await db?.destroy();
      await drop?.();
    });

    /** A dispatcher without LEGACY_DEFAULT_ACCOUNT whose one vendor accepts every message and keeps it in `received`. */
    function scriptedDispatcher(): { dispatcher: Dispatcher; received: OutboundMessage[] } {
      const received: OutboundMessage[] = [];
      const vendor: Vendor = {
        name: 'scripted',
        async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
          received.push(...batch);
          return batch.map((m) => ({ id: m.id, ok: true, vendorMsgId: `s-${m.id}` }));
        },
      };
      const config = { ...loadConfig({ VENDORS: 'simulator' }), route: ['scripted'] };
      assert.equal(config.legacy.defaultAccount, '');
      return { dispatcher: new Dispatcher(db, new Map([['scripted', vendor]]), config, createLogger('silent')), received };
    }

    test('an unmapped userid fails with the reason and nothing is charged; the tick does not throw and sends the good row', async () => {
      const core = createCore(db);
      await core.accounts.create('only', 'pw', { 1: 5 });
      await core.accounts.setLegacyUserId('only', 7);
      const { dispatcher, received } = scriptedDispatcher();
      await insertLegacy(db, { infoto: '13800138010', userid: 42, content: '短信', tag: 'n-unmapped' });
      await insertLegacy(db, { infoto: '13800138011', userid: 7, content: '短信', tag: 'n-good' });
      await insertLegacy(db, { infoto: '13800138012', userid: null, content: '短信', tag: 'n-null' });
      assert.equal(await dispatcher.tick(), 3);
      assert.equal(await dispatcher.tick(), 0, 'nothing is left to claim: no retry loop');
      const unmapped = await waitForRow(db, 'n-unmapped', [SendStatus.failed]);
      assert.equal(unmapped.lastError, 'legacy row: userid 42 maps to no account and LEGACY_DEFAULT_ACCOUNT is not set');
      assert.deepEqual([unmapped.accountId, unmapped.charged, unmapped.reportStatus], [null, 0, 'REJECTED']);
      assert.equal(
        (await waitForRow(db, 'n-null', [SendStatus.failed])).lastError,
        'legacy row: no userid and LEGACY_DEFAULT_ACCOUNT is not set',
      );
      assert.equal((await waitForRow(db, 'n-good', [SendStatus.submitted])).charged, 1);
      assert.deepEqual(
        received.map((m) => m.mobile),
        ['13800138011'],
      );
      const only = await db.getRepository(Account).findOneByOrFail({ username: 'only' });
      assert.equal(only.balanceGateway, 4);
      assert.equal(await db.getRepository(Report).count(), 0, 'no account to report the unmapped rows to');
    });

    test('one claimed batch is prepared in arrival order: rows the balance covers are charged, the one it does not is refused alone', async () => {
      const core = createCore(db);
      await core.accounts.create('two', 'pw', { 1: 2 });
      await core.accounts.setLegacyUserId('two', 8);
      const { dispatcher, received } = scriptedDispatcher();
      const tags = ['o-first', 'o-bad', 'o-second', 'o-third', 'o-fourth'];
      await insertLegacy(db, { id: 910001, infoto: '13800138021', userid: 8, content: '短信', tag: tags[0]! });
      await insertLegacy(db, { id: 910002, infoto: '999', userid: 8, content: '短信', tag: tags[1]! });
      await insertLegacy(db, { id: 910003, infoto: '13800138023', userid: 8, content: '短信', tag: tags[2]! });
      await insertLegacy(db, { id: 910004, infoto: '13800138024', userid: 8, content: '短信', tag: tags[3]! });
      await insertLegacy(db, { id: 910005, infoto: '13800138025', userid: 8, content: '长'.repeat(80), tag: tags[4]! });
      assert.equal(await dispatcher.tick(), 5, 'the five rows are one claimed batch');
      const [first, bad, second, third, fourth] = await Promise.all(
        tags.map((tag, i) => waitForRow(db, tag, i === 0 || i === 2 ? [SendStatus.submitted] : [SendStatus.failed])),
      );
      assert.deepEqual([first!.charged, second!.charged], [1, 1]);
      assert.notEqual(first!.batchId, second!.batchId, 'one batch a legacy row, in one transaction as well');
      assert.equal(bad!.lastError, 'legacy row: invalid mobile number "999"');
      assert.equal(third!.lastError, 'legacy row: account two has fewer than 1 messages in pool 1');
      assert.equal(fourth!.lastError, 'legacy row: account two has fewer than 2 messages in pool 1');
      for (const row of [bad!, third!, fourth!]) assert.deepEqual([row.charged, row.reportStatus, row.batchId], [0, 'REJECTED', null]);
      assert.deepEqual(
        received.map((m) => m.mobile),
        ['13800138021', '13800138023'],
      );
      const two = await db.getRepository(Account).findOneByOrFail({ username: 'two' });
      assert.equal(two.balanceGateway, 0);
      const ledger = await ledgerOf(db, two.id);
      assert.deepEqual(
        ledger.filter((l) => l.business === 'send').map((l) => [l.amount, l.remaining, l.businessNumber]),
        [
          [-1, 1, first!.batchId],
          [-1, 0, second!.batchId],
        ],
      );
      assert.equal(await db.getRepository(Report).countBy({ accountId: two.id, code: 'REJECTED' }), 3);
    });
  });
}

describe('smsgw account:legacy-userid', () => {
  let databaseUrl: string;
  let drop: () => Promise<void>;
  before(async () => {
    ({ databaseUrl, drop } = await createTestDatabase('sqlite'));
    const db = await openDatabase(databaseUrl);
    await createCore(db).accounts.create('alpha', 'pw');
    await createCore(db).accounts.create('beta', 'pw');
    await db.destroy();
  });
  after(async () => {
    await drop?.();
  });
  const smsgw = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const legacyUserIdOf = async (username: string) => {
    const db = await openDatabase(databaseUrl);
    try {
      return (await db.getRepository(Account).findOneByOrFail({ username })).legacyUserId;
    } finally {
      await db.destroy();
    }
  };

  test('maps, refuses a userid another account holds or a non-number, and removes the mapping', async () => {
    const set = smsgw('account:legacy-userid', 'alpha', '1598');
    assert.equal(set.status, 0, set.stderr);
    assert.match(set.stdout, /legacy userid 1598 is now account alpha/);
    assert.equal(await legacyUserIdOf('alpha'), 1598);
    const taken = smsgw('account:legacy-userid', 'beta', '1598');
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /legacy userid 1598 belongs to account alpha/);
    const bad = smsgw('account:legacy-userid', 'beta', 'abc');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /a legacy userid is a whole number/);
    assert.equal(smsgw('account:legacy-userid', 'nobody', '5').status, 1);
    assert.equal(smsgw('account:legacy-userid', 'alpha', 'none').status, 0);
    assert.equal(await legacyUserIdOf('alpha'), null);
  });
});
