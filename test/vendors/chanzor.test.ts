import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { Send, SendStatus } from '../../entities';
import {
  chanzor,
  classifySendFailure,
  decodeAnswer,
  deliveryStatus,
  parseBalance,
  parseReplies,
  parseReports,
  parseSendAnswer,
  sendOutcomes,
} from '../../src/vendors/chanzor';
import { localMobile, parseVendorTime, withSignature } from '../../src/vendors/common';
import type { OutboundMessage } from '../../src/vendors/types';
import { DIALECTS, type TestGateway } from '../support/gateway';
import { type ChanzorFake, FAKE_LOGIN, startChanzorFake } from './chanzor/fake';
import {
  CHINESE_TEXT,
  fetchReplies,
  fetchReports,
  outbound,
  reportsUntil,
  sendSms,
  silentContext,
  startGatewayWith,
  vendorConfigs,
  waitFor,
} from './support';

const A = '13800138000';
const B = '13900139000';

/** 镕 and 【】 as each endpoint's charset writes them (GB2312 endpoints are read as CP936, where 镕 exists). */
const BYTES = {
  'utf-8': { rong: 'e99595', open: 'e38090', close: 'e38091' },
  gb2312: { rong: 'e946', open: 'a1be', close: 'a1bf' },
} as const;

/**
 * A typed configuration against the fake; with `backup`, route [upstream, backup]. The simulator's
 * delayMs is 300, not 50: on MySQL a report parked while the dispatcher's recording transaction is
 * still open is never applied (a framework race, see the adapter's report), and 50 ms falls inside
 * that window on a loaded machine.
 */
function typedYaml(extra: string, backup = false): string {
  return `vendors:
  upstream:
    type: chanzor
    url: \${VENDOR_URL}
    username: ${FAKE_LOGIN.account}
    password: ${FAKE_LOGIN.password}
    userid: '${FAKE_LOGIN.userid}'
    pollIntervalMs: 100
${extra}${
  backup
    ? `  backup:
    type: simulator
    delayMs: 300
    successRatio: 1
route: [upstream, backup]
`
    : 'route: [upstream]\n'
}`;
}

describe('chanzor: the whole loop, over the wire', () => {
  for (const { name, yaml } of vendorConfigs('chanzor')) {
    test(`${name}: sendSms → the exact bytes → reports once → a reply once`, async () => {
      const fake = await startChanzorFake();
      const gw = await startGatewayWith(yaml, fake.url);
      try {
        fake.outcomeFor = (mobile) => (mobile === B ? { status: '20', errorcode: 'UNDELIV' } : { status: '10', errorcode: 'DELIVRD' });
        await sendSms(gw, `${A},${B}`);
        await waitFor(() => fake.sends.filter((s) => s.taskID).flatMap((s) => s.params.get('mobile')!.split(',')).length >= 2);

        // What went over the wire: the documented parameter names, the plain password, the charset's bytes.
        const sends = fake.sends.filter((s) => s.taskID);
        assert.deepEqual(sends.flatMap((s) => s.params.get('mobile')!.split(',')).sort(), [A, B]);
        for (const s of sends) {
          const cs = s.charset;
          assert.equal(s.params.get('action'), 'send');
          assert.equal(s.params.get('account'), FAKE_LOGIN.account);
          assert.equal(s.params.get('password'), FAKE_LOGIN.password);
          assert.equal(s.params.get('userid'), FAKE_LOGIN.userid);
          assert.ok(s.params.has('sendTime'), 'sendTime is sent (empty: at once)');
          const content = s.bytes.get('content')!;
          assert.equal(content.toString('hex'), iconv.encode(CHINESE_TEXT, cs).toString('hex'), `content bytes in ${cs}`);
          const hex = content.toString('hex');
          assert.ok(hex.startsWith(BYTES[cs].rong), `镕 as ${cs} bytes`);
          assert.ok(hex.includes(BYTES[cs].open) && hex.includes(BYTES[cs].close), `【】 as ${cs} bytes`);
          assert.equal(s.params.get('content'), CHINESE_TEXT);
        }
        // The body as sent: 镕 and 【】 percent-encoded in the endpoint's charset (any hex case; GBK's 0x46 may stay 'F').
        for (const s of sends) {
          assert.equal(s.method, 'POST');
          const pattern = s.charset === 'utf-8' ? /content=%E9%95%95%E3%80%90.*%E3%80%91/i : /content=%E9(F|%46)%A1%BE.*%A1%BF/i;
          assert.match(s.raw, pattern);
        }

        // Pulled by the gateway from statusApi.aspx, told once.
        const reports = await reportsUntil(gw, 2);
        assert.deepEqual(reports.map((r) => [r.mobile, r.status]).sort(), [
          [A, '1'],
          [B, '0'],
        ]);
        assert.equal(fake.reportQueue.length, 0, 'the fake handed its reports out');
        assert.deepEqual(await fetchReports(gw), []);

        // A reply from the phone, through callApi.aspx, Chinese intact.
        const text = '收到镕【好】 谢谢';
        fake.queueReply({ mobile: A, content: text });
        const replies: { mobile: string; content: string }[] = [];
        await waitFor(async () => {
          replies.push(...(await fetchReplies(gw)));
          return replies.length >= 1;
        });
        assert.deepEqual(replies, [{ mobile: A, content: text }]);
        assert.deepEqual(await fetchReplies(gw), []);
      } finally {
        await gw.stop();
        await fake.stop();
      }
    });
  }
});

