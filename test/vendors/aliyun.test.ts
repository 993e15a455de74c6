import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Send, SendStatus } from '../../entities';
import { aliyun, classifyError, parseReplyPush, parseReportPush } from '../../src/vendors/aliyun';
import type { TestGateway } from '../support/gateway';
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, ALIYUN_TEMPLATES, aliyunParts, type FakeAliyun, startFakeAliyun } from './aliyun/fake';
import { fetchReplies, outbound, reportsUntil, sendSms, silentContext, startGatewayWith, VENDOR_NAME } from './support';
import { credentialRefusalTest, templateRouteTests } from './templateRoutes';

/** The upstream Aliyun vendor: the brief's hand-written rule, the fetched list for everything else. */
const upstream = (secret = ALIYUN_KEY_SECRET) =>
  '  upstream:\n    type: aliyun\n    url: ${VENDOR_URL}\n' +
  `    username: ${ALIYUN_KEY_ID}\n    password: ${secret}\n    timeoutMs: 2000\n` +
  "    templates:\n      - pattern: '您的验证码是(?<code>\\d{4,8})'\n        template: SMS_228533331\n";

const rowsOf = (gw: TestGateway, batchId: string) => gw.db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });

describe('aliyun: the whole loop against the simulator', () => {
  let fake: FakeAliyun;
  let gw: TestGateway;
  before(async () => {
    fake = await startFakeAliyun();
    fake.reportFor = (n) => (n === '13900139000' ? { success: false, errCode: 'MK:0001' } : { success: true });
    gw = await startGatewayWith(`vendors:\n${upstream()}route: [upstream]\n`, fake.url);
    fake.reportUrl = gw.callbackUrl(VENDOR_NAME, 'reports');
    fake.replyUrl = gw.callbackUrl(VENDOR_NAME, 'replies');
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });

  test('a hand-written rule: SendSms signed, SMS_228533331 with {code}, the text’s 【signature】; reports pushed', async () => {
    const batchId = await sendSms(gw, '13800138000,13900139000', '【测试】您的验证码是123456，请于5分钟内填写');
    const reports = await reportsUntil(gw, 2);
    assert.deepEqual(reports, [
      { mobile: '13800138000', smslogid: batchId, status: '1' },
      { mobile: '13900139000', smslogid: batchId, status: '0' },
    ]);
    const send = fake.sends.at(-1)!;
    assert.deepEqual([send.action, send.templateCode], ['SendSms', 'SMS_228533331'], 'one SendSms for both numbers');
    assert.deepEqual(
      send.entries.map((e) => [e.phoneNumber, e.templateParam, e.signName]),
      [
        ['13800138000', { code: '123456' }, '测试'],
        ['13900139000', { code: '123456' }, '测试'],
      ],
    );
    const rows = await rowsOf(gw, batchId);
    assert.ok(rows.every((r) => r.vendorMsgId === send.bizId));
    assert.deepEqual(
      rows.map((r) => [r.STATUS, r.reportStatus]),
      [
        [SendStatus.delivered, 'DELIVERED'],
        [SendStatus.failed, 'MK:0001'],
      ],
    );
    assert.ok(fake.pushes.every((p) => p.status === 200 && p.accepted));
    assert.deepEqual(JSON.parse(fake.pushes[0]!.answer), { code: 0, msg: '接收成功' }, 'the answer of the documentation');
  });

  test('a long Chinese text matched by the fetched list: parameters captured, billed parts as the platform counts them', async () => {
    const content = ALIYUN_TEMPLATES[2]!.content.replace('${name}', '王先生').replace('${order}', 'SF1234567890');
    const batchId = await sendSms(gw, '13800138001', `【测试】${content}`);
    assert.deepEqual(await reportsUntil(gw, 1), [{ mobile: '13800138001', smslogid: batchId, status: '1' }]);
    const send = fake.sends.at(-1)!;
    const [entry] = send.entries;
    assert.deepEqual([send.templateCode, entry!.templateParam], ['SMS_228533340', { name: '王先生', order: 'SF1234567890' }]);
    const [row] = await rowsOf(gw, batchId);
    const pushed = fake.pushes.at(-1)!.body as { sms_size: string }[];
    assert.ok(entry!.text.length > 70);
    assert.equal(Number(pushed[0]!.sms_size), aliyunParts(entry!.text));
    assert.equal(row!.segments, aliyunParts(entry!.text), 'the gateway charged as many parts as Aliyun bills');
  });

  test('the most specific listed template wins: a bare code text goes out as SMS_228533332', async () => {
    const before = fake.sends.length;
    await sendSms(gw, '13800138002', '【测试】您的验证码是AB12');
    await reportsUntil(gw, 1);
    assert.deepEqual(
      [fake.sends[before]!.templateCode, fake.sends[before]!.entries[0]!.templateParam],
      ['SMS_228533332', { code: 'AB12' }],
    );
  });

  test('one template, a code per number: one SendBatchSms; the same text to several numbers: one SendSms', async () => {
    const vendor = aliyun.create(
      aliyun.settings.parse({
        url: fake.url,
        username: ALIYUN_KEY_ID,
        password: ALIYUN_KEY_SECRET,
        templateList: false,
        templates: [{ pattern: '验证码是(?<code>\\d+)', template: 'SMS_228533332' }],
      }),
      silentContext(),
    );
    try {
      const before = fake.sends.length;
      const outcomes = await vendor.send([
        outbound(1, '13800138010', '【测试】您的验证码是1111'),
        outbound(2, '13800138011', '【测试】您的验证码是2222'),
        outbound(3, '13800138012', '【测试】您的验证码是3333'),
      ]);
      const sent = fake.sends.slice(before);
      assert.deepEqual(
        sent.map((s) => [s.action, s.entries.map((e) => [e.phoneNumber, e.templateParam.code])]),
        [
          [
            'SendBatchSms',
            [
              ['13800138010', '1111'],
              ['13800138011', '2222'],
              ['13800138012', '3333'],
            ],
          ],
        ],
      );
      assert.deepEqual(
        outcomes,
        [1, 2, 3].map((id) => ({ id, ok: true, vendorMsgId: sent[0]!.bizId })),
      );
    } finally {
      await vendor.stop?.();
    }
  });

  test('a reply pushed as SmsUp reaches getRecvSMS', async () => {
    assert.equal(await fake.pushReply({ mobile: '13800138000', content: '收到，谢谢' }), 200);
    const replies = await fetchReplies(gw);
    assert.deepEqual(replies, [{ mobile: '13800138000', content: '收到，谢谢' }]);
  });

  test('a malformed push is answered with a non-zero code, so Aliyun pushes again', async () => {
    const res = await fetch(gw.callbackUrl(VENDOR_NAME, 'reports'), { method: 'POST', body: '{"biz_id":' });
    assert.equal(await res.text(), '{"code":1,"msg":"未接收"}');
  });
});

