import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { errors } from 'smpp';
import { Account, Send, SendStatus } from '../../entities';
import type { DeliveryReport } from '../../src/core/reports';
import type { InboundReply } from '../../src/core/replies';
import { parseReceipt, receiptStatus, ucs2Parts } from '../../src/vendors/smpp/message';
import { smpp } from '../../src/vendors/smpp';
import type { Vendor, VendorNews } from '../../src/vendors/types';
import { DIALECTS, type TestGateway } from '../support/gateway';
import { call, DEMO_AUTH } from '../support/soap';
import { FakeSmsc, SMSC_ACCOUNT } from './smpp/fake';
import { CHINESE_TEXT, fetchReplies, outbound, reportsUntil, silentContext, startGatewayWith, VENDOR_NAME, waitFor } from './support';

const A = '13800138000';
const B = '13900139000';
/** 150 characters: three UCS-2 parts of 67, 67 and 16, with a surrogate pair (an emoji) that must not be cut. */
const LONG_TEXT = `【测试】${'长短信内容'.repeat(13)}😀${'第二部分'.repeat(10)}${'尾'.repeat(38)}`;
const SOURCE_ADDR = '1065900';

const YAML = `vendors:
  ${VENDOR_NAME}:
    type: smpp
    host: 127.0.0.1
    port: \${SMSC_PORT}
    systemId: ${SMSC_ACCOUNT.systemId}
    password: ${SMSC_ACCOUNT.password}
    systemType: ${SMSC_ACCOUNT.systemType}
    sourceAddr: '${SOURCE_ADDR}'
    reconnectMinMs: 50
    reconnectMaxMs: 200
    throttleBackoffMs: 100
route: [${VENDOR_NAME}]
`;

async function startPair(dialect: (typeof DIALECTS)[number]): Promise<{ smsc: FakeSmsc; gw: TestGateway }> {
  const smsc = await FakeSmsc.start();
  try {
    const gw = await startGatewayWith(YAML, '', { dialect, env: { SMSC_PORT: String(smsc.port) } });
    return { smsc, gw };
  } catch (err) {
    await smsc.stop();
    throw err;
  }
}

async function rowsOf(gw: TestGateway, batchId: string): Promise<Send[]> {
  return gw.db.getRepository(Send).findBy({ batchId });
}

/** sendSms as a legacy caller sends it, isLongSms 1 so that a long text is one message. */
async function send(gw: TestGateway, mobiles: string, content = CHINESE_TEXT): Promise<string> {
  const answer = await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 1, content, mobile: mobiles, isLongSms: 1 });
  const m = /^success;(\d{20})$/.exec(answer);
  assert.ok(m, `sendSms answered ${answer}`);
  return m[1]!;
}

describe('SMPP wire pieces', () => {
  test('a text that fits goes as one UCS-2 short_message, a long one as parts of 67 with one reference', () => {
    const [one, ...none] = ucs2Parts(CHINESE_TEXT, 7);
    assert.equal(none.length, 0);
    assert.equal(one!.esmClass, 0);
    assert.equal(one!.shortMessage.toString('hex').slice(0, 4), '9555', '镕 is U+9555, big-endian');
    const parts = ucs2Parts(LONG_TEXT, 200);
    assert.equal(parts.length, 3);
    for (const [i, p] of parts.entries()) {
      assert.equal(p.esmClass, 0x40);
      assert.deepEqual([...p.shortMessage.subarray(0, 6)], [5, 0, 3, 200, 3, i + 1]);
      assert.ok(p.shortMessage.length <= 140, `part ${i + 1} is ${p.shortMessage.length} bytes`);
    }
    const joined = parts.map((p) => Buffer.from(p.shortMessage.subarray(6)).swap16().toString('utf16le')).join('');
    assert.equal(joined, LONG_TEXT);
  });

  test('receipts of Appendix B are read, the TLV id preferred, stat mapped', () => {
    const r = parseReceipt('id:5A001 sub:001 dlvrd:000 submit date:2412011230 done date:2412011231 stat:UNDELIV err:012 text:');
    assert.deepEqual(r, { id: '5A001', stat: 'UNDELIV', err: '012', doneAt: new Date('2024-12-01T04:31:00Z') });
    assert.equal(parseReceipt('id:123 stat:DELIVRD', 'ABC')?.id, 'ABC');
    assert.equal(parseReceipt('no receipt here'), null);
    assert.deepEqual(['DELIVRD', 'EXPIRED', 'REJECTD', 'UNDELIV', 'DELETED', 'ENROUTE', 'UNKNOWN'].map(receiptStatus), [
      'delivered',
      'expired',
      'rejected',
      'undelivered',
      'undelivered',
      'unknown',
      'unknown',
    ]);
  });
});

