import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import iconv from 'iconv-lite';
import { Batch, Send, SendStatus } from '../entities';
import { DIALECTS, startTestGateway, type TestGateway } from './support/gateway';

/** Percent-encodes text in GB2312 as the seed says the caller does (`您好` = `%C4%FA%BA%C3`), every byte escaped. */
function gb2312(text: string): string {
  return [...iconv.encode(text, 'gb2312')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

/** A value in an answer, as java.net.URLEncoder.encode(text, "GB2312") writes it: letters, digits and `.-*_` stay. */
function answerValue(text: string): string {
  return [...iconv.encode(text, 'gb2312')]
    .map((b) =>
      /[A-Za-z0-9.\-*_]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
    )
    .join('');
}

const DEMO = 'SpCode=100001&LoginName=demo&Password=demo123';

for (const dialect of DIALECTS) {
  describe(`UMS HTTP Send.do and SearchNumber.do on ${dialect}`, () => {
    let gw: TestGateway;
    const post = async (path: string, body: string, contentType = 'application/x-www-form-urlencoded') => {
      const res = await fetch(`${gw.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
      return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
    };
    const send = async (params: string) => (await post('/sms/Api/Send.do', `${DEMO}&${params}`)).text;

    before(async () => {
      gw = await startTestGateway({ dialect });
    });
    after(() => gw?.stop());

    test('a send in GB2312 is stored as sent and answered in URL-encoded GB2312, byte for byte', async () => {
      const before = (await gw.account()).balanceGateway;
      const answer = await post(
        '/sms/Api/Send.do',
        `${DEMO}&MessageContent=${gb2312('您好，验证码1234【一信通】')}&UserNumber=13800000001,13800000002,12345&SerialNumber=00020261202093015001&ScheduleTime=&f=1`,
      );
      assert.equal(answer.status, 200);
      assert.equal(answer.type, 'text/plain; charset=GB2312');
      // 发送成功, and the invalid number in faillist.
      assert.equal(answer.text, 'result=0&description=%B7%A2%CB%CD%B3%C9%B9%A6&faillist=12345');
      const rows = await gw.db.getRepository(Send).find({ where: { serial: '00020261202093015001' }, order: { ID: 'ASC' } });
      // (The dispatcher may have sent the valid ones by now: what matters is that they are not failed.)
      assert.deepEqual(
        rows.map((r) => [r.infoto, r.content, r.STATUS === SendStatus.failed]).sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
        [
          ['12345', '您好，验证码1234【一信通】', true],
          ['13800000001', '您好，验证码1234【一信通】', false],
          ['13800000002', '您好，验证码1234【一信通】', false],
        ],
      );
      assert.equal((await gw.account()).balanceGateway, before - 2);
    });

    test('the same serial number again is answered like the first call and not sent or charged twice', async () => {
      const params = `MessageContent=${gb2312('重复提交')}&UserNumber=13800000011,999&SerialNumber=00020261202093015002&ScheduleTime=&f=1`;
      const first = await send(params);
      const balance = (await gw.account()).balanceGateway;
      assert.equal(await send(params), first);
      assert.equal(first, 'result=0&description=%B7%A2%CB%CD%B3%C9%B9%A6&faillist=999');
      assert.equal((await gw.account()).balanceGateway, balance);
      assert.equal(await gw.db.getRepository(Send).countBy({ serial: '00020261202093015002' }), 2);
      // Reused for another text: 15.
      const reused = await send(`MessageContent=${gb2312('另一条')}&UserNumber=13800000011&SerialNumber=00020261202093015002&f=1`);
      assert.equal(reused, `result=15&description=${answerValue('流水号重复')}`);
    });

    test('each refusal has its UMS code', async () => {
      const text = gb2312('测试');
      const code = async (params: string, base = DEMO) => (await post('/sms/Api/Send.do', `${base}&${params}`)).text.split('&')[0];
      assert.equal(
        await code(`MessageContent=${text}&UserNumber=13800000021`, 'SpCode=999999&LoginName=demo&Password=demo123'),
        'result=2',
      );
      assert.equal(await code(`MessageContent=${text}&UserNumber=13800000021`, 'SpCode=100001&LoginName=demo&Password=wrong'), 'result=3');
      assert.equal(await code(`MessageContent=${text}&UserNumber=13800000021`, 'SpCode=100001&LoginName=nobody&Password=x'), 'result=3');
      assert.equal(await code('MessageContent=&UserNumber=13800000021'), 'result=1');
      assert.equal(await code(`MessageContent=${text}&UserNumber=`), 'result=1');
      assert.equal(await code(`MessageContent=${text}&UserNumber=13800000021&ScheduleTime=2026-12-02`), 'result=4');
      assert.equal(await code(`MessageContent=${text}&UserNumber=12345`), 'result=6');
      assert.equal(await code(`MessageContent=${gb2312('字'.repeat(1006))}&UserNumber=13800000021`), 'result=8');
      const many = Array.from({ length: 20001 }, (_, i) => String(13000000000 + i)).join(',');
      assert.equal(await code(`MessageContent=${text}&UserNumber=${many}`), 'result=9');
      assert.equal(await code(`MessageContent=${text}&UserNumber=13800000021&SerialNumber=abc`), 'result=14');
      await gw.core.audit.addWord('赌博');
      assert.equal(
        await send(`MessageContent=${gb2312('网上赌博')}&UserNumber=13800000021`),
        `result=7&description=${answerValue('短信内容含有敏感词:赌博')}`,
      );
      // 提交时检测方式 0: one invalid number refuses the whole call, and faillist names it.
      assert.equal(
        await send(`MessageContent=${text}&UserNumber=13800000021,12345&f=0`),
        `result=6&description=${answerValue('手机号码无效')}&faillist=12345`,
      );
      await gw.core.accounts.create('poor', 'pw', { 1: 1 }, { spCode: '100002' });
      assert.equal(
        await code(`MessageContent=${text}&UserNumber=13800000021,13800000022`, 'SpCode=100002&LoginName=poor&Password=pw'),
        'result=17',
      );
    });

    test('a scheduled send keeps its time (China time); SearchNumber.do tells the messages left', async () => {
      const answer = await send(`MessageContent=${gb2312('预约')}&UserNumber=13800000031&SerialNumber=777001&ScheduleTime=20261203083000`);
      assert.match(answer, /^result=0&/);
      const row = await gw.db.getRepository(Send).findOneByOrFail({ serial: '777001' });
      assert.equal(row.scheduledAt?.toISOString(), '2026-12-03T00:30:00.000Z');
      const left = (await gw.account()).balanceGateway;
      const balance = await post('/sms/Api/SearchNumber.do', DEMO);
      assert.equal(balance.text, `result=0&description=${answerValue('查询成功')}&number=${left}`);
      assert.equal((await post('/sms/Api/SearchNumber.do', 'SpCode=100001&LoginName=demo&Password=bad')).text.split('&')[0], 'result=3');
      // GET works too, as a form in the query string.
      const got = await fetch(`${gw.url}/sms/Api/SearchNumber.do?${DEMO}`);
      assert.equal(await got.text(), balance.text);
      assert.equal(await gw.db.getRepository(Batch).countBy({ serial: '777001' }), 1);
    });

    test('bytes that are not GB2312/GBK are refused, not sent as question marks', async () => {
      const answer = await send('MessageContent=%FF%FF&UserNumber=13800000041');
      assert.equal(answer, `result=1&description=${answerValue('参数MessageContent不是有效的GBK编码')}`);
      const utf8 = await post(
        '/sms/Api/Send.do',
        `${DEMO}&MessageContent=${encodeURIComponent('镕😀')}&UserNumber=13800000041`,
        'application/x-www-form-urlencoded; charset=utf-8',
      );
      assert.match(utf8.text, /^result=0&/);
    });
  });
}
