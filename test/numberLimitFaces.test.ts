import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import iconv from 'iconv-lite';
import { Account, Send } from '../entities';
import { openDatabase } from '../src/db/datasource';
import { createTestDatabase, DIALECTS, startTestGateway, type TestGateway } from './support/gateway';
import { gatewayProcessEnv, startServerProcess, stopServerProcess } from './support/process';
import { call, DEMO_AUTH, docLiteral, returnValue } from './support/soap';

/**
 * A per-number limit's refusal as each face words it, byte for byte (the expected bytes are
 * written out here, GBK and GB2312 checked with Python's codecs); setting limits by the admin API
 * and the CLI; and two gateway processes on one MariaDB sharing one number's limit.
 */

/** failure;同一号码发送过于频繁,请稍后再试 in GBK. */
const USERAPI_REFUSAL_GBK = '6661696c7572653bcdacd2bbbac5c2ebb7a2cbcdb9fdd3dac6b5b7b12cc7ebc9d4baf3d4d9cad4';
/** 同一号码提交过快 and 发送成功, percent-encoded in GB2312. */
const UMS_TOO_FAST = '%CD%AC%D2%BB%BA%C5%C2%EB%CC%E1%BD%BB%B9%FD%BF%EC';
const UMS_SENT = '%B7%A2%CB%CD%B3%C9%B9%A6';
/** 测试 in GBK, percent-encoded. */
const TEST_GBK = '%B2%E2%CA%D4';
const UMS_NS = 'http://ws.flaginfo.com.cn';
const UMS_ENVELOPE =
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