for (const dialect of DIALECTS) {
  describe(`smpp loop against the test SMSC, on ${dialect}`, () => {
    const pair: { smsc?: FakeSmsc; gw?: TestGateway } = {};
    before(async () => Object.assign(pair, await startPair(dialect)));
    after(async () => {
      await pair.gw?.stop();
      await pair.smsc?.stop();
    });

    test('Chinese text in UCS-2 → submit_sm_resp ids → receipts reach getSmsReport', async () => {
      const { smsc, gw } = pair as { smsc: FakeSmsc; gw: TestGateway };
      smsc.receiptStat.set(B, 'UNDELIV');
      const batchId = await send(gw, `${A},${B}`);
      const reports = await reportsUntil(gw, 2);
      assert.deepEqual(
        reports.map((r) => [r.mobile, r.status]),
        [
          [A, '1'],
          [B, '0'],
        ],
      );
      assert.equal(smsc.binds.filter((b) => b.accepted).length, 1, 'one session for every message');
      const received = smsc.messages.filter((m) => m.destination === A || m.destination === B);
      assert.equal(received.length, 2);
      for (const m of received) {
        assert.equal(m.text, CHINESE_TEXT);
        assert.equal(m.dataCoding, 8);
        assert.equal(m.source, SOURCE_ADDR);
      }
      const rows = await rowsOf(gw, batchId);
      assert.deepEqual(rows.map((r) => r.vendorMsgId).sort(), received.map((m) => m.partIds[0]).sort(), 'rows keep the SMSC ids');
    });

    test('a long message goes as UDH parts the SMSC joins, and is reported once, under its first part', async () => {
      const { smsc, gw } = pair as { smsc: FakeSmsc; gw: TestGateway };
      await send(gw, A, LONG_TEXT);
      await waitFor(() => smsc.messages.some((m) => m.text === LONG_TEXT), 10_000, 'the joined long message');
      const message = smsc.messages.find((m) => m.text === LONG_TEXT)!;
      assert.equal(message.partIds.length, 3);
      assert.notEqual(message.reference, null);
      const reports = await reportsUntil(gw, 1);
      assert.deepEqual(
        reports.map((r) => [r.mobile, r.status]),
        [[A, '1']],
      );
      const row = await gw.db.getRepository(Send).findOneByOrFail({ vendorMsgId: message.partIds[0]! });
      assert.equal(row.STATUS, SendStatus.delivered);
    });

    test('an inbound deliver_sm to our number and an extension reaches getRecvSMS', async () => {
      const { smsc, gw } = pair as { smsc: FakeSmsc; gw: TestGateway };
      await gw.db.getRepository(Account).update({ username: 'demo' }, { extNo: '88' });
      // A number the account never sent to: only the extension names the account.
      const status = await smsc.inbound('8613700137000', `${SOURCE_ADDR}88`, '收到,谢谢镕');
      assert.equal(status, errors.ESME_ROK, 'acknowledged once stored');
      assert.deepEqual(await fetchReplies(gw), [{ mobile: '13700137000', content: '收到,谢谢镕' }]);
      assert.deepEqual(await fetchReplies(gw), [], 'told once');
    });
  });
}

