import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Send, SendStatus } from '../entities';
import { DIALECTS, startTestGateway } from './support/gateway';
import { capturedLogger } from './support/logs';
import { call, DEMO_AUTH } from './support/soap';

for (const dialect of DIALECTS) {
  describe(`DELIVERY_THREAD=true on ${dialect}`, () => {
    test('the thread delivers, its log lines reach the gateway logger, the admin API reads its breakers, stop() ends it', async () => {
      const captured = capturedLogger();
      const gw = await startTestGateway({ dialect, env: { DELIVERY_THREAD: 'true' }, log: captured.log });
      try {
        const answer = await call(gw.serviceUrl, 'sendSms', {
          ...DEMO_AUTH,
          smstype: 1,
          content: '验证码123456【测试】',
          isLongSms: 0,
          mobile: '13800138000,13900139000',
        });
        assert.match(answer, /^success;\d{20}$/);
        await gw.waitForReports(2);
        const rows = await gw.db.getRepository(Send).find({ order: { ID: 'ASC' } });
        assert.deepEqual(
          rows.map((r) => [r.infoto, r.STATUS]),
          [
            ['13800138000', SendStatus.delivered],
            ['13900139000', SendStatus.delivered],
          ],
        );
        const vendorCall = captured.parsed().find((l) => l.msg === 'vendor call');
        assert.ok(vendorCall, captured.text());
        assert.equal(vendorCall.thread, 'delivery');
        assert.deepEqual(vendorCall.batch, [answer.split(';')[1]]);

        const res = await fetch(`${gw.url}/admin/vendors`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
        assert.equal(res.status, 200);
        const [simulator] = (await res.json()) as { vendor: string; state: string }[];
        assert.equal(simulator?.vendor, 'simulator');
        assert.equal(simulator?.state, 'closed');
      } finally {
        await gw.stop();
      }
    });
  });
}
