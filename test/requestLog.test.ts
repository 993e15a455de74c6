/**
 * Request-scoped logs (src/requestLog.ts): one line per request with its id, the caller's
 * X-Request-Id kept when usable and answered back, and the id carried with the rows a send stored
 * (send.request_id) to the vendor call that delivered them and to the reports applied to them; on
 * both databases (the column is a migration of its own).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Send } from '../entities';
import { DIALECTS, startTestGateway } from './support/gateway';
import { capturedLogger } from './support/logs';
import { DEMO_AUTH, docLiteral, returnValue } from './support/soap';

const send = (mobile: string) => docLiteral('sendSms', { ...DEMO_AUTH, smstype: 1, content: '验证码1234【测试】', mobile, isLongSms: 0 });

for (const dialect of DIALECTS) {
  describe(`request ids on ${dialect}`, () => {
    test('a send is traced by its request id from the request line through its rows to the vendor call and its reports', async () => {
      const { log, parsed } = capturedLogger('info');
      const gw = await startTestGateway({ dialect, log, simulator: { delayMs: 20 } });
      try {
        const res = await fetch(gw.serviceUrl, {
          method: 'POST',
          body: send('13800138000,13900139000'),
          headers: { 'content-type': 'text/xml; charset=utf-8', 'x-request-id': 'erp-order-42' },
        });
        assert.equal(res.headers.get('x-request-id'), 'erp-order-42', "the caller's id is answered back");
        const batchId = returnValue(await res.text()).replace(/^success;/, '');
        assert.match(batchId, /^\d{20}$/);
        const rows = await gw.db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });
        assert.deepEqual(
          rows.map((r) => r.requestId),
          ['erp-order-42', 'erp-order-42'],
        );
        await gw.waitForReports(2);

        const lines = parsed();
        const request = lines.find((l) => l.msg === 'request' && l.req === 'erp-order-42');
        assert.ok(request, 'a request line');
        assert.equal(request.path, '/services/userApi');
        assert.equal(request.status, 200);
        assert.equal(typeof request.ms, 'number');
        const call = lines.find((l) => l.msg === 'vendor call' && (l.req as string[]).includes('erp-order-42'));
        assert.ok(call, 'the vendor call names the request');
        assert.equal(call.vendor, 'simulator');
        assert.ok((call.batch as string[]).includes(batchId), 'and the batch');
        assert.equal(call.sent, 2);
        const reports = lines.find((l) => l.msg === 'reports applied' && (l.req as string[]).includes('erp-order-42'));
        assert.ok(reports, 'the reports name the request');
        assert.deepEqual(reports.vendors, ['simulator']);
        assert.equal(request.ip, '127.0.0.1', 'the caller as allow-lists and the hostname column write it');
        // The demo account's public password is announced once at start; no other line carries it.
        const others = lines.filter((l) => !String(l.msg).startsWith('created the demo account'));
        assert.ok(!JSON.stringify(others).includes(DEMO_AUTH.password), 'no password in any other line');

        // Without a usable X-Request-Id the gateway gives one of its own, different for every request.
        const ids = [];
        for (const header of [undefined, 'not a usable id', 'x'.repeat(65)]) {
          const r = await fetch(gw.serviceUrl, {
            method: 'POST',
            body: send('13700137000'),
            headers: { 'content-type': 'text/xml; charset=utf-8', ...(header ? { 'x-request-id': header } : {}) },
          });
          await r.text();
          ids.push(r.headers.get('x-request-id'));
        }
        assert.equal(new Set(ids).size, 3);
        for (const id of ids) assert.match(String(id), /^[0-9a-f]{12}-[0-9a-z]+$/);
      } finally {
        await gw.stop();
      }
    });
  });
}