describe('smpp slowing down and reconnecting, through a gateway (sqlite)', () => {
  const pair: { smsc?: FakeSmsc; gw?: TestGateway } = {};
  before(async () => Object.assign(pair, await startPair('sqlite')));
  after(async () => {
    await pair.gw?.stop();
    await pair.smsc?.stop();
  });

  test('ESME_RTHROTTLED slows the submits down, the message is not failed and goes through', async () => {
    const { smsc, gw } = pair as { smsc: FakeSmsc; gw: TestGateway };
    smsc.throttleNext = 3;
    const batchId = await send(gw, A);
    const reports = await reportsUntil(gw, 1);
    assert.deepEqual(
      reports.map((r) => [r.mobile, r.status]),
      [[A, '1']],
    );
    const tries = smsc.submits.filter((s) => s.destination === A);
    assert.deepEqual(
      tries.map((s) => s.status),
      [errors.ESME_RTHROTTLED, errors.ESME_RTHROTTLED, errors.ESME_RTHROTTLED, errors.ESME_ROK],
    );
    // Pauses of 100, 200 and 400 ms (throttleBackoffMs doubling), less timer slack.
    const gaps = tries.slice(1).map((s, i) => s.at - tries[i]!.at);
    assert.ok(
      gaps.every((gap, i) => gap >= 100 * 2 ** i - 15),
      `gaps ${gaps.join(', ')} ms`,
    );
    const [row] = await rowsOf(gw, batchId);
    assert.equal(row!.STATUS, SendStatus.delivered);
    assert.equal(row!.attempts, 1, 'one dispatch attempt: the adapter waited, it did not fail the row');
  });

  test('a refused number fails for good: status 0, not retried', async () => {
    const { smsc, gw } = pair as { smsc: FakeSmsc; gw: TestGateway };
    smsc.badNumbers.add('13600136000');
    const batchId = await send(gw, '13600136000');
    const reports = await reportsUntil(gw, 1);
    assert.deepEqual(
      reports.map((r) => [r.mobile, r.status]),
      [['13600136000', '0']],
    );
    const [row] = await rowsOf(gw, batchId);
    assert.equal(row!.STATUS, SendStatus.failed);
    assert.equal(row!.attempts, 1);
    assert.equal(row!.lastError, 'upstream: submit_sm refused: ESME_RINVDSTADR (0xb)');
  });

  test('the SMSC drops the connection: the ESME binds again and the next message goes through', async () => {
    const { smsc, gw } = pair as { smsc: FakeSmsc; gw: TestGateway };
    const bindsBefore = smsc.binds.filter((b) => b.accepted).length;
    smsc.dropConnections();
    await waitFor(() => smsc.binds.filter((b) => b.accepted).length > bindsBefore, 5000, 'a new bind');
    assert.equal(smsc.boundSessions, 1);
    await send(gw, B);
    const reports = await reportsUntil(gw, 1);
    assert.deepEqual(
      reports.map((r) => [r.mobile, r.status]),
      [[B, '1']],
    );
  });
});

