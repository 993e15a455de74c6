import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Send, SendStatus } from '../../entities';
import { classifyError, parseReplies, parseReplyCallback, parseReportCallback, parseReports } from '../../src/vendors/tencent';
import type { TestGateway } from '../support/gateway';
import { fetchReplies, reportsUntil, sendSms, startGatewayWith, VENDOR_NAME, waitFor } from './support';
import { credentialRefusalTest, templateRouteTests } from './templateRoutes';
import {
  type FakeTencent,
  startFakeTencent,
  TENCENT_APP_ID,
  TENCENT_SECRET_ID,
  TENCENT_SECRET_KEY,
  TENCENT_TEMPLATES,
  tencentParts,
} from './tencent/fake';

/** The upstream Tencent vendor: a hand-written rule with numbered parameters, the fetched list for the rest. */
const upstream = (secret = TENCENT_SECRET_KEY) =>
  '  upstream:\n    type: tencent\n    url: ${VENDOR_URL}\n' +
  `    username: ${TENCENT_SECRET_ID}\n    password: ${secret}\n    sdkAppId: '${TENCENT_APP_ID}'\n    pollIntervalMs: 200\n    timeoutMs: 2000\n` +
  "    templates:\n      - pattern: '验证码(?<code>\\d{4,8})，(?<minutes>\\d+)分钟'\n        template: 449739\n        params: { '1': code, '2': minutes }\n";

/** The simulator's reports: DELIVRD for every number but `failed`, which fails with the carrier code `stat`. */
const reportsFailing = (failed: string, stat: string) => (n: string) =>
  n === failed
    ? { status: 'FAIL' as const, errmsg: stat, description: '用户短信接收失败' }
    : { status: 'SUCCESS' as const, errmsg: 'DELIVRD', description: '用户短信送达成功' };
const rowsOf = (gw: TestGateway, batchId: string) => gw.db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });

describe('tencent: the whole loop against the simulator', () => {
  let fake: FakeTencent;
  let gw: TestGateway;
  before(async () => {
    fake = await startFakeTencent();
    fake.reportFor = reportsFailing('13900139000', 'UNDELIV');
    gw = await startGatewayWith(`vendors:\n${upstream()}route: [upstream]\n`, fake.url);
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });

  test('a hand-written rule: +86 numbers, TemplateParamSet in {1}{2} order, signed TC3; reports polled', async () => {
    const batchId = await sendSms(gw, '13800138000,13900139000', '【测试】您的验证码为：验证码8899，5分钟内有效');
    assert.deepEqual(await reportsUntil(gw, 2), [
      { mobile: '13800138000', smslogid: batchId, status: '1' },
      { mobile: '13900139000', smslogid: batchId, status: '0' },
    ]);
    const send = fake.sends.at(-1)!;
    assert.deepEqual([send.templateId, send.params, send.numbers], ['449739', ['8899', '5'], ['+8613800138000', '+8613900139000']]);
    const rows = await rowsOf(gw, batchId);
    assert.deepEqual(
      rows.map((r) => [r.vendorMsgId, r.STATUS, r.reportStatus]),
      [
        [send.serials.get('+8613800138000'), SendStatus.delivered, '用户短信送达成功'],
        [send.serials.get('+8613900139000'), SendStatus.failed, '用户短信接收失败'],
      ],
    );
  });

  test('a long text matched by DescribeSmsTemplateList ({1}, {2} captured): Fee as the gateway charged', async () => {
    const content = TENCENT_TEMPLATES[2]!.content.replace('{1}', '李女士').replace('{2}', '护照办理');
    const batchId = await sendSms(gw, '13800138001', `${content}【测试】`);
    assert.deepEqual(await reportsUntil(gw, 1), [{ mobile: '13800138001', smslogid: batchId, status: '1' }]);
    const send = fake.sends.at(-1)!;
    assert.deepEqual([send.templateId, send.params], ['449741', ['李女士', '护照办理']]);
    assert.ok(send.text.length > 70);
    const [row] = await rowsOf(gw, batchId);
    assert.equal(row!.segments, tencentParts(send.text));
    assert.equal(send.fee, tencentParts(send.text));
  });

  test('a reply polled with PullSmsReplyStatus reaches getRecvSMS', async () => {
    await fake.addReply('13800138000', '好的，知道了');
    const replies: { mobile: string; content: string }[] = [];
    await waitFor(async () => replies.push(...(await fetchReplies(gw))) > 0, 10_000, 'the reply');
    assert.deepEqual(replies, [{ mobile: '13800138000', content: '好的，知道了' }]);
  });
});

