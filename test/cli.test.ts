/** The smsgw command line run as an operator runs it: a process per command, on the database of a running gateway. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestGateway, type TestGateway } from './support/gateway';
import { waitFor } from './vendors/support';

const ROOT = join(__dirname, '..');

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

describe('smsgw command line', () => {
  let gw: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-cli-'));
  const env = () => ({ ...process.env, DATABASE_URL: gw.databaseUrl, LOG_LEVEL: 'silent' });
  const smsgw = (args: string[], extraEnv: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', 'src/cli.ts', ...args],
        { cwd: ROOT, env: { ...env(), ...extraEnv }, encoding: 'utf8', timeout: 60_000 },
        (err, stdout, stderr) => resolve({ status: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const json = (run: Run) => {
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout);
  };

  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('accounts: the nested and the colon forms change the same account, list and show print it, --json parses', async () => {
    assert.deepEqual(await smsgw(['account', 'create', 'acme', 'first-pw', '10']), {
      status: 0,
      stdout: 'account acme created with 10 messages in each pool\n',
      stderr: `database: ${gw.databaseUrl}\n`,
    });
    const runs = await Promise.all([
      smsgw(['account:topup', 'acme', '1', '5']),
      smsgw(['account', 'allow-ip', 'acme', '127.0.0.1, ::1']),
      smsgw(['account', 'extno', 'acme', '0088']),
      smsgw(['account:sp-code', 'acme', '123456']),
    ]);
    assert.deepEqual(
      runs.map((r) => [r.status, r.stdout]),
      [
        [0, 'remaining: 15\n'],
        [0, 'account acme answers calls from 127.0.0.1,::1\n'],
        [0, 'account acme has extension number 0088\n'],
        [0, 'account acme has 企业编号 123456\n'],
      ],
    );
    assert.equal((await smsgw(['account', 'password', 'acme', 'second-pw'])).stdout, 'account acme has a new password\n');
    await assert.rejects(gw.core.accounts.authenticate('acme', 'first-pw'), /unknown user or wrong password/);
    await gw.core.accounts.authenticate('acme', 'second-pw', '127.0.0.1');

    const shown = json(await smsgw(['account', 'show', 'acme', '--json']));
    assert.deepEqual(
      [shown.username, shown.balances, shown.ipAllow, shown.extNo, shown.spCode, shown.route],
      ['acme', { card: 10, gateway: 15, member: 10 }, ['127.0.0.1', '::1'], '0088', '123456', []],
    );
    assert.deepEqual(
      shown.ledger.map((l: { pool: number; amount: number; operator: string }) => [l.pool, l.amount, l.operator]),
      [
        [1, 5, 'cli'],
        [2, 10, 'admin'],
        [1, 10, 'admin'],
        [0, 10, 'admin'],
      ],
    );
    assert.equal('passwordHash' in shown, false);
    const listed = await smsgw(['account', 'list']);
    assert.match(listed.stdout, /^username\tenabled\tcard\tgateway\tmember\troute\n[\s\S]*^acme\tyes\t10\t15\t10\t\(default\)$/m);
    assert.doesNotMatch(listed.stdout + JSON.stringify(shown), /scrypt/);
    assert.deepEqual(
      json(await smsgw(['account', 'list', '--json'])).map((a: { username: string }) => a.username),
      ['acme', 'demo'],
    );
  });

  test('bad arguments exit non-zero with a line that says what to fix', async () => {
    const [badIp, badExt, nobody, badPool, unknownSub, noVendor] = await Promise.all([
      smsgw(['account', 'allow-ip', 'acme', '10.0.0.1,somewhere']),
      smsgw(['account', 'extno', 'acme', '12a']),
      smsgw(['account', 'show', 'nobody']),
      smsgw(['send', 'acme', '13800138000', 'x', '--pool', '7']),
      smsgw(['account', 'frobnicate']),
      smsgw(['vendors', 'balance', 'nosuch']),
    ]);
    assert.deepEqual(
      [badIp.status, badIp.stderr.split('\n')[1]],
      [2, 'not IP addresses: somewhere (give addresses such as 10.0.0.5,::1, or none)'],
    );
    assert.deepEqual([badExt.status, badExt.stderr.split('\n')[1]], [2, 'an extension number is 1 to 16 digits or none, got "12a"']);
    assert.deepEqual([nobody.status, nobody.stderr.split('\n')[1]], [1, 'no account nobody']);
    assert.equal(badPool.status, 2);
    assert.match(badPool.stderr, /^error: option '--pool <n>' argument '7' is invalid\. give a whole number from 0 to 2/);
    assert.equal(unknownSub.status, 2);
    assert.match(unknownSub.stderr, /error: unknown command 'frobnicate'[\s\S]*Usage: smsgw account/);
    assert.deepEqual([noVendor.status, noVendor.stderr], [2, 'no vendor nosuch (configured: simulator)\n']);
  });

  test('help: every group lists its commands, every command its arguments and options', async () => {
    const [top, account, send, words] = await Promise.all([
      smsgw(['--help']),
      smsgw(['account', '--help']),
      smsgw(['send', '--help']),
      smsgw(['audit', 'words', 'add', '--help']),
    ]);
    for (const name of [
      'account',
      'audit',
      'config',
      'send',
      'reports',
      'outbox',
      'vendors',
      'contracts',
      'account:create',
      'reply:inject',
    ])
      assert.match(top.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
    for (const name of ['create', 'list', 'show', 'topup', 'route', 'password', 'allow-ip', 'extno', 'spcode'])
      assert.match(account.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
    assert.match(send.stdout, /Usage: smsgw send \[options\] <user> <mobile> <content>[\s\S]*--timeout <seconds>[\s\S]*--json/);
    assert.match(words.stdout, /Usage: smsgw audit words add \[options\] <word> \[user\]/);
    assert.deepEqual([top.status, account.status, send.status, words.status], [0, 0, 0, 0]);
  });

  test('audit words: added by one form, listed by the other', async () => {
    assert.equal((await smsgw(['audit', 'words', 'add', '赌博'])).stdout, 'forbidden: 赌博\n');
    assert.equal((await smsgw(['audit:word:add', '发票', 'acme'])).stdout, 'forbidden: 发票 (account acme)\n');
    const [listed, colon] = await Promise.all([smsgw(['audit', 'words', 'list', '--json']), smsgw(['audit:words'])]);
    assert.deepEqual(json(listed), [
      { word: '赌博', username: null },
      { word: '发票', username: 'acme' },
    ]);
    assert.equal(colon.stdout, '*\t赌博\nacme\t发票\n');
    const removed = await smsgw(['audit', 'words', 'remove', '赌博']);
    assert.deepEqual([removed.status, removed.stdout], [0, 'allowed again: 赌博\n']);
    const again = await smsgw(['audit', 'words', 'remove', '赌博']);
    assert.deepEqual([again.status, again.stdout], [1, 'not a forbidden word: 赌博\n']);
  });

  test('send waits for the report; reports tail, --follow and outbox stats show it', async () => {
    await gw.core.accounts.create('sender', 'pw', { 1: 10 });
    const follow = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'reports', 'tail', '--follow', '--json'], {
      cwd: ROOT,
      env: env(),
    });
    let followed = '';
    follow.stdout.on('data', (chunk: Buffer) => {
      followed += chunk.toString();
    });
    try {
      const sent = await smsgw(['send', 'sender', '13800138000', '验证码123456【测试】', '--json', '--timeout', '30']);
      const outcome = json(sent);
      assert.match(outcome.batchId, /^\d{20}$/);
      assert.deepEqual(
        [outcome.delivered, outcome.messages],
        [true, [{ mobile: '13800138000', status: 'delivered', vendor: 'simulator', code: 'DELIVRD', error: null }]],
      );
      assert.match(sent.stderr, new RegExp(`accepted: batch ${outcome.batchId}, 1 message\\(s\\), charged 1`));

      const text = await smsgw(['send', 'sender', '13900139000', '验证码654321【测试】']);
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, /^\d{20}\t13900139000\tdelivered via simulator \(DELIVRD\)\tafter \d+\.\d s\n$/);

      const tail = (await smsgw(['reports', 'tail', '--json', '--limit', '5'])).stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        tail.map((r: { username: string; mobile: string; status: string; fetched: boolean }) => [
          r.username,
          r.mobile,
          r.status,
          r.fetched,
        ]),
        [
          ['sender', '13800138000', 'delivered', false],
          ['sender', '13900139000', 'delivered', false],
        ],
      );
      assert.equal(tail[0].batchId, outcome.batchId);
      await waitFor(() => followed.trim().split('\n').length >= 2, 10_000, 'reports tail --follow printed both reports');
      assert.deepEqual(
        followed
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).mobile),
        ['13800138000', '13900139000'],
      );

      const stats = json(await smsgw(['outbox', 'stats', '--json']));
      assert.deepEqual(stats, {
        waiting: 0,
        leased: 0,
        scheduled: 0,
        awaitingReport: 0,
        delivered: 2,
        failed: 0,
        oldestWaitingSeconds: null,
      });
      const [refused, partly] = await Promise.all([
        smsgw(['send', 'sender', '12345', 'x【测试】', '--timeout', '5']),
        smsgw(['send', 'sender', '12345,13700137000', 'x【测试】', '--timeout', '20']),
      ]);
      assert.deepEqual([refused.status, refused.stderr.split('\n')[1]], [1, 'not one valid number: 12345']);
      assert.equal(partly.status, 1, 'one of its numbers failed');
      assert.match(partly.stdout, /\t13700137000\tdelivered via simulator[\s\S]*\t12345\tfailed: invalid mobile number\t/);
      assert.match((await smsgw(['outbox', 'stats'])).stdout, /^waiting: 0\n[\s\S]*^delivered: 3\nfailed: 1\noldest waiting: none\n$/m);
    } finally {
      follow.kill('SIGTERM');
    }
  });

  test('config check, vendors list and contracts list print the configuration without secrets', async () => {
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      [
        'vendors:',
        '  zt:',
        '    type: sms112088',
        '    url: http://127.0.0.1:9/',
        '    username: acme',
        '    password: zt-secret-pw',
        '  sim:',
        '    type: simulator',
        'route: [sim, zt]',
        '',
      ].join('\n'),
    );
    const configured = { GATEWAY_CONFIG: file, ADMIN_TOKEN: 'admin-token-value' };
    const [check, checkText, vendors, contracts] = await Promise.all([
      smsgw(['config', 'check', '--json'], { ...configured, DATABASE_URL: 'mysql://gw:db-secret-pw@127.0.0.1:3306/smsgw' }),
      smsgw(['config', 'check'], configured),
      smsgw(['vendors', 'list', '--json'], configured),
      smsgw(['contracts', 'list', '--json'], configured),
    ]);
    for (const run of [check, checkText, vendors])
      assert.doesNotMatch(run.stdout + run.stderr, /zt-secret-pw|admin-token-value|db-secret-pw/, 'no secret printed');
    const view = json(check);
    assert.deepEqual(
      [view.databaseUrl, view.adminToken, view.route, view.vendors.zt],
      [
        'mysql://gw:***@127.0.0.1:3306/smsgw',
        '[redacted]',
        ['sim', 'zt'],
        { ...view.vendors.zt, type: 'sms112088', username: 'acme', password: '[redacted]', url: 'http://127.0.0.1:9/' },
      ],
    );
    assert.match(
      checkText.stdout,
      new RegExp(`^configuration ok \\(${file.replace(/[.]/g, '\\.')}\\)\n[\\s\\S]*^route: \\["sim","zt"\\]$`, 'm'),
    );
    assert.deepEqual(
      json(vendors).map((v: { vendor: string; type: string; defaultRoutePosition: number | null; settings: { password?: string } }) => [
        v.vendor,
        v.type,
        v.defaultRoutePosition,
        v.settings.password,
      ]),
      [
        ['zt', 'sms112088', 2, '[redacted]'],
        ['sim', 'simulator', 1, undefined],
      ],
    );
    const served = json(contracts) as { name: string; paths: string[]; operations: string[] }[];
    assert.deepEqual(
      served.find((c) => c.name === 'userApi (SOAP)'),
      { name: 'userApi (SOAP)', paths: ['/services/userApi'], operations: ['sendSms', 'getRestMoney', 'getSmsReport', 'getRecvSMS'] },
    );
    const broken = await smsgw(['config', 'check'], { GATEWAY_CONFIG: join(dir, 'missing.yaml') });
    assert.deepEqual([broken.status, broken.stderr], [2, `configuration error: ${join(dir, 'missing.yaml')}: cannot be read (ENOENT)\n`]);
  });
});