describe('chanzor: failover to the next vendor of the route', () => {
  const cases: { label: string; arrange(fake: ChanzorFake): void }[] = [
    { label: 'a timeout', arrange: (f) => Object.assign(f, { mode: 'slow', slowMs: 1000 }) },
    { label: '其他错误 (the vendor’s own error)', arrange: (f) => Object.assign(f, { mode: 'busy' }) },
    { label: 'HTTP 500', arrange: (f) => Object.assign(f, { mode: 'http500' }) },
    { label: '用户名或密码错误 (our login refused)', arrange: (f) => Object.assign(f, { password: 'changed-at-the-vendor' }) },
  ];
  for (const dialect of DIALECTS) {
    describe(dialect, () => {
      let fake: ChanzorFake;
      let gw: TestGateway;
      before(async () => {
        fake = await startChanzorFake();
        gw = await startGatewayWith(typedYaml('    timeoutMs: 300\n', true), fake.url, { dialect, env: { DISPATCH_RETRY_BASE_MS: '10' } });
      });
      after(async () => {
        await gw?.stop();
        await fake?.stop();
      });
      for (const c of cases) {
        test(`${c.label} → sent by backup, delivered, reported once, charged once`, async () => {
          Object.assign(fake, { mode: 'normal', password: FAKE_LOGIN.password });
          c.arrange(fake);
          const tried = fake.sends.length;
          const balance = (await gw.account()).balanceGateway;
          const batchId = await sendSms(gw, A);
          const reports = await reportsUntil(gw, 1);
          assert.deepEqual(
            reports.map((r) => [r.mobile, r.status]),
            [[A, '1']],
          );
          assert.ok(fake.sends.length > tried, 'upstream was tried first');
          const rows = await gw.db.getRepository(Send).findBy({ batchId });
          assert.equal(rows.length, 1);
          assert.equal(rows[0]!.vendor, 'backup');
          assert.equal(rows[0]!.STATUS, SendStatus.delivered);
          assert.ok(rows[0]!.attempts >= 2);
          assert.equal((await gw.account()).balanceGateway, balance - 1);
          assert.deepEqual(await fetchReports(gw), []);
        });
      }
    });
  }
});