credentialRefusalTest(
  'aliyun',
  upstream('not-the-secret'),
  async () => {
    const fake = await startFakeAliyun();
    return {
      url: fake.url,
      accepted: () => fake.sends.length,
      refusals: () => fake.refusals.map((r) => `${r.action} ${r.code}`),
      stop: () => fake.stop(),
    };
  },
  '【测试】您的验证码是654321',
  {
    error: /^upstream: HTTP 400 SignatureDoesNotMatch: Specified signature does not match our calculation/,
    refusals: ['SendSms SignatureDoesNotMatch', 'QuerySmsTemplateList SignatureDoesNotMatch'],
  },
);

templateRouteTests('aliyun', upstream(), async () => {
  const fake = await startFakeAliyun();
  return {
    url: fake.url,
    sent: () => fake.received.filter((r) => r.headers['x-acs-action'] === 'SendSms').length,
    stop: () => fake.stop(),
  };
});

describe('aliyun: error codes and reports', () => {
  test('limit control and a bad number are permanent; throttling, system errors and our account retryable', () => {
    for (const code of ['isv.BUSINESS_LIMIT_CONTROL', 'isv.MOBILE_NUMBER_ILLEGAL', 'isv.TEMPLATE_PARAMS_ILLEGAL'])
      assert.equal(classifyError(code), 'permanent');
    for (const code of ['Throttling.User', 'isp.SYSTEM_ERROR', 'isv.AMOUNT_NOT_ENOUGH', 'SignatureDoesNotMatch', 'isv.NEW_CODE']) {
      assert.equal(classifyError(code), 'retryable');
    }
  });

  test('SmsReport items: biz_id and phone_number name the row, err_code the status', () => {
    const body = Buffer.from(
      JSON.stringify([
        { phone_number: '13800138000', success: true, err_code: 'DELIVERED', biz_id: '1^0', report_time: '2024-01-02 03:04:05' },
        { phone_number: '8613900139000', success: false, err_code: 'EXPIRED', biz_id: '1^0' },
      ]),
    );
    const [a, b] = parseReportPush('up', { body });
    assert.deepEqual([a!.status, a!.mobile, a!.at.toISOString()], ['delivered', '13800138000', '2024-01-01T19:04:05.000Z']);
    assert.deepEqual([b!.status, b!.mobile, b!.code], ['expired', '13900139000', 'EXPIRED']);
    assert.throws(() => parseReportPush('up', { body: Buffer.from('[{"success":true}]') }), /without biz_id/);
  });

  test('SmsUp items as the documentation gives them: sequence_id a number, dest_code the extension', () => {
    // The SmsUp page's sample, with its compact send_time.
    const body = Buffer.from(
      '[{"phone_number":"18612345678","send_time":"20170901000000","content":"内容","sign_name":"签名","dest_code":"1234","sequence_id":1234567890}]',
    );
    const [reply] = parseReplyPush('up', { body });
    assert.deepEqual(
      [reply!.mobile, reply!.content, reply!.extNo, reply!.at.toISOString(), reply!.vendorKey],
      ['18612345678', '内容', '1234', '2017-08-31T16:00:00.000Z', 'sequence_id:1234567890'],
    );
  });
});

