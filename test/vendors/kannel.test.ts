import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { Account, Send, SendStatus } from '../../entities';
import { freePort } from '../../bench/processes';
import { dlrStatus, dlrUrl, parseDlr, parseMo, sendOutcome } from '../../src/vendors/kannel';
import { skipOrFail } from '../clients/run';
import { DIALECTS, type Dialect, type TestGateway } from '../support/gateway';
import { findKannel, type Kannel, startKannel } from '../support/kannel';
import { call, DEMO_AUTH } from '../support/soap';
import { FakeKannelSmsc, KANNEL_SMSC, SMSC_SEND_QUERY } from './kannel/fake';
import { CHINESE_TEXT, fetchReplies, outbound, reportsUntil, startGatewayWith, VENDOR_NAME, waitFor } from './support';

const A = '13800138000';
const B = '13900139000';
const FROM = '1069012';
const SENDSMS_USER = { username: 'gateway', password: 'kannel-pass' };
/** 120 characters: two UCS-2 parts for Kannel to split. */
const LONG_TEXT = `【测试】${'长短信内容镕'.repeat(19)}尾声`;

const push = (query: string) => ({ query, body: Buffer.alloc(0), contentType: '' });

describe('kannel pieces', () => {
  test('sendsms answers: accepted, queued, refused for good, worth another try', () => {
    const m = outbound(7, A);
    assert.deepEqual(sendOutcome(m, 'k', 202, '0: Accepted for delivery'), { id: 7, ok: true, vendorMsgId: '7' });
    assert.deepEqual(sendOutcome(m, 'k', 202, '3: Queued for later delivery'), { id: 7, ok: true, vendorMsgId: '7' });
    const outcome = (status: number, text: string) => {
      const o = sendOutcome(m, 'k', status, text);
      return o.ok ? 'ok' : o.retryable ? 'retryable' : 'permanent';
    };
    assert.equal(outcome(403, 'Authorization failed for sendsms'), 'retryable');
    assert.equal(outcome(400, 'Sender missing and no global set, rejected'), 'retryable');
    assert.equal(outcome(403, 'Number(s) has/have been denied by white- and/or black-lists.'), 'permanent');
    assert.equal(outcome(400, 'Missing receiver number, rejected'), 'permanent');
    assert.equal(outcome(202, 'Not routable. Do not try again.'), 'permanent');
    assert.equal(outcome(503, 'Sending failed.'), 'retryable');
    assert.equal(outcome(200, 'Ok'), 'retryable', 'an answer that is not 0: or 3: is not an acceptance');
  });

  test('the dlr-url carries our id and number and Kannel’s escape codes', () => {
    assert.equal(
      dlrUrl('http://gw.internal:8080/', 'kan', outbound(42, A)),
      `http://gw.internal:8080/callbacks/kan/reports?id=42&mobile=${A}&type=%d&answer=%A&ts=%T`,
    );
  });

  test('DLR types and pushes read', () => {
    assert.deepEqual([1, 2, 4, 8, 16].map(dlrStatus), ['delivered', 'undelivered', 'unknown', null, 'rejected']);
    assert.throws(() => dlrStatus(3), /DLR type 3/);
    assert.deepEqual(parseDlr(push(`id=42&mobile=86${A}&type=1&answer=id%3AA001+stat%3ADELIVRD+err%3A000&ts=1700000000`), 'k'), [
      { vendor: 'k', vendorMsgId: '42', mobile: A, status: 'delivered', code: 'DELIVRD', at: new Date(1_700_000_000_000) },
    ]);
    assert.equal(parseDlr(push('id=42&type=2&answer=&ts=1'), 'k')[0]!.code, 'DLR2');
    assert.deepEqual(parseDlr(push('id=42&type=8'), 'k'), []);
    assert.throws(() => parseDlr(push('type=1'), 'k'), /without id/);
    const mo = parseMo(push(`from=${A}&to=${FROM}88&text=V%DEY%0D&charset=UTF-16BE&id=u-1&ts=1700000000`), 'k', FROM);
    assert.deepEqual(mo, {
      vendor: 'k',
      mobile: A,
      content: '回复',
      extNo: '88',
      at: new Date(1_700_000_000_000),
      vendorKey: 'kannel:u-1',
    });
    assert.equal(parseMo(push(`from=${A}&to=${FROM}&text=%E5%9B%9E+ok&charset=UTF-8`), 'k', FROM).content, '回 ok');
  });
});

interface Loop {
  gw: TestGateway;
  smsc: FakeKannelSmsc;
  kannel: Kannel;
  stop(): Promise<void>;
}