async function admin(gw: TestGateway, path: string, body: unknown) {
  const res = await fetch(`${gw.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function umsSms(content: string, mobiles: string): string {
  const params = ['100001', 'demo', 'demo123', content, mobiles, '', '', '1'];
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:Sms xmlns:ns="${UMS_NS}">${params.map((v, i) => `<ns:in${i}>${v}</ns:in${i}>`).join('')}</ns:Sms></soapenv:Body></soapenv:Envelope>`;
}

for (const dialect of DIALECTS) {
  describe(`per-number limits through the faces on ${dialect}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway({ dialect });
    });
    after(() => gw?.stop());

    const post = async (path: string, body: string, contentType: string) => {
      const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
      return { status: res.status, contentType: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
    };
    const umsHttp = (params: string) =>
      post('/sms/Api/Send.do', `SpCode=100001&LoginName=demo&Password=demo123&${params}`, 'application/x-www-form-urlencoded');

    test('the admin API sets the limits and refuses what is not a limit', async () => {
      assert.deepEqual(await admin(gw, '/admin/accounts/demo/number-limits', { limits: 'juhe' }), {
        status: 200,
        body: { username: 'demo', numberLimits: '1/30,2/60,3/1800', scope: 'codes' },
      });
      const bad = await admin(gw, '/admin/accounts/demo/number-limits', { limits: '1/30x' });
      assert.equal(bad.status, 400);
      assert.match(String(bad.body.error), /juhe, none or COUNT\/DURATION/);
      assert.equal((await admin(gw, '/admin/accounts/demo/number-limits', { limits: '1/1h', scope: 'some' })).status, 400);
      assert.equal((await admin(gw, '/admin/accounts/nobody/number-limits', { limits: 'juhe' })).status, 404);
      assert.deepEqual(await admin(gw, '/admin/accounts/demo/number-limits', { limits: '1/1h', scope: 'all' }), {
        status: 200,
        body: { username: 'demo', numberLimits: '1/3600', scope: 'all' },
      });
    });

    test('userApi web service: failure;同一号码发送过于频繁,请稍后再试', async () => {
      const sms = { ...DEMO_AUTH, smstype: 1, content: '测试', mobile: '13800000001', isLongSms: 0 };
      assert.match(await call(gw.serviceUrl, 'sendSms', sms), /^success;\d{20}$/);
      const before = await gw.db.getRepository(Send).count();
      const res = await fetch(gw.serviceUrl, {
        method: 'POST',
        headers: { 'content-type': 'text/xml; charset=utf-8' },
        body: docLiteral('sendSms', sms),
      });
      assert.equal(res.status, 200);
      assert.equal(returnValue(await res.text()), 'failure;同一号码发送过于频繁,请稍后再试');
      assert.equal(await gw.db.getRepository(Send).count(), before, 'nothing stored');
    });

    test('userApi over HTTP: the same refusal in GBK', async () => {
      const query = `/servlet/UserServiceAPI?method=sendSMS&username=demo&password=ZGVtbzEyMw%3D%3D&smstype=1&mobile=13800000002&content=${TEST_GBK}`;
      const first = await fetch(`${gw.url}${query}`);
      assert.match(iconv.decode(Buffer.from(await first.arrayBuffer()), 'gbk'), /^success;\d{20}$/);
      const again = await fetch(`${gw.url}${query}`);
      assert.equal(again.headers.get('content-type'), 'text/plain; charset=GBK');
      assert.equal(Buffer.from(await again.arrayBuffer()).toString('hex'), USERAPI_REFUSAL_GBK);
    });

    test('UMS Sms web service: result 33, the number in faillist', async () => {
      const first = await post('/sms_hb/services/Sms', umsSms('测试', '13800000003'), 'text/xml; charset=utf-8');
      assert.match(first.body.toString(), /result=0&amp;description=发送成功&amp;faillist=</);
      const again = await post('/sms_hb/services/Sms', umsSms('测试', '13800000003'), 'text/xml; charset=utf-8');
      assert.equal(
        again.body.toString(),
        `${UMS_ENVELOPE}<ns1:SmsResponse xmlns:ns1="${UMS_NS}"><ns1:out>result=33&amp;description=同一号码提交过快&amp;faillist=13800000003</ns1:out></ns1:SmsResponse></soap:Body></soap:Envelope>`,
      );
    });

    test('UMS Send.do: 33 for the call, or success with the over-limit numbers in faillist; f=0 refuses the call', async () => {
      const first = await umsHttp(`MessageContent=${TEST_GBK}&UserNumber=13800000004`);
      assert.equal(first.body.toString('latin1'), `result=0&description=${UMS_SENT}&faillist=`);
      const again = await umsHttp(`MessageContent=${TEST_GBK}&UserNumber=13800000004`);
      assert.equal(again.contentType, 'text/plain; charset=GB2312');
      assert.equal(again.body.toString('latin1'), `result=33&description=${UMS_TOO_FAST}&faillist=13800000004`);
      const strict = await umsHttp(`MessageContent=${TEST_GBK}&UserNumber=13800000005,13800000004&f=0`);
      assert.equal(strict.body.toString('latin1'), `result=33&description=${UMS_TOO_FAST}&faillist=13800000004`);
      assert.equal(await gw.db.getRepository(Send).countBy({ infoto: '13800000005' }), 0, 'f=0: nothing of the call stored');
      const batch = await umsHttp(`MessageContent=${TEST_GBK}&UserNumber=13800000005,13800000004`);
      assert.equal(batch.body.toString('latin1'), `result=0&description=${UMS_SENT}&faillist=13800000004`);
    });

    if (dialect === 'sqlite') {
      test('the CLI sets the limits of a running gateway’s account', { timeout: 60_000 }, async () => {
        const { stdout } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'account:number-limits', 'demo', 'juhe'], {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: gw.databaseUrl, LOG_LEVEL: 'silent' },
        });
        assert.equal(stdout, 'account demo: per number at most 1 in 30 s, 2 in 60 s, 3 in 1800 s (verification codes)\n');
        const account = await gw.db.getRepository(Account).findOneByOrFail({ username: 'demo' });
        assert.deepEqual([account.numberLimits, account.numberLimitScope], ['1/30,2/60,3/1800', 'codes']);
        const code = { ...DEMO_AUTH, smstype: 1, content: '您的验证码是654321', mobile: '13800000006', isLongSms: 0 };
        assert.match(await call(gw.serviceUrl, 'sendSms', code), /^success;/);
        assert.equal(await call(gw.serviceUrl, 'sendSms', code), 'failure;同一号码发送过于频繁,请稍后再试');
        assert.match(await call(gw.serviceUrl, 'sendSms', { ...code, content: '测试' }), /^success;/, 'not a code: not limited');
        const refused = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'account:number-limits', 'demo', '2/1w'], {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: gw.databaseUrl, LOG_LEVEL: 'silent' },
        }).catch((err: { code: number; stderr: string }) => err);
        assert.equal((refused as { code: number }).code, 2);
        assert.match((refused as { stderr: string }).stderr, /per-number limits are juhe, none or COUNT\/DURATION/);
      });
    }
  });
}

test('two gateway processes on one MariaDB never send one number more than its limit', { timeout: 120_000 }, async () => {
  const database = await createTestDatabase('mysql');
  const env = gatewayProcessEnv(database.databaseUrl);
  const nodes: Awaited<ReturnType<typeof startServerProcess>>[] = [];
  try {
    nodes.push(await startServerProcess(['src/cli.ts', 'serve'], env));
    nodes.push(await startServerProcess(['src/cli.ts', 'serve'], env));
    const db = await openDatabase(database.databaseUrl, false);
    try {
      await db.getRepository(Account).update({ username: 'demo' }, { numberLimits: '3/3600', numberLimitScope: 'all' });
      const numbers = Array.from({ length: 5 }, (_, i) => String(13900000001 + i));
      const send = (url: string, mobile: string) =>
        fetch(`${url}/services/userApi`, {
          method: 'POST',
          headers: { 'content-type': 'text/xml; charset=utf-8' },
          body: docLiteral('sendSms', { ...DEMO_AUTH, smstype: 1, content: '并发测试', mobile, isLongSms: 0 }),
        }).then(async (res) => ({ mobile, answer: returnValue(await res.text()) }));
      // Each number's first message through one node or the other, in turn, so that both nodes have written the
      // windows they then race for; then every other call at once, 20 per number on each node, for the last two
      // places. (Which node wins a place is up to timing; test/numberLimits.test.ts pins that race with a held lock.)
      const first = [];
      for (const [i, mobile] of numbers.entries()) first.push(await send(nodes[i % 2]!.url, mobile));
      const rest = nodes.flatMap(({ url }) => numbers.flatMap((mobile) => Array.from({ length: 20 }, () => send(url, mobile))));
      const answers = [...first, ...(await Promise.all(rest))];
      for (const mobile of numbers) {
        const mine = answers.filter((a) => a.mobile === mobile);
        assert.equal(mine.filter((a) => a.answer.startsWith('success;')).length, 3, `${mobile}: exactly its limit is accepted`);
        assert.equal(mine.filter((a) => a.answer === 'failure;同一号码发送过于频繁,请稍后再试').length, 38, `${mobile}: the rest refused`);
        assert.equal(await db.getRepository(Send).countBy({ infoto: mobile }), 3, `${mobile}: three rows stored`);
      }
      assert.equal((await db.getRepository(Account).findOneByOrFail({ username: 'demo' })).balanceGateway, 100000 - 15);
    } finally {
      await db.destroy();
    }
  } finally {
    for (const node of nodes) await stopServerProcess(node.child);
    await database.drop();
  }
});
