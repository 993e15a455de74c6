/**
 * Accept = persist, end to end: a gateway process killed with SIGKILL in the middle of a burst of
 * sendSms calls loses nothing it answered success for, and a new process on the same database
 * hands every row still waiting to the vendor (rows claimed by the dead process come back when
 * their lease runs out). Rows the dead process had already handed to the simulator stay
 * "submitted": the simulator's pending reports died with it, as a real vendor's would not.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { In } from 'typeorm';
import { Report, Send, SendStatus } from '../entities';
import { openDatabase } from '../src/db/datasource';
import { createTestDatabase, DIALECTS } from './support/gateway';
import { gatewayProcessEnv, startServerProcess, stopServerProcess } from './support/process';
import { docLiteral, DEMO_AUTH, returnValue } from './support/soap';

async function startGatewayProcess(env: NodeJS.ProcessEnv) {
  const { child, url } = await startServerProcess(['src/cli.ts', 'serve'], env);
  return { child, url: `${url}/services/userApi` };
}

for (const dialect of DIALECTS) {
  test(`${dialect}: a gateway killed mid-burst loses no accepted message; a new one delivers what it left waiting`, {
    timeout: 120_000,
  }, async () => {
    const database = await createTestDatabase(dialect);
    const env = gatewayProcessEnv(database.databaseUrl, {
      DISPATCH_INTERVAL_MS: '200',
      DISPATCH_BATCH_SIZE: '20',
      DISPATCH_LEASE_MS: '1500',
    });
    try {
      // The first process drains slowly (small batches to a slow simulator), so that however busy the
      // machine is, a backlog is waiting when it is killed; the second one runs at the usual pace.
      const first = await startGatewayProcess({ ...env, SIMULATOR_DELAY_MS: '500', DISPATCH_BATCH_SIZE: '5' });
      const answered: string[] = [];
      let refused = 0;
      const sender = async (worker: number) => {
        for (let i = 0; ; i++) {
          const mobiles = [0, 1, 2].map((k) => String(13000000000 + worker * 100000 + i * 3 + k)).join(',');
          try {
            const res = await fetch(first.url, {
              method: 'POST',
              headers: { 'content-type': 'text/xml; charset=utf-8' },
              body: docLiteral('sendSms', { ...DEMO_AUTH, smstype: 1, content: '崩溃测试', mobile: mobiles, isLongSms: 0 }),
            });
            const answer = returnValue(await res.text());
            if (answer.startsWith('success;')) answered.push(answer.slice(8));
            else refused++;
          } catch {
            return; // the process is gone: the call got no answer, so the caller knows nothing was promised
          }
        }
      };
      const senders = Array.from({ length: 8 }, (_, w) => sender(w));
      while (answered.length < 150) await new Promise((r) => setTimeout(r, 10));
      first.child.kill('SIGKILL');
      await Promise.all(senders);
      assert.equal(refused, 0);

      const db = await openDatabase(database.databaseUrl, false);
      const sends = db.getRepository(Send);
      const waitingAtCrash = await sends.findBy({ STATUS: SendStatus.waiting });
      assert.ok(waitingAtCrash.length > 0, 'the crash left rows in the outbox');
      const second = await startGatewayProcess(env);
      try {
        const settled = async () =>
          (await sends.countBy({ ID: In(waitingAtCrash.map((r) => r.ID)), STATUS: SendStatus.delivered })) === waitingAtCrash.length;
        for (let i = 0; i < 300 && !(await settled()); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(await settled(), 'the new process delivered every row the dead one left waiting');
        const rows = await sends.find();
        const byBatch = new Map<string, Send[]>();
        for (const row of rows) byBatch.set(row.batchId!, [...(byBatch.get(row.batchId!) ?? []), row]);
        for (const batchId of answered)
          assert.equal(byBatch.get(batchId)?.length, 3, `batch ${batchId} answered success has its three rows`);
        assert.equal(await sends.countBy({ STATUS: SendStatus.waiting }), 0, 'nothing left in the outbox');
        assert.equal(await sends.countBy({ STATUS: SendStatus.failed }), 0);
        const delivered = await sends.countBy({ STATUS: SendStatus.delivered });
        assert.equal(await db.getRepository(Report).count(), delivered, 'one report per delivered row, none twice');
        const vendorIds = rows.map((r) => r.vendorMsgId);
        assert.equal(new Set(vendorIds).size, rows.length, 'one vendor message per row');
        const account = await db.query('SELECT balance_gateway FROM account WHERE username = ?', ['demo']);
        assert.equal(Number(account[0].balance_gateway), 100000 - rows.length, 'charged exactly for the rows stored');
      } finally {
        await stopServerProcess(second.child);
        await db.destroy();
      }
    } finally {
      await database.drop();
    }
  });
}
