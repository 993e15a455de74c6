import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { Account, BalanceLedger, Report, Send, SendStatus } from '../entities';
import { DIALECTS, startTestGateway, type TestGateway } from './support/gateway';
import { B64, call, DEMO_AUTH } from './support/soap';

/**
 * The HTTP twin of userApi (seed 001, 第一部分), driven with raw bytes as legacy callers write
 * them. Expected bytes are written out here (GBK and UTF-8 hex, checked against Python's codecs),
 * never computed by the gateway's own code.
 */

const PATH = '/servlet/UserServiceAPI';
const DEMO_PW = 'ZGVtbzEyMw=='; // BASE64("demo123"), as the seed's callers send it: unencoded in the URL

/** 【测试】镕短信测试: 【】 and 镕 (GBK E946, outside GB2312; its second byte is an ASCII 'F') and the seed's 短信测试. */
const TEXT = '【测试】镕短信测试';
const TEXT_GBK_URL = '%A1%BE%B2%E2%CA%D4%A1%BF%E9F%B6%CC%D0%C5%B2%E2%CA%D4';
const TEXT_GBK_HEX = 'a1beb2e2cad4a1bfe946b6ccd0c5b2e2cad4';
const TEXT_UTF8_HEX = 'e38090e6b58be8af95e38091e99595e79fade4bfa1e6b58be8af95';
/** 朱镕基 */
const ZHU_GBK_URL = '%D6%EC%E9F%BB%F9';
const ZHU_UTF8_HEX = 'e69cb1e99595e59fba';

