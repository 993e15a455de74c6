import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Send, SendStatus } from '../../entities';
import { classifyError, tplValue } from '../../src/vendors/juhe';
import type { TestGateway } from '../support/gateway';
import { type FakeJuhe, JUHE_KEY, JUHE_TEMPLATES, startFakeJuhe } from './juhe/fake';
import { reportsUntil, sendSms, startGatewayWith, waitFor } from './support';
import { credentialRefusalTest, templateRouteTests } from './templateRoutes';

const upstream = (key = JUHE_KEY) =>
  `  upstream:\n    type: juhe\n    url: \${VENDOR_URL}/sms/send\n    password: ${key}\n    timeoutMs: 2000\n` +
  '    templates:\n' +
  "      - pattern: '您的验证码是(?<code>\\d{4,8})'\n        template: 261000\n" +
  "      - pattern: '^尊敬的(?<name>[^，]+)，您在(?<shop>.+?)的订单已签收'\n        template: 261001\n";

const rowsOf = (gw: TestGateway, batchId: string) => gw.db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });
const accepted = async (gw: TestGateway, batchId: string) =>
  waitFor(async () => (await rowsOf(gw, batchId)).every((r) => r.STATUS === SendStatus.submitted), 10_000, 'accepted');

describe('juhe against the simulator', () => {
  let fake: FakeJuhe;
  let gw: TestGateway;
  before(async () => {
    fake = await startFakeJuhe();
    gw = await startGatewayWith(`vendors:\n${upstream()}route: [upstream]\n`, fake.url);
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });

  test('a code text: one GET per number, tpl_id and #code#=… as documented, sid recorded', async () => {
    const batchId = await sendSms(gw, '13800138000,13900139000', '【聚合数据】您的验证码是431515，如非本人操作，请忽略本短信');
    await accepted(gw, batchId);
    const sent = fake.sends.slice(-2);
    assert.deepEqual(sent.map((s) => [s.mobile, s.tplId, s.params]).sort(), [
      ['13800138000', '261000', { code: '431515' }],
      ['13900139000', '261000', { code: '431515' }],
    ]);
    assert.ok(
      fake.received.every((r) => r.method === 'GET' && /(^|&)tpl_value=%23code%23%3D431515(&|$)/.test(r.rawQuery)),
      'the seed’s example encoding',
    );
    const rows = await rowsOf(gw, batchId);
    assert.deepEqual(rows.map((r) => r.vendorMsgId).sort(), sent.map((s) => s.sid).sort());
  });

  test('a long text: its variables (with 【】-free Chinese) carried, the fee as the gateway charged', async () => {
    const batchId = await sendSms(gw, '13800138001', JUHE_TEMPLATES['261001']!.replace('#name#', '赵先生').replace('#shop#', '京东&天猫'));
    await accepted(gw, batchId);
    const send = fake.sends.at(-1)!;
    assert.deepEqual(send.params, { name: '赵先生', shop: '京东&天猫' }, 'a value with & survives the double encoding');
    assert.ok(send.text.length > 70);
    assert.equal((await rowsOf(gw, batchId))[0]!.segments, send.fee);
  });

  test('the documented per-number rule (1 in 30 s): the second text to a number fails for good, reported 0', async () => {
    const batchId = await sendSms(gw, '13800138000', '【聚合数据】您的验证码是111111');
    assert.deepEqual(await reportsUntil(gw, 1), [{ mobile: '13800138000', smslogid: batchId, status: '0' }]);
    const [row] = await rowsOf(gw, batchId);
    assert.equal(row!.STATUS, SendStatus.failed);
    assert.match(row!.lastError!, /^upstream: 205405 号码异常\/同一号码发送次数过于频繁/);
  });
});

credentialRefusalTest(
  'juhe',
  upstream('wrongkey'),
  async () => {
    const fake = await startFakeJuhe();
    return {
      url: fake.url,
      accepted: () => fake.sends.length,
      refusals: () => fake.refusals.map((r) => `send ${r.code} ${r.reason}`),
      stop: () => fake.stop(),
    };
  },
  '【聚合数据】您的验证码是654321',
  { error: /^upstream: 10001 错误的请求KEY/, refusals: ['send 10001 错误的请求KEY'] },
);

templateRouteTests('juhe', upstream(), async () => {
  const fake = await startFakeJuhe();
  return { url: fake.url, sent: () => fake.received.length, stop: () => fake.stop() };
});

describe('juhe: tpl_value and codes', () => {
  test('#name#=value pairs; a name or value holding #&=% encoded first', () => {
    assert.equal(
      tplValue([
        ['code', '1234'],
        ['shop', 'a&b=c#%'],
      ]),
      '#code#=1234&#shop#=a%26b%3Dc%23%25',
    );
  });

  test('a bad number and the frequency rule are permanent; key, quota and platform errors retryable', () => {
    assert.deepEqual(['205401', '205405'].map(classifyError), ['permanent', 'permanent']);
    assert.deepEqual(['10001', '10012', '205403', '10014'].map(classifyError), ['retryable', 'retryable', 'retryable', 'retryable']);
  });
});
