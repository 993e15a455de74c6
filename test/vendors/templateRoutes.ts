import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Send, SendStatus } from '../../entities';
import { DIALECTS, type TestGateway } from '../support/gateway';
import { reportsUntil, sendSms, startGatewayWith, waitFor } from './support';

const rowsOf = (gw: TestGateway, batchId: string) => gw.db.getRepository(Send).find({ where: { batchId } });

/**
 * A simulator refusing our credentials (a wrong secret, so a wrong signature): the row keeps the platform's answer
 * and waits for a retry (our account, not the message, is at fault); the simulator took nothing. `refusals`: the
 * simulator's answers, as `<action> <code>`. `text` must match a
 * hand-written rule, since the list cannot be fetched either.
 */
export function credentialRefusalTest(
  vendor: string,
  wrongYaml: string,
  start: () => Promise<{ url: string; accepted(): number; refusals(): string[]; stop(): Promise<void> }>,
  text: string,
  expected: { error: RegExp; refusals: string[] },
) {
  describe(`${vendor}: wrong credentials`, () => {
    let fake: Awaited<ReturnType<typeof start>>;
    let gw: TestGateway;
    before(async () => {
      fake = await start();
      gw = await startGatewayWith(`vendors:\n${wrongYaml}route: [upstream]\n`, fake.url, { env: { DISPATCH_RETRY_BASE_MS: '100000' } });
    });
    after(async () => {
      await gw?.stop();
      await fake?.stop();
    });

    test('are refused by the simulator as the platform does; the row keeps the answer and waits for a retry', async () => {
      const batchId = await sendSms(gw, '13800138003', text);
      await waitFor(async () => ((await rowsOf(gw, batchId))[0]!.lastError ?? '') !== '', 10_000, 'the refusal recorded');
      const [row] = await rowsOf(gw, batchId);
      assert.match(row!.lastError!, expected.error);
      assert.equal(row!.STATUS, SendStatus.waiting, 'retryable');
      for (const refusal of expected.refusals) assert.ok(fake.refusals().includes(refusal), `the simulator answered ${refusal}`);
      assert.equal(fake.accepted(), 0);
    });
  });
}

/** A text no template of any simulator matches. */
export const FREE_TEXT = '【测试】明天上午九点在三楼会议室开会，请准时参加';

/**
 * What every template-only vendor must do with a text no template matches, on both databases: with a free-text
 * vendor (the simulator) after it in the route the row goes there without being sent to the template vendor; with
 * none the row fails (STATUS 3) with the reason in last_error, is refunded and reported 0.
 */
export function templateRouteTests(
  vendor: string,
  upstreamYaml: string,
  start: () => Promise<{ url: string; sent(): number; stop(): Promise<void> }>,
) {
  for (const dialect of DIALECTS) {
    describe(`${vendor}: a text no template matches, on ${dialect}`, () => {
      let fake: Awaited<ReturnType<typeof start>>;
      let withBackup: TestGateway;
      let alone: TestGateway;
      before(async () => {
        fake = await start();
        const backup = '  backup:\n    type: simulator\n    delayMs: 400\n    successRatio: 1\n';
        withBackup = await startGatewayWith(`vendors:\n${upstreamYaml}${backup}route: [upstream, backup]\n`, fake.url, { dialect });
        alone = await startGatewayWith(`vendors:\n${upstreamYaml}route: [upstream]\n`, fake.url, { dialect });
      });
      after(async () => {
        await withBackup?.stop();
        await alone?.stop();
        await fake?.stop();
      });

      test('goes to the free-text vendor of the route, never to the template vendor', async () => {
        const sent = fake.sent();
        const batchId = await sendSms(withBackup, '13800138100', FREE_TEXT);
        assert.deepEqual(await reportsUntil(withBackup, 1), [{ mobile: '13800138100', smslogid: batchId, status: '1' }]);
        const [row] = await rowsOf(withBackup, batchId);
        assert.deepEqual([row!.vendor, row!.STATUS, row!.attempts], ['backup', SendStatus.delivered, 1]);
        assert.equal(fake.sent(), sent, 'the template vendor was not called');
      });

      test('fails with its reason, refunded and reported 0, when the route has no free-text vendor', async () => {
        const before = (await alone.account()).balanceGateway;
        const sent = fake.sent();
        const batchId = await sendSms(alone, '13800138101', FREE_TEXT);
        assert.deepEqual(await reportsUntil(alone, 1), [{ mobile: '13800138101', smslogid: batchId, status: '0' }]);
        const [row] = await rowsOf(alone, batchId);
        assert.equal(row!.STATUS, SendStatus.failed);
        assert.match(row!.lastError ?? '', /^no vendor of the route can carry this text \(upstream: no template matches the text/);
        await waitFor(async () => (await alone.account()).balanceGateway === before, 5000, 'refund');
        assert.equal(fake.sent(), sent, 'the template vendor was not called');
      });
    });
  }
}