/** Answers in GBK, as a Chinese-Windows caller reads them. */
const ANSWER_HEX = {
  badCredentials: '6661696c7572653bd3c3bba7c3fbbbf2c3dcc2ebb4edcef3', // failure;用户名或密码错误
  insufficient: '6661696c7572653bd3e0b6eeb2bbd7e3', // failure;余额不足
  badSmsType: '6661696c7572653bb6ccd0c5c0e0d0cdb4edcef3', // failure;短信类型错误
  busy: '6661696c7572653bcfb5cdb3b7b1c3a62cc7ebc9d4baf3d4d9cad4', // failure;系统繁忙,请稍后再试
};

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Writes one request exactly as given (request line, headers, body bytes) on a fresh socket and reads the whole answer. */
function rawRequest(gw: TestGateway, requestLine: string, headers: Record<string, string> = {}, body?: Buffer): Promise<RawAnswer> {
  const { hostname, port } = new URL(gw.url);
  const head = [
    requestLine,
    `Host: ${hostname}:${port}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...(body ? [`Content-Length: ${body.length}`] : []),
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]));
    });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('end', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const lines = all.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status: Number(lines[0]!.split(' ')[1]), headers, body: all.subarray(split + 4) });
    });
  });
}

/** The servlet's answer as text, checked to be a 200 text/plain in GBK. */
function answerText(res: RawAnswer): string {
  assert.equal(res.status, 200, res.body.toString('latin1'));
  assert.equal(res.headers['content-type'], 'text/plain; charset=GBK');
  return iconv.decode(res.body, 'gbk');
}

/** A test's own GBK form encoding (percent-escapes of every non-unreserved byte), for calls whose bytes are not the point. */
function gbkForm(params: Record<string, string | number>): string {
  return Object.entries(params)
    .map(
      ([k, v]) =>
        `${k}=${[...iconv.encode(String(v), 'gbk')].map((b) => (/[A-Za-z0-9._-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('')}`,
    )
    .join('&');
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };

/** POSTs a GBK form body to the servlet and returns the answer text. */
async function httpCall(gw: TestGateway, params: Record<string, string | number>): Promise<string> {
  return answerText(await rawRequest(gw, `POST ${PATH} HTTP/1.1`, FORM, Buffer.from(gbkForm(params), 'latin1')));
}

async function storedHex(gw: TestGateway, batchId: string): Promise<string[]> {
  const rows: { h: string }[] = await gw.db.query('SELECT HEX(content) AS h FROM send WHERE batch_id = ? ORDER BY ID', [batchId]);
  return rows.map((r) => r.h.toLowerCase());
}

/** What a refusal must not add to: rows and charges. (Reports are left out: earlier sends' reports arrive whenever the simulator sends them.) */
async function counts(gw: TestGateway) {
  return {
    sends: await gw.db.getRepository(Send).count(),
    ledger: await gw.db.getRepository(BalanceLedger).count(),
  };
}

async function balances(gw: TestGateway, username = 'demo') {
  const a = await gw.account(username);
  return [a.balanceCard, a.balanceGateway, a.balanceMember];
}

const EMPTY_REPORT = '<?xml version="1.0" encoding="utf-8"?><smsreport></smsreport>';
const EMPTY_RECV = '<?xml version="1.0" encoding="utf-8"?><smsrerecv></smsrerecv>';
const REPORT_ITEM = (mobile: string, batchId: string, status: number) =>
  `<psreport><mobile>${mobile}</mobile><username>demo</username><smslogid>${batchId}</smslogid><status>${status}</status><sendtime>\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{1,3}</sendtime></psreport>`;

for (const dialect of DIALECTS) {
  describe(`userApi over HTTP on ${dialect}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway({ dialect });
    });
    after(async () => {
      await gw?.stop();
    });

    test("the seed's sendSMS URL, POSTed with every parameter in the query string and a form Content-Type", async () => {
      const before = await balances(gw);
      const res = await rawRequest(
        gw,
        `POST ${PATH}?method=sendSMS&isLongSms=0&username=demo&password=${DEMO_PW}&smstype=1&extenno=123&mobile=13866194295,15375427702&content=${TEXT_GBK_URL} HTTP/1.1`,
        FORM,
        Buffer.alloc(0),
      );
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/plain; charset=GBK');
      assert.match(res.body.toString('latin1'), /^success;\d{20}$/, 'the exact bytes: success;<20-digit batch id>, nothing else');
      const batchId = res.body.toString('latin1').slice('success;'.length);
      assert.deepEqual(await storedHex(gw, batchId), [TEXT_UTF8_HEX, TEXT_UTF8_HEX]);
      const rows = await gw.db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });
      assert.deepEqual(
        rows.map((r) => [r.infoto, r.msgType, r.isLong, r.contentsize, r.hostname, r.charged]),
        [
          ['13866194295', 1, 0, 9, '127.0.0.1', 1],
          ['15375427702', 1, 0, 9, '127.0.0.1', 1],
        ],
      );
      assert.deepEqual(await balances(gw), [before[0], before[1]! - 2, before[2]]);
    });

    test("a GBK form body, as the seed's HttpClient and java.net.URL samples post it: percent-encoded or raw GBK bytes", async () => {
      const encoded = await rawRequest(
        gw,
        `POST ${PATH} HTTP/1.1`,
        FORM,
        Buffer.from(`method=sendSMS&username=demo&password=ZGVtbzEyMw%3D%3D&smstype=2&mobile=13866194295&content=${ZHU_GBK_URL}`, 'latin1'),
      );
      const sent = answerText(encoded);
      assert.match(sent, /^success;\d{20}$/);
      assert.deepEqual(await storedHex(gw, sent.split(';')[1]!), [ZHU_UTF8_HEX]);
      assert.equal((await gw.db.getRepository(Send).findOneByOrFail({ batchId: sent.split(';')[1] })).msgType, 2);

      // OutputStreamWriter(…, "GBK") writing the parameters unencoded: the body holds GBK bytes as they are.
      const rawBody = Buffer.concat([
        Buffer.from(`method=sendSMS&username=demo&password=${DEMO_PW}&smstype=0&isLongSms=1&mobile=15375427702&content=`, 'latin1'),
        Buffer.from(TEXT_GBK_HEX, 'hex'),
      ]);
      const raw = answerText(
        await rawRequest(gw, `POST ${PATH} HTTP/1.1`, { 'Content-Type': 'application/x-www-form-urlencoded; charset=GBK' }, rawBody),
      );
      assert.match(raw, /^success;\d{20}$/);
      assert.deepEqual(await storedHex(gw, raw.split(';')[1]!), [TEXT_UTF8_HEX]);
      const row = await gw.db.getRepository(Send).findOneByOrFail({ batchId: raw.split(';')[1] });
      assert.deepEqual([row.msgType, row.isLong], [0, 1]);
    });

    test("GET with the parameters in the URL, and the seed's own HttpClient sample, which leaves smstype out, is refused uncharged", async () => {
      const sent = answerText(
        await rawRequest(
          gw,
          `GET ${PATH}?method=sendSMS&username=demo&password=${DEMO_PW}&smstype=1&mobile=13866194295&content=${ZHU_GBK_URL} HTTP/1.1`,
        ),
      );
      assert.match(sent, /^success;\d{20}$/);
      assert.deepEqual(await storedHex(gw, sent.split(';')[1]!), [ZHU_UTF8_HEX]);

      const before = await counts(gw);
      const res = await rawRequest(
        gw,
        `POST ${PATH} HTTP/1.1`,
        FORM,
        Buffer.from(`method=sendSMS&username=demo&password=${DEMO_PW}&mobile=13866194295,15266144263&content=test+content`, 'latin1'),
      );
      assert.equal(res.body.toString('hex'), ANSWER_HEX.badSmsType);
      assert.deepEqual(await counts(gw), before);
    });

    test('query string and body are merged, the body wins; parameter names and the method are matched in any case', async () => {
      const res = await rawRequest(
        gw,
        `POST ${PATH}?method=sendSMS&content=%B2%E2&smstype=1 HTTP/1.1`,
        FORM,
        Buffer.from(`username=demo&password=${DEMO_PW}&mobile=13866194295&content=%CA%D4&smsType=2`, 'latin1'),
      );
      const sent = answerText(res);
      assert.match(sent, /^success;/);
      const row = await gw.db.getRepository(Send).findOneByOrFail({ batchId: sent.split(';')[1] });
      assert.deepEqual([row.content, row.msgType], ['试', 2]);
      for (const method of ['SENDSMS', 'sendsms', 'sendSms', ' sendSMS ']) {
        assert.match(
          await httpCall(gw, { method, username: 'demo', password: B64('demo123'), smstype: 1, mobile: '13866194295', content: 'x' }),
          /^success;\d{20}$/,
          method,
        );
      }
      // No Content-Type at all: still a form. A parameter twice in one source: the first counts.
      const bare = answerText(
        await rawRequest(
          gw,
          `POST ${PATH} HTTP/1.1`,
          {},
          Buffer.from(
            `method=sendSMS&username=demo&password=${DEMO_PW}&smstype=1&mobile=13866194295&mobile=15375427702&content=%CA%D4`,
            'latin1',
          ),
        ),
      );
      assert.deepEqual(
        (await gw.db.getRepository(Send).findBy({ batchId: bare.split(';')[1] })).map((r) => [r.infoto, r.content]),
        [['13866194295', '试']],
      );
      const money = await httpCall(gw, { METHOD: 'getrestmoney', UserName: 'demo', PASSWORD: B64('demo123') });
      assert.match(money, /^memberSmsNum=\d+;gateSmsNum=\d+;kaSmsNum=\d+$/);
    });

    test('UTF-8 when the Content-Type says so; bytes invalid in the charset are refused, nothing stored', async () => {
      const utf8 = `method=sendSMS&username=demo&password=${DEMO_PW}&smstype=1&mobile=13866194295&content=%E6%9C%B1%E9%95%95%E5%9F%BA`;
      const sent = answerText(
        await rawRequest(
          gw,
          `POST ${PATH} HTTP/1.1`,
          { 'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8' },
          Buffer.from(utf8, 'latin1'),
        ),
      );
      assert.match(sent, /^success;/);
      assert.deepEqual(await storedHex(gw, sent.split(';')[1]!), [ZHU_UTF8_HEX]);

      const before = await counts(gw);
      const demoBefore = await balances(gw);
      // The same UTF-8 bytes with no charset are read as GBK, where E9 95 95 BA is not valid.
      assert.equal(
        answerText(await rawRequest(gw, `POST ${PATH} HTTP/1.1`, FORM, Buffer.from(utf8, 'latin1'))),
        'failure;参数content不是有效的GBK编码',
      );
      assert.equal(
        answerText(
          await rawRequest(
            gw,
            `POST ${PATH} HTTP/1.1`,
            { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8' },
            Buffer.from(`method=sendSMS&content=${TEXT_GBK_URL}`, 'latin1'),
          ),
        ),
        'failure;参数content不是有效的utf-8编码',
      );
      assert.equal(
        answerText(
          await rawRequest(
            gw,
            `POST ${PATH} HTTP/1.1`,
            { 'Content-Type': 'application/x-www-form-urlencoded; charset=klingon' },
            Buffer.from('method=getRestMoney', 'latin1'),
          ),
        ),
        'failure;不支持的字符集klingon,请使用GBK或UTF-8',
      );
      assert.deepEqual(await counts(gw), before);
      assert.deepEqual(await balances(gw), demoBefore);
    });

    test('getRestMoney answers the three pools, by POST and by GET', async () => {
      await gw.core.accounts.create('pools', 'pools1', { 0: 7, 1: 8, 2: 9 });
      assert.equal(
        answerText(await rawRequest(gw, `GET ${PATH}?method=getRestMoney&username=pools&password=${B64('pools1')} HTTP/1.1`)),
        'memberSmsNum=9;gateSmsNum=8;kaSmsNum=7',
      );
      assert.equal(
        await httpCall(gw, { method: 'getRestMoney', username: 'pools', password: B64('pools1') }),
        'memberSmsNum=9;gateSmsNum=8;kaSmsNum=7',
      );
    });

    test('a BASE64 password with "+" pasted into the URL unencoded (read as a space) still logs in', async () => {
      assert.ok(B64('pw~~~1').includes('+'));
      await gw.core.accounts.create('plus', 'pw~~~1', { 1: 3 });
      assert.equal(
        answerText(await rawRequest(gw, `GET ${PATH}?method=getRestMoney&username=plus&password=${B64('pw~~~1')} HTTP/1.1`)),
        'memberSmsNum=0;gateSmsNum=3;kaSmsNum=0',
      );
      // updatePassword reads its current password both ways: the BASE64 one repaired so, the plain one as sent.
      const change = (query: string) =>
        rawRequest(gw, `GET ${PATH}?method=updatePassword&${query} HTTP/1.1`).then((r) => r.body.toString('latin1'));
      assert.equal(await change(`username=plus&password=${B64('pw~~~1')}&newPassword=plus2`), '1');
      await gw.core.accounts.create('spaced', 'my pw', { 1: 3 });
      assert.equal(await change('username=spaced&password=my+pw&newPassword=spaced2'), '1');
      assert.equal(
        answerText(await rawRequest(gw, `GET ${PATH}?method=getRestMoney&username=spaced&password=${B64('spaced2')} HTTP/1.1`)),
        'memberSmsNum=0;gateSmsNum=3;kaSmsNum=0',
      );
    });

    test('reports are handed out once, shared with the SOAP face', async () => {
      await gw.waitForReports(0);
      await new Promise((r) => setTimeout(r, 300));
      await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH); // drain what earlier tests left

      const { id } = await gw.account();
      let already = await gw.db.getRepository(Report).countBy({ accountId: id });
      const first = await httpCall(gw, {
        method: 'sendSMS',
        username: 'demo',
        password: DEMO_PW,
        smstype: 1,
        mobile: '13866194295,15375427702',
        content: TEXT,
      });
      const batchId = first.split(';')[1]!;
      await gw.waitForReports(already + 2);
      const overHttp = await httpCall(gw, { method: 'getSmsReport', username: 'demo', password: DEMO_PW });
      assert.match(
        overHttp,
        new RegExp(
          `^<\\?xml version="1\\.0" encoding="utf-8"\\?><smsreport>(${REPORT_ITEM('13866194295', batchId, 1)}${REPORT_ITEM('15375427702', batchId, 1)}|${REPORT_ITEM('15375427702', batchId, 1)}${REPORT_ITEM('13866194295', batchId, 1)})</smsreport>$`,
        ),
      );
      assert.equal(await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH), EMPTY_REPORT, 'fetched over HTTP: not again over SOAP');
      assert.equal(await httpCall(gw, { method: 'getSmsReport', username: 'demo', password: DEMO_PW }), EMPTY_REPORT);

      already = await gw.db.getRepository(Report).countBy({ accountId: id });
      const second = await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 1, content: 'x', mobile: '13866194295', isLongSms: 0 });
      await gw.waitForReports(already + 1);
      assert.match(await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH), new RegExp(REPORT_ITEM('13866194295', second.split(';')[1]!, 1)));
      assert.equal(
        await httpCall(gw, { method: 'getSmsReport', username: 'demo', password: DEMO_PW }),
        EMPTY_REPORT,
        'fetched over SOAP: not again over HTTP',
      );
    });

    test('replies are handed out once, shared with the SOAP face; content is BASE64 of GBK as in the seed', async () => {
      await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH);
      await gw.injectReply({ mobile: '15256560065', content: '你谁啊?', username: 'demo' });
      assert.match(
        await httpCall(gw, { method: 'getRecvSMS', username: 'demo', password: DEMO_PW }),
        /^<\?xml version="1\.0" encoding="utf-8"\?><smsrerecv><psrerecv><mobile>15256560065<\/mobile><receiver>demo<\/receiver><content>xOPLrbChPw==<\/content><sendtime>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{1,3}<\/sendtime><\/psrerecv><\/smsrerecv>$/,
      );
      assert.equal(await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH), EMPTY_RECV);
      await gw.injectReply({ mobile: '13866194285', content: '回复', username: 'demo' });
      assert.match(await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH), /<content>u9i4tA==<\/content>/);
      assert.equal(
        answerText(await rawRequest(gw, `GET ${PATH}?method=getRecvSMS&username=demo&password=${DEMO_PW} HTTP/1.1`)),
        EMPTY_RECV,
      );
    });

    test('refusals answer failure;<reason> in GBK and charge and store nothing', async () => {
      await gw.core.accounts.create('poorhttp', 'poor123', { 1: 1 });
      const send = (extra: Record<string, string | number>) => ({
        method: 'sendSMS',
        username: 'demo',
        password: DEMO_PW,
        smstype: 1,
        mobile: '13866194295',
        content: 'x',
        ...extra,
      });
      const cases: [Record<string, string | number>, string][] = [
        [send({ username: 'nobody' }), 'failure;用户名或密码错误'],
        [send({ password: B64('wrong') }), 'failure;用户名或密码错误'],
        [send({ password: 'demo123' }), 'failure;用户名或密码错误'],
        [send({ smstype: 3 }), 'failure;短信类型错误'],
        [send({ smstype: '' }), 'failure;短信类型错误'],
        [send({ isLongSms: 2 }), 'failure;长短信参数错误'],
        [send({ content: '' }), 'failure;短信内容不能为空'],
        [send({ content: '字'.repeat(1006), isLongSms: 1 }), 'failure;短信内容过长'],
        [send({ mobile: '' }), 'failure;手机号码不能为空'],
        [send({ mobile: 'abc,0371-86687083' }), 'failure;没有有效的手机号码'],
        [send({ username: 'poorhttp', password: B64('poor123'), mobile: '13866194295,15375427702' }), 'failure;余额不足'],
        [{ method: 'getRestMoney', username: 'demo', password: B64('nope') }, 'failure;用户名或密码错误'],
        [{ method: 'getSmsReport', username: 'demo' }, 'failure;用户名或密码错误'],
        [{ method: 'getRecvSMS', password: DEMO_PW }, 'failure;用户名或密码错误'],
        [
          { username: 'demo', password: DEMO_PW },
          'failure;缺少参数method,可用的method为sendSMS、getRestMoney、getSmsReport、getRecvSMS、updatePassword',
        ],
        [
          { method: 'deleteAll', username: 'demo', password: DEMO_PW },
          'failure;不支持的method:deleteAll,可用的method为sendSMS、getRestMoney、getSmsReport、getRecvSMS、updatePassword',
        ],
      ];
      const before = await counts(gw);
      const demoBefore = await balances(gw);
      for (const [params, expected] of cases) assert.equal(await httpCall(gw, params), expected, JSON.stringify(params).slice(0, 120));
      // The exact bytes of two of them.
      const bad = await rawRequest(gw, `GET ${PATH}?method=getRestMoney&username=demo&password=d3Jvbmc= HTTP/1.1`);
      assert.equal(bad.body.toString('hex'), ANSWER_HEX.badCredentials);
      const poor = await rawRequest(
        gw,
        `GET ${PATH}?method=sendSMS&username=poorhttp&password=${B64('poor123')}&smstype=1&mobile=13866194295,15375427702&content=x HTTP/1.1`,
      );
      assert.equal(poor.body.toString('hex'), ANSWER_HEX.insufficient);
      assert.deepEqual(await counts(gw), before);
      assert.deepEqual(await balances(gw), demoBefore);
      assert.deepEqual(await balances(gw, 'poorhttp'), [0, 1, 0]);
      assert.equal((await rawRequest(gw, `PUT ${PATH} HTTP/1.1`, FORM, Buffer.from('method=getRestMoney'))).status, 405);
    });

    test('updatePassword: 1 changed, 2 failed, 3 no such user or wrong password; the old password stops working at once', async () => {
      await gw.core.accounts.create('pwuser', 'abc123', { 1: 5 });
      const money = (password: string) => httpCall(gw, { method: 'getRestMoney', username: 'pwuser', password: B64(password) });
      const update = async (query: string) => {
        const res = await rawRequest(gw, `GET ${PATH}?${query} HTTP/1.1`);
        assert.equal(res.headers['content-type'], 'text/plain; charset=GBK');
        return res.body.toString('latin1');
      };
      assert.equal(await update('method=updatePassword&username=nobody&password=abc123&newPassword=122'), '3');
      assert.equal(await update('method=updatePassword&username=pwuser&password=wrong1&newPassword=122'), '3');
      assert.equal(await update(`method=updatePassword&username=pwuser&password=${B64('wrong1')}&newPassword=122`), '3');
      assert.equal(await update('method=updatePassword&username=pwuser&newPassword=122'), '3');
      for (const next of ['', 'abc-123', 'abc+123', '%D0%C2%C3%DC%C2%EB', 'a'.repeat(65)]) {
        assert.equal(await update(`method=updatePassword&username=pwuser&password=abc123&newPassword=${next}`), '2', next);
      }
      assert.equal(await update('method=updatePassword&username=pwuser&password=abc123'), '2', 'no newPassword');
      assert.equal(
        await money('abc123'),
        'memberSmsNum=0;gateSmsNum=5;kaSmsNum=0',
        'nothing changed so far (and the password is now in the cache)',
      );

      // The seed's example, stray space after the method name included (here %20), the current password plain.
      assert.equal(await update('method=updatePassword%20&username=pwuser&password=abc123&newPassword=122'), '1');
      assert.equal(await money('abc123'), 'failure;用户名或密码错误', 'the old password fails at once');
      assert.equal(await call(gw.serviceUrl, 'getRestMoney', { username: 'pwuser', password: B64('abc123') }), 'failure;用户名或密码错误');
      assert.equal(await money('122'), 'memberSmsNum=0;gateSmsNum=5;kaSmsNum=0');
      assert.equal(
        await call(gw.serviceUrl, 'getRestMoney', { username: 'pwuser', password: B64('122') }),
        'memberSmsNum=0;gateSmsNum=5;kaSmsNum=0',
      );

      // The current password BASE64, as every other method sends it, in a POSTed form.
      assert.equal(await httpCall(gw, { method: 'updatePassword', username: 'pwuser', password: B64('122'), newPassword: 'Xyz789' }), '1');
      assert.equal(await money('122'), 'failure;用户名或密码错误');
      assert.equal(await money('Xyz789'), 'memberSmsNum=0;gateSmsNum=5;kaSmsNum=0');
      assert.equal(
        await update('method=updatePassword&username=pwuser&password=122&newPassword=abc'),
        '3',
        'the old one cannot change it either',
      );

      // Two changes at once with the same current password: one wins; the other is told it failed
      // (2, when it checked the old hash before the winner's commit) or that the password is wrong (3, after it).
      const answers = await Promise.all(
        ['first1', 'second2'].map((next) =>
          httpCall(gw, { method: 'updatePassword', username: 'pwuser', password: 'Xyz789', newPassword: next }),
        ),
      );
      assert.equal(answers.filter((a) => a === '1').length, 1, answers.join());
      assert.ok(
        answers.every((a) => ['1', '2', '3'].includes(a)),
        answers.join(),
      );
      const winner = answers[0] === '1' ? 'first1' : 'second2';
      const loser = winner === 'first1' ? 'second2' : 'first1';
      assert.equal(await money(winner), 'memberSmsNum=0;gateSmsNum=5;kaSmsNum=0');
      assert.equal(await money(loser), 'failure;用户名或密码错误');
      // The race itself, deterministically: a change is made only over the hash its caller checked.
      const { id, passwordHash } = await gw.account('pwuser');
      assert.equal(await gw.core.accounts.changePassword(id, winner, passwordHash), true);
      assert.equal(await gw.core.accounts.changePassword(id, 'late1', passwordHash), false);
      assert.equal(await money('late1'), 'failure;用户名或密码错误');

      // A right password on a disabled account, or from outside the allow-list, is not a missing user: 2.
      await gw.db.getRepository(Account).update({ username: 'pwuser' }, { ipAllow: '10.9.9.9' });
      assert.equal(await update(`method=updatePassword&username=pwuser&password=${winner}&newPassword=other1`), '2');
      await gw.db.getRepository(Account).update({ username: 'pwuser' }, { ipAllow: null, enabled: 0 });
      assert.equal(await update(`method=updatePassword&username=pwuser&password=${winner}&newPassword=other1`), '2');
      await gw.db.getRepository(Account).update({ username: 'pwuser' }, { enabled: 1 });
      assert.equal(await money(winner), 'memberSmsNum=0;gateSmsNum=5;kaSmsNum=0', 'the refused changes changed nothing');
    });
  });
}