describe('tencent: reports and replies as its JSON callbacks (callbacks: true)', () => {
  let fake: FakeTencent;
  let gw: TestGateway;
  before(async () => {
    fake = await startFakeTencent();
    fake.reportFor = reportsFailing('13900139000', 'REJECTD');
    gw = await startGatewayWith(`vendors:\n${upstream()}    callbacks: true\nroute: [upstream]\n`, fake.url);
    fake.callbacks = { reports: gw.callbackUrl(VENDOR_NAME, 'reports'), replies: gw.callbackUrl(VENDOR_NAME, 'replies') };
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });

  test('reports pushed: delivered and rejected, answered {"result":0}; a reply pushed reaches getRecvSMS; nothing polled', async () => {
    const batchId = await sendSms(gw, '13800138000,13900139000', '【测试】您的验证码是2468');
    assert.deepEqual(await reportsUntil(gw, 2), [
      { mobile: '13800138000', smslogid: batchId, status: '1' },
      { mobile: '13900139000', smslogid: batchId, status: '0' },
    ]);
    const rows = await rowsOf(gw, batchId);
    assert.deepEqual(
      rows.map((r) => r.reportStatus),
      ['DELIVRD', 'REJECTD'],
    );
    await fake.addReply('13900139000', '退订');
    assert.deepEqual(await fetchReplies(gw), [{ mobile: '13900139000', content: '退订' }]);
    assert.ok(fake.pushes.length === 3 && fake.pushes.every((p) => p.status === 200 && p.answer === '{"result":0,"errmsg":"OK"}'));
    assert.ok(!fake.received.some((r) => String(r.headers['x-tc-action']).startsWith('Pull')), 'no pull call');
    const malformed = await fetch(gw.callbackUrl(VENDOR_NAME, 'reports'), { method: 'POST', body: '[{"mobile":"13800138000"}]' });
    assert.equal(await malformed.text(), '{"result":1,"errmsg":"not stored"}');
  });
});

credentialRefusalTest(
  'tencent',
  upstream('wrong-key'),
  async () => {
    const fake = await startFakeTencent();
    return {
      url: fake.url,
      accepted: () => fake.sends.length,
      refusals: () => fake.refusals.map((r) => `${r.action} ${r.code}`),
      stop: () => fake.stop(),
    };
  },
  '【测试】验证码654321，5分钟内有效',
  {
    error: /^upstream: AuthFailure\.SignatureFailure: The provided credentials could not be validated/,
    refusals: [
      'SendSms AuthFailure.SignatureFailure',
      'PullSmsSendStatus AuthFailure.SignatureFailure',
      'DescribeSmsTemplateList AuthFailure.SignatureFailure',
    ],
  },
);

templateRouteTests('tencent', upstream(), async () => {
  const fake = await startFakeTencent();
  return { url: fake.url, sent: () => fake.received.filter((r) => r.headers['x-tc-action'] === 'SendSms').length, stop: () => fake.stop() };
});

describe('tencent: codes and reports', () => {
  test('per-number limits, bad and blacklisted numbers are permanent; our account, the platform and signatures retryable', () => {
    for (const c of [
      'LimitExceeded.PhoneNumberThirtySecondLimit',
      'InvalidParameterValue.IncorrectPhoneNumber',
      'FailedOperation.PhoneNumberInBlacklist',
      'LimitExceeded.DeliveryFrequencyLimit',
      'InvalidParameter.DirtyWordFound',
      'UnsupportedOperation.UnsupportedRegion',
    ])
      assert.equal(classifyError(c), 'permanent');
    for (const c of [
      'AuthFailure.SignatureFailure',
      'InternalError.Timeout',
      'FailedOperation.InsufficientBalanceInSmsPackage',
      'LimitExceeded.AppDailyLimit',
    ])
      assert.equal(classifyError(c), 'retryable');
  });

  test('PullSmsSendStatusSet: SerialNo and SubscriberNumber, UserReceiveTime in UNIX seconds, SUCCESS delivered, FAIL by its description', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const reports = parseReports(
      'up',
      [
        {
          SerialNo: 's1',
          SubscriberNumber: '13800138000',
          ReportStatus: 'SUCCESS',
          Description: '用户短信送达成功',
          UserReceiveTime: 1704164645,
        },
        { SerialNo: 's2', PhoneNumber: '+8613900139000', ReportStatus: 'FAIL', Description: 'EXPIRED' },
        { ReportStatus: 'SUCCESS' },
      ],
      now,
    );
    assert.deepEqual(
      reports.map((r) => [r.vendorMsgId, r.mobile, r.status, r.at.toISOString()]),
      [
        ['s1', '13800138000', 'delivered', '2024-01-02T03:04:05.000Z'],
        ['s2', '13900139000', 'expired', now.toISOString()],
      ],
    );
  });

  test('PullSmsReplyStatusSet and the reply callback: ReplyTime / time in UNIX seconds', () => {
    const [pulled] = parseReplies('up', [
      { ExtendCode: '12', PhoneNumber: '+8613800138000', SubscriberNumber: '13800138000', ReplyContent: '好', ReplyTime: 1704164645 },
    ]);
    assert.deepEqual([pulled!.mobile, pulled!.extNo, pulled!.at.toISOString()], ['13800138000', '12', '2024-01-02T03:04:05.000Z']);
    const body = Buffer.from(
      JSON.stringify({ extend: '', mobile: '13800138000', nationcode: '86', sign: '测试', text: '退订', time: 1457336869 }),
    );
    const [pushed] = parseReplyCallback('up', { body });
    assert.deepEqual([pushed!.content, pushed!.extNo, pushed!.at.toISOString()], ['退订', null, '2016-03-07T07:47:49.000Z']);
  });

  test('the status callback: errmsg is the carrier code, user_receive_time China time', () => {
    const body = Buffer.from(
      JSON.stringify([
        {
          user_receive_time: '2015-10-17 08:03:04',
          nationcode: '86',
          mobile: '13800138000',
          report_status: 'SUCCESS',
          errmsg: 'DELIVRD',
          description: '用户短信送达成功',
          sid: 'x1',
        },
      ]),
    );
    const [report] = parseReportCallback('up', { body });
    assert.deepEqual(
      [report!.vendorMsgId, report!.status, report!.code, report!.at.toISOString()],
      ['x1', 'delivered', 'DELIVRD', '2015-10-17T00:03:04.000Z'],
    );
  });
});
