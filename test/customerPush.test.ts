import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { DIALECTS, startTestGateway, type TestGateway } from './support/gateway';
import { call, DEMO_AUTH } from './support/soap';

interface Received {
  path: string;
  /** Query parameters, percent-decoded as GB2312 bytes. */
  query: Map<string, string>;
  body: string;
}

/** Percent-decodes a form value to bytes, then reads them as GB2312 (as the seed's customer does). */
function gb2312Param(raw: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '+') bytes.push(0x20);
    else if (raw[i] === '%') {
      bytes.push(Number.parseInt(raw.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(raw.charCodeAt(i));
  }
  return iconv.decode(Buffer.from(bytes), 'gb2312');
}

/** The customer's side, written from seed 000: MR and MO as GETs answered OK, the UMS reply POST answered <returncode>0</returncode>. */
async function customer(refuseFirst: Set<string>) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const [path, query = ''] = (req.url ?? '').split('?');
      const params = new Map(
        query
          .split('&')
          .filter(Boolean)
          .map((p) => [p.split('=')[0]!, gb2312Param(p.split('=')[1] ?? '')] as const),
      );
      received.push({ path: path!, query: params, body: iconv.decode(Buffer.concat(chunks), 'gb2312') });
      if (refuseFirst.delete(path!)) {
        res.writeHead(500).end('busy');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' }).end(path === '/ums' ? '<returncode>0</returncode>' : 'OK');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, close: () => new Promise((r) => server.close(r)) };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

for (const dialect of DIALECTS) {
  describe(`pushes to the customer on ${dialect}`, () => {
    let gw: TestGateway;
    let site: Awaited<ReturnType<typeof customer>>;

    before(async () => {
      site = await customer(new Set(['/mr']));
      gw = await startTestGateway({ dialect, env: { PUSH_INTERVAL_MS: '20', PUSH_RETRY_BASE_MS: '200' } });
      await gw.core.accounts.setPushUrl('demo', 'mr', `${site.url}/mr`);
      await gw.core.accounts.setPushUrl('demo', 'mo', `${site.url}/mo?from=gateway`);
      await gw.core.accounts.setPushUrl('demo', 'ums-reply', `${site.url}/ums`);
    });
    after(async () => {
      await gw?.stop();
      await site?.close();
    });

    test('a delivery report is pushed as an MR GET, retried until acknowledged, then never again', async () => {
      const answer = await call(gw.serviceUrl, 'sendSms', {
        ...DEMO_AUTH,
        smstype: 1,
        content: '推送测试',
        mobile: '13800000001',
        isLongSms: 0,
      });
      const batchId = answer.replace('success;', '');
      const mr = () => site.received.filter((r) => r.path === '/mr');
      await waitFor('the MR push to be acknowledged', () => mr().length >= 2);
      assert.deepEqual(
        mr().map((r) => Object.fromEntries(r.query)),
        [
          { linkid: batchId, mobile: '13800000001', status: '0' },
          { linkid: batchId, mobile: '13800000001', status: '0' },
        ],
        'the first try was refused (HTTP 500), the second acknowledged',
      );
      await new Promise((r) => setTimeout(r, 600));
      assert.equal(mr().length, 2, 'an acknowledged push is not sent again');
      // Pushed reports are not also handed out to a poll.
      assert.equal(await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH), '<?xml version="1.0" encoding="utf-8"?><smsreport></smsreport>');
    });

    test('a reply is pushed as the MO GET and the UMS packet, GB2312 both', async () => {
      await gw.injectReply({ mobile: '13800000002', content: '收到，谢谢【回复】', username: 'demo' });
      await waitFor('both reply pushes', () => site.received.some((r) => r.path === '/mo') && site.received.some((r) => r.path === '/ums'));
      const mo = site.received.find((r) => r.path === '/mo')!;
      assert.equal(mo.query.get('from'), 'gateway', "the customer's own query is kept");
      assert.equal(mo.query.get('mobile'), '13800000002');
      assert.equal(mo.query.get('msg'), '收到，谢谢【回复】');
      assert.match(mo.query.get('send_time')!, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      assert.equal(mo.query.get('feecode'), '0');
      const ums = site.received.find((r) => r.path === '/ums')!;
      assert.match(
        ums.body,
        /^<\?xml version="1.0" encoding="GB2312"\?><packet><reply><mdn>13800000002<\/mdn><callmdn>[^<]*<\/callmdn><msg>收到，谢谢【回复】<\/msg><replytime>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}<\/replytime><\/reply><\/packet>$/,
      );
      assert.equal(await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH), '<?xml version="1.0" encoding="utf-8"?><smsrerecv></smsrerecv>');
    });
  });
}