describe('smpp session, the adapter alone against the test SMSC', () => {
  let smsc: FakeSmsc;
  const vendors: Vendor[] = [];
  before(async () => {
    smsc = await FakeSmsc.start();
  });
  after(async () => {
    for (const v of vendors) await v.stop?.();
    await smsc.stop();
  });

  function adapter(more: Record<string, unknown> = {}, stored: VendorNews[] = []): Vendor {
    const settings = smpp.settings.parse({
      host: '127.0.0.1',
      port: smsc.port,
      systemId: SMSC_ACCOUNT.systemId,
      password: SMSC_ACCOUNT.password,
      systemType: SMSC_ACCOUNT.systemType,
      reconnectMinMs: 50,
      reconnectMaxMs: 100,
      ...more,
    });
    const vendor = smpp.create(settings, { ...silentContext(), store: async (news) => void stored.push(news) });
    vendors.push(vendor);
    return vendor;
  }

  test('a refused bind leaves messages retryable, with the SMSC’s status, and is tried again', async () => {
    const refusedBefore = smsc.binds.filter((b) => !b.accepted).length;
    const vendor = adapter({ password: 'wrong', timeoutMs: 400 });
    const [outcome] = await vendor.send([outbound(1, A)]);
    assert.deepEqual(outcome, { id: 1, ok: false, retryable: true, error: 'upstream: bind_transceiver refused: ESME_RINVPASWD (0xe)' });
    assert.ok(smsc.binds.filter((b) => !b.accepted).length - refusedBefore >= 2, 'bound again after a delay');
    await vendor.stop?.();
  });

  test('no more submit_sm outstanding than the window', async () => {
    smsc.answerDelayMs = 100;
    smsc.maxOutstanding = 0;
    try {
      const vendor = adapter({ window: 2 });
      const outcomes = await vendor.send([1, 2, 3, 4, 5, 6].map((i) => outbound(i, `1380013800${i}`)));
      assert.ok(outcomes.every((o) => o.ok));
      assert.equal(new Set(outcomes.map((o) => o.ok && o.vendorMsgId)).size, 6);
      assert.equal(smsc.maxOutstanding, 2);
      await vendor.stop?.();
    } finally {
      smsc.answerDelayMs = 0;
    }
  });

  test('throttling for longer than the batch may wait: retryable, never failed for good', async () => {
    smsc.throttleNext = 1000;
    try {
      const vendor = adapter({ timeoutMs: 500, throttleBackoffMs: 50 });
      const [outcome] = await vendor.send([outbound(1, A)]);
      assert.deepEqual(outcome, { id: 1, ok: false, retryable: true, error: 'upstream: throttled by the SMSC' });
      await vendor.stop?.();
    } finally {
      smsc.throttleNext = 0;
    }
  });

  test('a window of submits throttled together makes one pause, not one per submit', async () => {
    const vendor = adapter({ window: 5, throttleBackoffMs: 100, throttleBackoffMaxMs: 5000 });
    await vendor.send([outbound(1, A)]);
    smsc.throttleNext = 5;
    const started = Date.now();
    const outcomes = await vendor.send([1, 2, 3, 4, 5].map((i) => outbound(i, `1370013700${i}`)));
    const elapsed = Date.now() - started;
    assert.ok(outcomes.every((o) => o.ok));
    // Five throttled answers to one round: one pause of 100 ms. Growing with each, the last would wait 1600 ms.
    assert.ok(elapsed >= 90 && elapsed < 700, `${elapsed} ms`);
    await vendor.stop?.();
  });

  test('enquire_link keeps the link alive; stop() unbinds', async () => {
    const links = smsc.enquireLinks;
    const unbinds = smsc.unbinds;
    const vendor = adapter({ enquireLinkMs: 100 });
    await vendor.send([outbound(1, A)]);
    await waitFor(() => smsc.enquireLinks - links >= 2, 3000, 'two enquire_link');
    await vendor.stop?.();
    assert.equal(smsc.unbinds, unbinds + 1);
  });

  test('a long message with an undelivered part is reported once, undelivered, under its first id, its receipts right behind the resps', async () => {
    const stored: VendorNews[] = [];
    const vendor = adapter({}, stored);
    smsc.receiptStat.set('13500135000', 'UNDELIV');
    // Each receipt written right after its submit_sm_resp: often read from the same segment, before the submit's await resumes.
    smsc.receiptDelayMs = 0;
    const [outcome] = await vendor.send([outbound(1, '13500135000', LONG_TEXT, { isLong: true })]).finally(() => {
      smsc.receiptDelayMs = 300;
    });
    assert.ok(outcome?.ok);
    await waitFor(() => stored.length >= 1, 3000, 'the report');
    await new Promise((r) => setTimeout(r, 400));
    const reports = stored.flatMap((n) => n.reports ?? []);
    assert.equal(reports.length, 1, 'three receipts, one report');
    const report = reports[0] as DeliveryReport;
    assert.deepEqual(
      [report.vendorMsgId, report.mobile, report.status, report.code],
      [outcome.vendorMsgId, '13500135000', 'undelivered', 'UNDELIV:012'],
    );
    await vendor.stop?.();
  });

  test('an inbound message in UDH parts is stored once, joined', async () => {
    const stored: VendorNews[] = [];
    const vendor = adapter({ sourceAddr: SOURCE_ADDR }, stored);
    await vendor.send([outbound(1, A)]);
    const parts = ucs2Parts(LONG_TEXT, 9);
    for (const part of parts) assert.equal(await smsc.inboundPart(A, SOURCE_ADDR, part.shortMessage, part.esmClass), errors.ESME_ROK);
    await waitFor(() => stored.some((n) => n.replies), 3000, 'the reply');
    const replies = stored.flatMap((n) => n.replies ?? []) as InboundReply[];
    assert.deepEqual(
      replies.map((r) => [r.mobile, r.content, r.extNo]),
      [[A, LONG_TEXT, null]],
    );
    await vendor.stop?.();
  });
});
