import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Send } from '../entities';
import { createCore } from '../src/core';
import { hasSignature, looksLikeSql, normalizeForAudit } from '../src/core/audit';
import { openDatabase } from '../src/db/datasource';
import { DIALECTS, startTestGateway, type TestGateway } from './support/gateway';
import { call, DEMO_AUTH } from './support/soap';

describe('audit rules', () => {
  test('SQL statements are caught by their shape, English sentences are not', () => {
    for (const sql of [
      'select * from users',
      'SELECT name, password FROM account WHERE id=1',
      'select password from account where id = 1',
      'insert into send (infoto) values (1)',
      'update account set balance_card = 99999',
      'delete from send;',
      'DELETE FROM send WHERE 1=1',
      'drop table send',
      'truncate table ledger',
      "1' union select password from account --",
      "' or '1'='1",
      'exec xp_cmdshell',
    ]) {
      assert.ok(looksLikeSql(sql), sql);
    }
    for (const text of [
      'Select a gift from our shop today',
      'Please update your app and set a new password',
      'Delete from your phone any message that asks for this code',
      '您的验证码是123456，请勿泄露',
      'Drop by our store: 20% off',
    ]) {
      assert.ok(!looksLikeSql(text), text);
    }
  });

  test('words are compared without case, width, spaces or separators', () => {
    assert.equal(normalizeForAudit('发 票'), normalizeForAudit('发票'));
    assert.equal(normalizeForAudit('发*票'), '发票');
    assert.equal(normalizeForAudit('ＦＡ Piao'), 'fapiao');
  });

  test('a signature is 【…】 at the start or the end', () => {
    assert.ok(hasSignature('【测试】您的验证码是1234'));
    assert.ok(hasSignature('您的验证码是1234【测试】'));
    assert.ok(!hasSignature('您的验证码是1234'));
    assert.ok(!hasSignature('您的【测试】验证码是1234'));
  });
});

for (const dialect of DIALECTS) {
  describe(`content audit on every send, ${dialect}`, () => {
    let gw: TestGateway;
    const admin = (path: string, body?: unknown) =>
      fetch(`${gw.url}/admin${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const send = (content: string, username = 'demo', password = DEMO_AUTH.password) =>
      call(gw.serviceUrl, 'sendSms', { username, password, smstype: 1, content, mobile: '13800000001', isLongSms: 0 });
    const stored = (content: string) => gw.db.getRepository(Send).countBy({ content });

    before(async () => {
      gw = await startTestGateway({ dialect });
    });
    after(() => gw?.stop());

    test('a forbidden word refuses the send, naming the word, whatever is put between its characters', async () => {
      assert.equal((await admin('/audit/words', { word: '发票' })).status, 201);
      assert.deepEqual((await admin('/audit/words', { word: '发票' })).body.added, false);
      const before = (await gw.account()).balanceGateway;
      assert.equal(await send('代开发票，请联系'), 'failure;短信内容含有禁发词:发票');
      assert.equal(await send('代开发 * 票，请联系'), 'failure;短信内容含有禁发词:发票');
      assert.equal(await stored('代开发票，请联系'), 0);
      assert.equal((await gw.account()).balanceGateway, before, 'nothing charged');
      assert.deepEqual((await admin('/audit/words')).body, [{ word: '发票', username: null }]);
      assert.deepEqual((await admin('/audit/words/remove', { word: '发票' })).body.removed, true);
      assert.match(await send('代开发票，请联系'), /^success;\d{20}$/);
    });

    test("an account's own word refuses only that account's texts", async () => {
      await gw.core.accounts.create('shop', 'pw', { 1: 10 });
      assert.equal((await admin('/audit/words', { word: '促销', username: 'shop' })).status, 201);
      assert.equal((await admin('/audit/words', { word: '促销', username: 'nobody' })).status, 404);
      const shop = Buffer.from('pw').toString('base64');
      assert.equal(await send('周末促销', 'shop', shop), 'failure;短信内容含有禁发词:促销');
      assert.match(await send('周末促销'), /^success;/);
    });

    test('SQL in a text is refused; the signature is required where the account asks for it', async () => {
      assert.equal(await send("1' union select password from account --"), 'failure;短信内容含有非法字符');
      assert.deepEqual((await admin('/audit/check', { content: 'drop table send' })).body.reason, 'sqlContent');
      assert.equal((await admin('/accounts/demo/require-signature', { required: true })).status, 200);
      assert.equal(await send('您的验证码是1234'), 'failure;短信内容缺少签名');
      assert.match(await send('【测试】您的验证码是1234'), /^success;/);
      assert.deepEqual((await admin('/audit/check', { content: '您的验证码是1234', username: 'demo' })).body, {
        ok: false,
        reason: 'missingSignature',
        detail: null,
        message: 'the account must sign its texts 【…】 and this one is not signed',
      });
      await admin('/accounts/demo/require-signature', { required: false });
      assert.match(await send('您的验证码是1234'), /^success;/);
    });

    test('a word added on one node applies on another within about a second, without a restart', async () => {
      const other = await openDatabase(gw.databaseUrl, false);
      try {
        const node = createCore(other);
        assert.equal(await node.audit.verdict('本店有假证出售'), null);
        await gw.core.audit.addWord('假证');
        let refusal = await node.audit.verdict('本店有假证出售');
        for (let i = 0; i < 40 && !refusal; i++) {
          await new Promise((r) => setTimeout(r, 50));
          refusal = await node.audit.verdict('本店有假证出售');
        }
        assert.equal(refusal?.code, 'forbiddenWord');
        assert.equal(refusal?.detail, '假证');
      } finally {
        await other.destroy();
      }
    });
  });
}
