/** What every adapter relies on: the callback router, the pollers' lease, and where replies go. */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import Koa from 'koa';
import type { DataSource } from 'typeorm';
import { Reply } from '../entities';
import { callbackRoutes } from '../src/callbacks';
import { type Core, createCore } from '../src/core';
import { openDatabase } from '../src/db/datasource';
import { Poller, releaseLease, takeLease } from '../src/dispatch/poller';
import { createLogger } from '../src/logger';
import type { PushHandler, Vendor, VendorNews } from '../src/vendors/types';
import { createTestDatabase, DIALECTS } from './support/gateway';

const log = createLogger('silent');

describe('callbacks', () => {
  const stored: VendorNews[] = [];
  let failStore = false;
  const handler: PushHandler = {
    parse(push) {
      const params = new URLSearchParams(push.body.toString() || push.query);
      if (!params.get('id')) throw new Error('no id');
      return { reports: [{ vendor: 'v', vendorMsgId: params.get('id')!, status: 'delivered', code: 'DELIVRD', at: new Date() }] };
    },
    answer: (applied) => ({ contentType: 'text/plain', body: applied ? 'OK' : 'ERROR' }),
  };
  const vendor: Vendor = { name: 'v', send: async () => [], push: { reports: handler } };
  let url = '';
  let close = () => {};
  before(async () => {
    const app = new Koa();
    const configs = new Map([
      ['v', { type: 'x', settings: { pushAllowIps: [] } }],
      ['fenced', { type: 'x', settings: { pushAllowIps: ['10.9.9.9'] } }],
    ]);
    const vendors = new Map([
      ['v', vendor],
      ['fenced', { ...vendor, name: 'fenced' }],
    ]);
    app.use(
      callbackRoutes(
        vendors,
        configs,
        async (news) => {
          if (failStore) throw new Error('database down');
          stored.push(news);
        },
        log,
      ),
    );
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => server.close();
  });
  after(() => close());

  const push = async (path: string, body?: string) => {
    const res = await fetch(`${url}${path}`, { method: body === undefined ? 'GET' : 'POST', body });
    return [res.status, await res.text()];
  };

  test('a push is parsed, stored, then answered as the vendor expects (GET or POST)', async () => {
    assert.deepEqual(await push('/callbacks/v/reports', 'id=42'), [200, 'OK']);
    assert.deepEqual(await push('/callbacks/v/reports?id=43'), [200, 'OK']);
    assert.deepEqual(
      stored.map((n) => n.reports![0]!.vendorMsgId),
      ['42', '43'],
    );
  });

  test("a malformed push, a refused caller, or a store that fails gets the vendor's error answer", async () => {
    const before = stored.length;
    assert.deepEqual(await push('/callbacks/v/reports', 'nothing=here'), [400, 'ERROR']);
    assert.deepEqual(await push('/callbacks/fenced/reports', 'id=1'), [403, 'ERROR']);
    failStore = true;
    assert.deepEqual(await push('/callbacks/v/reports', 'id=44'), [503, 'ERROR']);
    failStore = false;
    assert.equal(stored.length, before, 'nothing stored');
  });

  test('a vendor or kind with no push is not found', async () => {
    assert.equal((await push('/callbacks/v/replies', 'x'))[0], 404);
    assert.equal((await push('/callbacks/nobody/reports', 'x'))[0], 404);
  });
});

for (const dialect of DIALECTS) {
  describe(`pollers and replies on ${dialect}`, () => {
    let db: DataSource;
    let core: Core;
    let drop: () => Promise<void>;
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

    test('a lease is held by one owner at a time, until it expires or is released', async () => {
      const now = new Date();
      const later = (ms: number) => new Date(now.getTime() + ms);
      assert.equal(await takeLease(db, 'v:reports', 'node-a', now, later(1000)), true);
      assert.equal(await takeLease(db, 'v:reports', 'node-b', now, later(1000)), false);
      assert.equal(await takeLease(db, 'v:reports', 'node-a', later(10), later(2000)), true, 'the holder renews it');
      assert.equal(await takeLease(db, 'v:reports', 'node-b', later(2500), later(3500)), true, 'expired: another node takes it');
      await releaseLease(db, 'v:reports', 'node-b');
      assert.equal(await takeLease(db, 'v:reports', 'node-a', now, later(1000)), true, 'released: free at once');
    });

    test('of two pollers on one database only the lease holder asks the vendor; what it got is stored before the next poll', async () => {
      let fetches = 0;
      let storeFails = true;
      const stored: VendorNews[] = [];
      const poll = {
        name: 'replies',
        intervalMs: 60_000,
        fetch: async (): Promise<VendorNews> => ({
          replies: [{ vendor: 'p', mobile: '13800000001', content: `第${++fetches}条`, at: new Date() }],
        }),
      };
      const store = async (news: VendorNews) => {
        if (storeFails) throw new Error('database down');
        stored.push(news);
      };
      const a = new Poller(db, 'p', poll, store, 'node-a', log);
      const b = new Poller(db, 'p', poll, store, 'node-b', log);
      await assert.rejects(a.tick(), /database down/);
      assert.equal(fetches, 1);
      assert.equal(await b.tick(), false, 'node-b does not hold the lease');
      storeFails = false;
      assert.equal(await a.tick(), true);
      assert.deepEqual(
        stored.map((n) => n.replies![0]!.content),
        ['第1条', '第2条'],
        'the unstored poll is stored first, then the vendor is asked again',
      );
      assert.equal(fetches, 2);
      await a.stop();
      assert.equal(await b.tick(), true, 'a stopped poller hands its lease over');
      await b.stop();
    });

    test('a reply goes to the account of its extension, else the last sender, else is kept unassigned; a repeat is not queued', async () => {
      const ext = await core.accounts.create('ext-owner', 'pw', { 1: 10 });
      await db.getRepository('account').update({ id: ext.id }, { extNo: '123' });
      const sender = await core.accounts.create('last-sender', 'pw', { 1: 10 });
      await core.sending.submit({ account: sender, pool: 1, content: '你好', mobiles: '13900000009', isLong: false, hostname: null });
      const at = new Date();
      const reply = { vendor: 'p', mobile: '13900000009', content: '收到', at };
      const [byExt, byLast, nobody, again] = await core.replies.recordAll([
        { ...reply, extNo: '123', vendorKey: 'r-1' },
        { ...reply, vendorKey: 'r-2' },
        { ...reply, mobile: '13700000000', vendorKey: 'r-3' },
        { ...reply, extNo: '123', vendorKey: 'r-1' },
      ]);
      assert.deepEqual(
        [byExt, byLast, nobody].map((o) => (o!.result === 'repeated' ? 'repeated' : [o!.result, o!.reply.receiver])),
        [
          ['queued', 'ext-owner'],
          ['queued', 'last-sender'],
          ['unassigned', ''],
        ],
      );
      assert.equal(again!.result, 'repeated');
      assert.deepEqual(
        (await core.replies.unassigned()).map((r) => r.mobile),
        ['13700000000'],
      );
      assert.equal(await db.getRepository(Reply).countBy({ vendor: 'p' }), 3);
      assert.deepEqual(
        (await core.replies.fetch(ext.id)).map((r) => r.content),
        ['收到'],
      );
    });
  });
}
