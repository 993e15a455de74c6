import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config';
import { splitSignature } from '../../src/core/signature';
import { listedPattern, TemplateBook } from '../../src/vendors/templates';
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, startFakeAliyun } from './aliyun/fake';

describe('free text into templates', () => {
  test('a listed template becomes a pattern: literals escaped, placeholders captured, a repeated one must repeat', () => {
    const { regex, params, literal } = listedPattern('您的验证码是${code}（${code}）。有效期${min}分钟', 'dollar-braces');
    assert.deepEqual(params, [
      ['code', 'p0'],
      ['min', 'p1'],
    ]);
    assert.equal(literal, '您的验证码是（）。有效期分钟'.length);
    assert.equal(regex.exec('您的验证码是1234（1234）。有效期5分钟')?.groups?.p1, '5');
    assert.equal(regex.exec('您的验证码是1234（9999）。有效期5分钟'), null);
    assert.equal(listedPattern('尊敬的{1}，余额{2}元', 'braces').regex.exec('尊敬的张三，余额3.5元')?.groups?.p0, '张三');
    assert.deepEqual(listedPattern('验证码#code#', 'hashes').params, [['code', 'p0']]);
  });

  test('the signature comes from 【…】 at either end, else the account, else signName', () => {
    assert.deepEqual(splitSignature('【公司】你好'), { body: '你好', signName: '公司' });
    assert.deepEqual(splitSignature('你好【公司】'), { body: '你好', signName: '公司' });
    assert.deepEqual(splitSignature('你【好】啊'), { body: '你【好】啊', signName: null });
    // The audit, per-number limits and templates read one signature: at most 20 characters (the carriers' and the column's limit).
    assert.deepEqual(splitSignature(`你好【${'长'.repeat(20)}】`), { body: '你好', signName: '长'.repeat(20) });
    assert.deepEqual(splitSignature(`【${'长'.repeat(21)}】你好`), { body: `【${'长'.repeat(21)}】你好`, signName: null });
    const book = new TemplateBook([{ pattern: '^码(?<code>\\d+)$', template: 'T1' }], 'dollar-braces', { defaultSign: '默认' });
    assert.equal(book.match('码1', '【账户】')?.signName, '账户');
    assert.equal(book.match('码1', null)?.signName, '默认');
    assert.equal(book.match('【文本】码1', '账户')?.signName, '文本');
  });

  test('hand-written rules first; then the listed templates, most specific first', () => {
    const book = new TemplateBook([{ pattern: '验证码是(?<c>\\d{6})', template: 'RULE', params: { code: 'c' } }], 'dollar-braces', {
      defaultSign: 'S',
    });
    book.setListed([
      { code: 'GENERAL', content: '您的${what}是${value}' },
      { code: 'SPECIFIC', content: '您的验证码是${code}' },
    ]);
    assert.deepEqual(
      book.describe().map((d) => d.template),
      ['RULE', 'SPECIFIC', 'GENERAL'],
    );
    assert.deepEqual(book.match('您的验证码是123456', null), {
      template: 'RULE',
      params: [['code', '123456']],
      signName: 'S',
      source: 'rule 1',
    });
    assert.equal(book.match('您的验证码是12', null)?.template, 'SPECIFIC');
    assert.deepEqual(book.match('您的积分是300', null)?.params, [
      ['what', '积分'],
      ['value', '300'],
    ]);
    assert.match(
      book.refusal({ content: '明天开会', signature: null }) ?? '',
      /^no template matches the text \(none of the 1 template rules, nor any of the 2 listed templates\)$/,
    );
    const unsigned = new TemplateBook([{ pattern: '开会', template: 'MEET' }], 'braces');
    assert.match(unsigned.refusal({ content: '明天开会', signature: null }) ?? '', /^template MEET: no signature/);
  });

  test('a rule that is no regular expression stops the start with its key named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-templates-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      "vendors:\n  ali:\n    type: aliyun\n    username: id\n    password: pw\n    templates:\n      - { pattern: '码(?<code>\\d+', template: SMS_1 }\n",
    );
    try {
      assert.throws(() => loadConfig({ GATEWAY_CONFIG: file }), /vendors\.ali\.templates\.0\.pattern: not a regular expression/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('smsgw vendor:templates lists the rules and the fetched list, and tells what a text goes out as', async () => {
    const fake = await startFakeAliyun();
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-templates-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      `vendors:\n  ali:\n    type: aliyun\n    url: ${fake.url}\n    username: ${ALIYUN_KEY_ID}\n    password: ${ALIYUN_KEY_SECRET}\n` +
        "    templates:\n      - pattern: '取件码(?<code>\\d+)'\n        template: SMS_1\n",
    );
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'vendor:templates', 'ali', ...args], {
        cwd: join(__dirname, '../..'),
        env: { ...process.env, GATEWAY_CONFIG: file, DATABASE_URL: `sqlite:${join(dir, 'db.sqlite')}` },
      }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    try {
      const listing = await run([]);
      assert.equal(listing.code, 0);
      assert.deepEqual(
        listing.stdout
          .trim()
          .split('\n')
          .map((l) => l.split('\t')[1]),
        ['SMS_1', 'SMS_228533340', 'SMS_228533331', 'SMS_228533332'],
        'the rule, then the approved templates most specific first (the pending one left out)',
      );
      assert.deepEqual(await run(['【测试】您的验证码是4711，5分钟内有效，请勿泄露。']), {
        code: 0,
        stdout: 'SMS_228533331 (list SMS_228533331) {"code":"4711"} signature 测试\n',
      });
      assert.deepEqual(await run(['取件码8080【测试】']), { code: 0, stdout: 'SMS_1 (rule 1) {"code":"8080"} signature 测试\n' });
      const none = await run(['【测试】明天开会']);
      assert.deepEqual(none, {
        code: 1,
        stdout: 'not sent to ali: no template matches the text (none of the 1 template rules, nor any of the 3 listed templates)\n',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await fake.stop();
    }
  });
});