describe('chanzor: refusals, queues, configuration, balance', () => {
  let fake: ChanzorFake;
  let gw: TestGateway;
  before(async () => {
    fake = await startChanzorFake();
    gw = await startGatewayWith(typedYaml(''), fake.url, { env: { DISPATCH_RETRY_BASE_MS: '10' } });
  });
  after(async () => {
    await gw?.stop();
    await fake?.stop();
  });

  /** Waits until the gateway polled `path` again: the poller stores what a poll returned before it polls again. */
  const nextPoll = async (path: string) => {
    const seen = fake.received.filter((r) => r.path === path).length;
    await waitFor(() => fake.received.filter((r) => r.path === path).length > seen, 5000, `another poll of ${path}`);
  };

  test('a forbidden word (包含非法字符) fails the row for good: refunded, status 0', async () => {
    const tried = fake.sends.length;
    const balance = (await gw.account()).balanceGateway;
    const batchId = await sendSms(gw, A, '本店赌博优惠');
    const reports = await reportsUntil(gw, 1);
    assert.deepEqual(
      reports.map((r) => [r.mobile, r.status]),
      [[A, '0']],
    );
    assert.equal(fake.sends.length - tried, 1, 'tried once, not retried');
    const [row] = await gw.db.getRepository(Send).findBy({ batchId });
    assert.equal(row!.STATUS, SendStatus.failed);
    assert.match(row!.lastError ?? '', /upstream: Faild\|包含非法字符：赌博 \(forbidden word\)/);
    assert.equal((await gw.account()).balanceGateway, balance);
    assert.equal(balance, 100000);
  });

  test('a report or reply handed out twice (a vendor’s repeat) is told once', async () => {
    fake.outcomeFor = () => ({ status: '10', errorcode: 'DELIVRD' });
    await sendSms(gw, B);
    const reports = await reportsUntil(gw, 1);
    assert.deepEqual(
      reports.map((r) => [r.mobile, r.status]),
      [[B, '1']],
    );
    const taskid = fake.sends.filter((s) => s.taskID).at(-1)!.taskID!;
    // The same statusbox again, and one callbox twice in one answer.
    fake.reportQueue.push({ mobile: B, taskid, status: '10', receivetime: '2024-05-01 10:00:00', errorcode: 'DELIVRD' });
    fake.queueReply({ mobile: B, content: '好的', receivetime: '2024-05-01 10:01:00' });
    fake.replyQueue.push({ ...fake.replyQueue[0]! });
    await waitFor(() => fake.reportQueue.length === 0 && fake.replyQueue.length === 0);
    await Promise.all([nextPoll('/statusApi.aspx'), nextPoll('/callApi.aspx')]);
    assert.deepEqual(await fetchReports(gw), []);
    assert.deepEqual(await fetchReplies(gw), [{ mobile: B, content: '好的' }]);
    assert.deepEqual(await fetchReplies(gw), []);
  });

  test('a wrong login on the report queue is the vendor’s errorstatus; nothing is lost', async () => {
    fake.password = 'changed-at-the-vendor';
    try {
      fake.reportQueue.push({ mobile: A, taskid: '1', status: '10', receivetime: '2024-05-01 10:00:00', errorcode: 'DELIVRD' });
      await nextPoll('/statusApi.aspx');
      await nextPoll('/statusApi.aspx');
      assert.equal(fake.reportQueue.length, 1, 'refused polls hand nothing out');
    } finally {
      fake.password = FAKE_LOGIN.password;
    }
    await waitFor(() => fake.reportQueue.length === 0);
  });

  test('a configuration mistake names the key', async () => {
    await assert.rejects(
      startGatewayWith(typedYaml('').replace('password:', 'pasword:'), fake.url),
      /vendors\.upstream\.pasword: unknown key/,
    );
    await assert.rejects(
      startGatewayWith(typedYaml('').replace(/ {4}username: .*\n/, ''), fake.url),
      /vendors\.upstream\.username: is required/,
    );
    await assert.rejects(startGatewayWith(typedYaml('    charset: big5\n'), fake.url), /vendors\.upstream\.charset/);
    await assert.rejects(startGatewayWith(typedYaml('').replace("userid: '1001'", 'userid: abc'), fake.url), /vendors\.upstream\.userid/);
  });

  test('balance(): action=overage through the admin API', async () => {
    fake.balance = 4321;
    const res = await fetch(`${gw.url}/admin/vendors/upstream/balance`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { balance: number; raw: string };
    assert.equal(body.balance, 4321);
    assert.match(body.raw, /<payinfo>预付费<\/payinfo>/);
    const call = fake.received.filter((r) => r.path === '/sms.aspx').at(-1)!;
    assert.equal(call.body.toString('latin1'), 'action=overage&userid=1001&account=cz_account&password=cz_secret');
  });

  test('balance() with charset gb2312 asks smsGBK.aspx', async () => {
    const vendor = chanzor.create(
      chanzor.settings.parse({
        url: fake.url,
        username: FAKE_LOGIN.account,
        password: FAKE_LOGIN.password,
        userid: 1001,
        charset: 'gb2312',
      }),
      silentContext(),
    );
    fake.balance = 77;
    assert.equal((await vendor.balance!()).balance, 77);
    const overage = fake.received.filter((r) => r.body.toString('latin1').startsWith('action=overage')).at(-1)!;
    assert.equal(overage.path, '/smsGBK.aspx');
  });

  test('balance() refused with a wrong login throws the vendor’s message', async () => {
    const vendor = chanzor.create(
      chanzor.settings.parse({ url: fake.url, username: FAKE_LOGIN.account, password: 'nope', userid: FAKE_LOGIN.userid }),
      silentContext(),
    );
    await assert.rejects(vendor.balance!(), /overage refused: Faild\|用户名或密码错误/);
  });

  test('one request of a batch times out: the others keep their acceptance; all time out: send throws', async () => {
    const vendor = chanzor.create(
      chanzor.settings.parse({ url: fake.url, username: FAKE_LOGIN.account, password: FAKE_LOGIN.password, userid: 1001, timeoutMs: 300 }),
      silentContext(),
    );
    fake.slowMs = 800;
    fake.slowWhen = (p) => p.get('content') === 'slow text';
    try {
      const outcomes = await vendor.send([outbound(1, A, 'slow text'), outbound(2, A, 'quick text')]);
      const quick = fake.sends.find((s) => s.params.get('content') === 'quick text')!;
      assert.equal(outcomes.length, 2);
      assert.deepEqual(outcomes[1], { id: 2, ok: true, vendorMsgId: quick.taskID });
      assert.equal(outcomes[0]!.ok, false);
      assert.equal((outcomes[0] as { retryable: boolean }).retryable, true);
      assert.match((outcomes[0] as { error: string }).error, /^upstream: .*(timeout|abort)/i);
      await assert.rejects(vendor.send([outbound(3, A, 'slow text')]), /timeout|abort/i);
    } finally {
      fake.slowWhen = () => false;
    }
  });

  test('signature and extension number reach the vendor (content 【签名】, extno)', async () => {
    const vendor = chanzor.create(
      chanzor.settings.parse({ url: fake.url, username: FAKE_LOGIN.account, password: FAKE_LOGIN.password, userid: 1001 }),
      silentContext(),
    );
    const outcomes = await vendor.send([
      outbound(7, A, '您的验证码1234', { extNo: '123', signature: '畅卓' }),
      outbound(8, B, '您的验证码1234', { extNo: '123', signature: '畅卓' }),
    ]);
    const s = fake.sends.at(-1)!;
    assert.equal(s.params.get('content'), '您的验证码1234【畅卓】');
    assert.equal(s.params.get('extno'), '123');
    assert.equal(s.params.get('mobile'), `${A},${B}`);
    assert.deepEqual(outcomes, [
      { id: 7, ok: true, vendorMsgId: s.taskID },
      { id: 8, ok: true, vendorMsgId: s.taskID },
    ]);
  });
});

describe('chanzor: pure parsing, with the seed’s examples', () => {
  const batch: OutboundMessage[] = [outbound(1, A, 'x'), outbound(2, B, 'x')];
  const answer = (status: string, message: string, taskID = '') =>
    `<?xml version="1.0" encoding="utf-8" ?><returnsms><returnstatus>${status}</returnstatus><message>${message}</message><remainpoint>99</remainpoint><taskID>${taskID}</taskID><successCounts>2</successCounts></returnsms>`;

  test('the send answer: Success gives every number the taskID', () => {
    assert.deepEqual(parseSendAnswer(answer('Success', 'ok', '1212')), {
      ok: true,
      returnstatus: 'Success',
      message: 'ok',
      taskID: '1212',
      remainpoint: '99',
      successCounts: '2',
    });
    assert.deepEqual(sendOutcomes('cz', batch, { status: 200, text: answer('Success', 'ok', '1212') }), [
      { id: 1, ok: true, vendorMsgId: '1212' },
      { id: 2, ok: true, vendorMsgId: '1212' },
    ]);
  });

  test('Faild messages: permanent for the message, retryable for the account or the vendor', () => {
    const outcome = (message: string) => sendOutcomes('cz', batch.slice(0, 1), { status: 200, text: answer('Faild', message) })[0]!;
    assert.deepEqual(outcome('包含非法字符：赌博'), {
      id: 1,
      ok: false,
      retryable: false,
      error: 'cz: Faild|包含非法字符：赌博 (forbidden word)',
    });
    for (const m of ['发送内容包含sql注入字符', '短信号码不能为空', '短信内容不能为空', '扩展子号只能是数字']) {
      assert.equal(classifySendFailure(m).retryable, false, m);
    }
    for (const m of ['用户名或密码不能为空', '用户名或密码错误', '对不起，您当前要发送的量大于您当前余额', '其他错误', '未知的答复']) {
      assert.equal(classifySendFailure(m).retryable, true, m);
    }
    assert.deepEqual(sendOutcomes('cz', batch.slice(0, 1), { status: 502, text: 'Bad Gateway' }), [
      { id: 1, ok: false, retryable: true, error: 'cz: HTTP 502 Bad Gateway' },
    ]);
    assert.equal((sendOutcomes('cz', batch.slice(0, 1), { status: 200, text: '<html>oops' })[0] as { retryable: boolean }).retryable, true);
  });

  test('reports: the seed’s statusbox; 10 delivered, 20 refined by errorcode', () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8" ?><returnsms><statusbox><mobile>13412345678</mobile><taskid>1212</taskid><status>10</status><receivetime>2011-12-02 22:12:11</receivetime><errorcode>DELIVRD</errorcode></statusbox>' +
      '<statusbox><mobile>8613412345679</mobile><taskid>1212</taskid><status>20</status><receivetime>2011-12-02 22:12:12</receivetime><errorcode>EXPIRED</errorcode></statusbox></returnsms>';
    assert.deepEqual(parseReports('cz', xml), [
      {
        vendor: 'cz',
        vendorMsgId: '1212',
        mobile: '13412345678',
        status: 'delivered',
        code: '10:DELIVRD',
        at: new Date('2011-12-02T14:12:11Z'),
      },
      {
        vendor: 'cz',
        vendorMsgId: '1212',
        mobile: '13412345679',
        status: 'expired',
        code: '20:EXPIRED',
        at: new Date('2011-12-02T14:12:12Z'),
      },
    ]);
    assert.deepEqual(parseReports('cz', '<?xml version="1.0" encoding="utf-8" ?><returnsms></returnsms>'), []);
    assert.throws(
      () => parseReports('cz', '<returnsms><errorstatus><error>2</error><remark>用户名或密码错误</remark></errorstatus></returnsms>'),
      /statusApi refused: 2\|用户名或密码错误/,
    );
    assert.equal(deliveryStatus('20', 'UNDELIV'), 'undelivered');
    assert.equal(deliveryStatus('20', 'REJECTD'), 'rejected');
    assert.equal(deliveryStatus('20', 'DB:0141'), 'undelivered');
    assert.equal(deliveryStatus('20', 'MK:0001 BLACK'), 'rejected');
    assert.equal(deliveryStatus('30', ''), 'unknown');
  });

  test('replies: callbox with its Chinese text; keyed by what the vendor sent', () => {
    const [reply] = parseReplies(
      'cz',
      '<returnsms><callbox><mobile>13800138000</mobile><taskid>77</taskid><content>退订 &amp; 谢谢</content><receivetime>2011/12/02 22:12:11</receivetime><extno>123</extno></callbox></returnsms>',
    );
    assert.deepEqual(reply, {
      vendor: 'cz',
      mobile: A,
      content: '退订 & 谢谢',
      extNo: '123',
      at: new Date('2011-12-02T14:12:11Z'),
      vendorKey: '77|13800138000|2011/12/02 22:12:11|退订 & 谢谢',
    });
  });

  test('balance, times, numbers, signatures, answer charset', () => {
    const raw =
      '<?xml version="1.0" encoding="utf-8" ?><returnsms><returnstatus>Success</returnstatus><message></message><payinfo>预付费</payinfo><overage>1200</overage><sendTotal>5000</sendTotal></returnsms>';
    assert.deepEqual(parseBalance('cz', raw), { balance: 1200, raw });
    assert.throws(() => parseBalance('cz', answer('Faild', '用户名或密码错误')), /用户名或密码错误/);
    assert.equal(parseVendorTime(''), null);
    assert.deepEqual(parseVendorTime('2011/12/02 22:12:11'), new Date('2011-12-02T14:12:11Z'));
    assert.equal(localMobile('+8613800138000'), A);
    assert.equal(localMobile('13800138000'), A);
    // chanzor's clients write the signature after the text: that is its default placement.
    assert.equal(chanzor.settings.parse({ url: 'http://h', username: 'u', password: 'p' }).signaturePlacement, 'suffix');
    assert.equal(withSignature('验证码1', '【畅卓】', 'suffix'), '验证码1【畅卓】');
    assert.equal(withSignature('【畅卓】验证码1', '畅卓', 'suffix'), '【畅卓】验证码1');
    assert.equal(withSignature('验证码1', '【畅卓', 'suffix'), '验证码1【畅卓】', 'half a bracket is not doubled');
    assert.equal(withSignature('验证码1', null, 'suffix'), '验证码1');
    const gbkDeclared = iconv.encode('<?xml version="1.0" encoding="gb2312" ?><returnsms><message>镕</message></returnsms>', 'gb2312');
    assert.match(decodeAnswer(gbkDeclared, 'utf-8'), /<message>镕<\/message>/);
    assert.match(decodeAnswer(Buffer.from('<?xml version="1.0" encoding="utf-8" ?><a>镕</a>'), 'gb2312'), /<a>镕<\/a>/);
  });
});