describe('userApi over HTTP when the gateway itself fails', () => {
  test('failure;系统繁忙,请稍后再试 (and updatePassword 4), never a stack', async () => {
    const broken = await startTestGateway();
    try {
      await broken.db.destroy();
      const sent = await rawRequest(
        broken,
        `POST ${PATH}?method=sendSMS&username=demo&password=${DEMO_PW}&smstype=1&mobile=13866194295&content=x HTTP/1.1`,
        FORM,
        Buffer.alloc(0),
      );
      assert.equal(sent.status, 200);
      assert.equal(sent.headers['content-type'], 'text/plain; charset=GBK');
      assert.equal(sent.body.toString('hex'), ANSWER_HEX.busy);
      for (const method of ['getRestMoney', 'getSmsReport', 'getRecvSMS']) {
        const res = await rawRequest(broken, `GET ${PATH}?method=${method}&username=demo&password=${DEMO_PW} HTTP/1.1`);
        assert.equal(res.body.toString('hex'), ANSWER_HEX.busy, method);
      }
      const pw = await rawRequest(broken, `GET ${PATH}?method=updatePassword&username=demo&password=demo123&newPassword=abc1 HTTP/1.1`);
      assert.deepEqual([pw.status, pw.body.toString('latin1')], [200, '4']);
    } finally {
      await broken.stop();
    }
  });
});