/** A fake SMSC, a real Kannel relaying to it, and a gateway sending through that Kannel; its replies come from Kannel's sms-service. */
async function startLoop(binaries: NonNullable<ReturnType<typeof findKannel>>, dialect: Dialect): Promise<Loop> {
  const dir = mkdtempSync(join(tmpdir(), 'kannel-test-'));
  const stops: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    const smsc = await FakeKannelSmsc.start();
    stops.push(() => smsc.stop());
    // The gateway's port first: Kannel's sms-service names it, the gateway names Kannel.
    const gwPort = await freePort();
    const gwUrl = `http://127.0.0.1:${gwPort}`;
    const kannel = await startKannel(binaries, {
      dir,
      smsc: { 'system-type': 'generic', 'send-url': `${smsc.url}/send?${SMSC_SEND_QUERY}`, ...KANNEL_SMSC },
      sendsmsUser: { ...SENDSMS_USER, 'max-messages': 10, concatenation: 'true' },
      smsService: {
        keyword: 'default',
        'get-url': `${gwUrl}/callbacks/${VENDOR_NAME}/replies?from=%p&to=%P&text=%b&charset=%C&id=%I&ts=%T`,
        'max-messages': 0,
      },
    });
    stops.push(() => kannel.stop());
    smsc.kannelUrl = kannel.smscUrl;
    const yaml = `vendors:
  ${VENDOR_NAME}:
    type: kannel
    url: \${VENDOR_URL}
    username: ${SENDSMS_USER.username}
    password: ${SENDSMS_USER.password}
    from: '${FROM}'
    callbackBaseUrl: ${gwUrl}
route: [${VENDOR_NAME}]
`;
    const gw = await startGatewayWith(yaml, kannel.smsboxUrl, { dialect, env: { PORT: String(gwPort) } });
    stops.push(() => gw.stop());
    return { gw, smsc, kannel, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function send(gw: TestGateway, mobiles: string, content = CHINESE_TEXT): Promise<string> {
  const answer = await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 1, content, mobile: mobiles, isLongSms: 1 });
  const m = /^success;(\d{20})$/.exec(answer);
  assert.ok(m, `sendSms answered ${answer}`);
  return m[1]!;
}

/**
 * Waits until the batch's rows are submitted, each with its own ID as the vendor id. The SMSC has a message before the
 * dispatcher has recorded Kannel's answer; DLRs are sent only after this, so the checks of each row's state see the
 * answer recorded (a DLR that overtakes it is parked and applied: test/vendors/smpp.test.ts and ptsms.test.ts race it).
 */
async function rowsSubmitted(gw: TestGateway, batchId: string, count: number): Promise<void> {
  await waitFor(
    async () => {
      const rows = await gw.db.getRepository(Send).findBy({ batchId });
      return rows.length === count && rows.every((r) => r.STATUS === SendStatus.submitted && r.vendorMsgId === String(r.ID));
    },
    10_000,
    `${count} rows submitted`,
  );
}

for (const dialect of DIALECTS) {
  test(`kannel loop: gateway → smsbox → bearerbox → SMSC → DLR → dlr-url → report, on ${dialect}`, async (t: TestContext) => {
    const binaries = findKannel();
    if (!binaries) return skipOrFail(t, 'Kannel is not installed (no bearerbox and smsbox; Debian package kannel)');
    const loop = await startLoop(binaries, dialect);
    try {
      const { gw, smsc } = loop;
      const messageTo = (to: string, text = CHINESE_TEXT) => smsc.messages.find((m) => m.to === to && m.text === text);

      await t.test('Chinese text arrives intact as UCS-2; delivered and failed DLRs reach getSmsReport', async () => {
        const batchId = await send(gw, `${A},${B}`);
        await waitFor(() => Boolean(messageTo(A) && messageTo(B)), 15_000, 'both messages at the SMSC');
        for (const m of [messageTo(A)!, messageTo(B)!]) {
          assert.equal(m.from, FROM);
          assert.equal(m.coding, '2');
          assert.equal(m.charset, 'UTF-16BE');
        }
        await rowsSubmitted(gw, batchId, 2);
        assert.deepEqual(await smsc.report(messageTo(A)!.partIds[0]!, A, 1, 'DELIVRD'), { status: 202, text: 'Sent' });
        assert.deepEqual(await smsc.report(messageTo(B)!.partIds[0]!, B, 2, 'UNDELIV'), { status: 202, text: 'Sent' });
        const reports = await reportsUntil(gw, 2);
        assert.deepEqual(
          reports.map((r) => [r.mobile, r.status]),
          [
            [A, '1'],
            [B, '0'],
          ],
        );
        const after = await gw.db.getRepository(Send).findBy({ batchId });
        assert.deepEqual(after.map((r) => [r.infoto, r.STATUS, r.reportStatus]).sort(), [
          [A, SendStatus.delivered, 'DELIVRD'],
          [B, SendStatus.failed, 'UNDELIV'],
        ]);
      });

      await t.test('a long message is split by Kannel into UDH parts the SMSC joins; its DLR reports it', async () => {
        const batchId = await send(gw, A, LONG_TEXT);
        await waitFor(() => Boolean(messageTo(A, LONG_TEXT)), 15_000, 'the joined long message');
        await rowsSubmitted(gw, batchId, 1);
        const message = messageTo(A, LONG_TEXT)!;
        assert.equal(message.partIds.length, 2);
        for (const id of message.partIds) await smsc.report(id, A, 1, 'DELIVRD');
        const reports = await reportsUntil(gw, 1);
        assert.deepEqual(
          reports.map((r) => [r.mobile, r.status]),
          [[A, '1']],
        );
      });

      await t.test('a number the SMSC refuses: Kannel’s SMSC-reject DLR reports 0', async () => {
        smsc.refused.add('13600136000');
        await send(gw, '13600136000');
        const reports = await reportsUntil(gw, 1, 15_000);
        assert.deepEqual(
          reports.map((r) => [r.mobile, r.status]),
          [['13600136000', '0']],
        );
      });

      await t.test('a message from a handset, through Kannel’s sms-service, reaches getRecvSMS with its extension', async () => {
        await gw.db.getRepository(Account).update({ username: 'demo' }, { extNo: '77' });
        assert.equal((await smsc.fromHandset('8613700137000', `${FROM}77`, '收到镕,谢谢')).status, 202);
        let replies: { mobile: string; content: string }[] = [];
        await waitFor(
          async () => {
            replies = await fetchReplies(gw);
            return replies.length > 0;
          },
          10_000,
          'the reply',
        );
        assert.deepEqual(replies, [{ mobile: '13700137000', content: '收到镕,谢谢' }]);
      });
    } finally {
      await loop.stop();
    }
  });
}