describe('aliyun: the template list fetched again on an operator command', () => {
  test('POST /admin/vendors/:name/templates fetches the list now; a text only the new template carries goes out as it', async () => {
    const templates = [...ALIYUN_TEMPLATES];
    const fake = await startFakeAliyun(templates);
    const gw = await startGatewayWith(`vendors:\n${upstream()}route: [upstream]\n`, fake.url);
    const refresh = (name: string) =>
      fetch(`${gw.url}/admin/vendors/${name}/templates`, { method: 'POST', headers: { authorization: `Bearer ${gw.adminToken}` } });
    try {
      const codes = async (res: Response) => {
        assert.equal(res.status, 200);
        return ((await res.json()) as { templates: { template: string }[] }).templates.map((t) => t.template);
      };
      assert.ok(!(await codes(await refresh(VENDOR_NAME))).includes('SMS_228533400'));
      templates.push({ code: 'SMS_228533400', content: '您的快递${number}已到驿站' });
      assert.ok((await codes(await refresh(VENDOR_NAME))).includes('SMS_228533400'));
      await sendSms(gw, '13800138000', '【测试】您的快递SF1234已到驿站');
      for (let i = 0; i < 200 && fake.sends.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      const send = fake.sends.at(-1);
      assert.deepEqual([send?.templateCode, send?.entries[0]?.templateParam], ['SMS_228533400', { number: 'SF1234' }]);
      assert.equal((await refresh('nobody')).status, 404);
    } finally {
      await gw.stop();
      await fake.stop();
    }
  });
});