/**
 * The gateway's own adapter for this contract (type jzyyun) pointed at a second gateway's HTTP
 * twin: gateway A is the caller's, gateway B plays the vendor with its demo account.
 */
for (const dialect of DIALECTS) {
  describe(`a gateway delivering through another gateway's HTTP twin (jzyyun adapter) on ${dialect}`, () => {
    let vendor: TestGateway;
    let gw: TestGateway;
    before(async () => {
      vendor = await startTestGateway({ dialect });
      gw = await startTestGateway({
        dialect,
        config: [
          'vendors:',
          '  upstream:',
          '    type: jzyyun',
          `    url: ${vendor.url}`,
          '    username: demo',
          '    password: demo123',
          '    pollIntervalMs: 100',
          'route: [upstream]',
          '',
        ].join('\n'),
      });
    });
    after(async () => {
      await gw?.stop();
      await vendor?.stop();
    });

    test('send through A: stored at B with the right text; B reports; A pulls the report and its caller gets it once', async () => {
      const text = '【测试】朱镕基您好';
      const sent = await call(gw.serviceUrl, 'sendSms', {
        ...DEMO_AUTH,
        smstype: 1,
        content: text,
        mobile: '13866194295,15375427702',
        isLongSms: 0,
      });
      assert.match(sent, /^success;\d{20}$/);
      const batchId = sent.split(';')[1]!;

      const deadline = Date.now() + 10_000;
      let atVendor: Send[] = [];
      while (atVendor.length < 2 && Date.now() < deadline) {
        atVendor = await vendor.db.getRepository(Send).find({ order: { ID: 'ASC' } });
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.deepEqual(
        atVendor.map((r) => [r.infoto, r.msgType, r.isLong]),
        [
          ['13866194295', 1, 0],
          ['15375427702', 1, 0],
        ],
      );
      const vendorBatch = atVendor[0]!.batchId!;
      assert.deepEqual(await storedHex(vendor, vendorBatch), [
        'e38090e6b58be8af95e38091e69cb1e99595e59fbae682a8e5a5bd',
        'e38090e6b58be8af95e38091e69cb1e99595e59fbae682a8e5a5bd',
      ]);
      assert.deepEqual(await balances(vendor), [100000, 99998, 100000], 'B charged its demo account');

      await gw.waitForReports(2);
      const ours = await gw.db.getRepository(Send).find({ where: { batchId }, order: { ID: 'ASC' } });
      assert.deepEqual(
        ours.map((r) => [r.vendor, r.vendorMsgId, r.STATUS, r.reportStatus]),
        [
          ['upstream', vendorBatch, SendStatus.delivered, '1'],
          ['upstream', vendorBatch, SendStatus.delivered, '1'],
        ],
      );
      const report = await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH);
      assert.match(
        report,
        new RegExp(
          `^<\\?xml version="1\\.0" encoding="utf-8"\\?><smsreport>(${REPORT_ITEM('13866194295', batchId, 1)}${REPORT_ITEM('15375427702', batchId, 1)}|${REPORT_ITEM('15375427702', batchId, 1)}${REPORT_ITEM('13866194295', batchId, 1)})</smsreport>$`,
        ),
      );
      assert.equal(await call(gw.serviceUrl, 'getSmsReport', DEMO_AUTH), EMPTY_REPORT, 'once');
      assert.equal(await call(vendor.serviceUrl, 'getSmsReport', DEMO_AUTH), EMPTY_REPORT, "A took B's reports");

      // A reply at B travels back to A's caller (its account found by the last send to the number).
      await vendor.injectReply({ mobile: '13866194295', content: '收到，朱镕基', username: 'demo' });
      const deadline2 = Date.now() + 10_000;
      let recv = EMPTY_RECV;
      while (recv === EMPTY_RECV && Date.now() < deadline2) {
        recv = await call(gw.serviceUrl, 'getRecvSMS', DEMO_AUTH);
        if (recv === EMPTY_RECV) await new Promise((r) => setTimeout(r, 50));
      }
      assert.match(recv, /<psrerecv><mobile>13866194295<\/mobile><receiver>demo<\/receiver><content>ytW1vaOs1uzpRrv5<\/content>/);

      assert.deepEqual(await gw.vendors.get('upstream')!.balance!(), {
        balance: 99998,
        raw: 'memberSmsNum=100000;gateSmsNum=99998;kaSmsNum=100000',
      });
    });
  });
}
