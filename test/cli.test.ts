/** The smsgw command line run as an operator runs it: a process per command, on the database of a running gateway. */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { migrations } from '../src/db/datasource';
import { startTestGateway, type TestGateway } from './support/gateway';
import { gatewayProcessEnv, startServerProcess, stopServerProcess } from './support/process';
import { ALIYUN_KEY_ID, ALIYUN_KEY_SECRET, startFakeAliyun } from './vendors/aliyun/fake';
import { FAKE_PASSWORD, FAKE_USER, startFake112088 } from './vendors/sms112088/fake';
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
  /** Runs the commands side by side: each one's exit code and stdout. */
  const outcomes = async (commands: string[][]) =>
    (await Promise.all(commands.map((args) => smsgw(args)))).map((r) => [r.status, r.stdout]);
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
    assert.deepEqual(
      await outcomes([
        ['account:topup', 'acme', '1', '5'],
        ['account', 'allow-ip', 'acme', '127.0.0.1, ::1'],
        ['account', 'extno', 'acme', '0088'],
        ['account:sp-code', 'acme', '123456'],
      ]),
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

  test('accounts: route, topup and spcode nested, create and route by their colon forms, the other settings, show as text', async () => {
    assert.deepEqual(await smsgw(['account:create', 'beta', 'pw', '3']), {
      status: 0,
      stdout: 'account beta created with 3 messages in each pool\n',
      stderr: `database: ${gw.databaseUrl}\n`,
    });
    assert.deepEqual(
      await outcomes([
        ['account', 'topup', 'beta', '2', '-1'],
        ['account', 'route', 'beta', 'simulator'],
        ['account', 'spcode', 'beta', '654321'],
        ['account', 'legacy-userid', 'beta', '1598'],
        ['account', 'push', 'beta', 'mr', 'http://127.0.0.1:9/mr'],
        ['account', 'require-signature', 'beta', 'on'],
        ['account', 'number-limits', 'beta', '1/60s,5/1h', 'all'],
      ]),
      [
        [0, 'remaining: 2\n'],
        [0, 'account beta now sends through simulator\n'],
        [0, 'account beta has 企业编号 654321\n'],
        [0, 'legacy userid 1598 is now account beta\n'],
        [0, 'account beta: mr pushed to http://127.0.0.1:9/mr\n'],
        [0, 'account beta must sign its texts 【…】\n'],
        [0, 'account beta: per number at most 1 in 60 s, 5 in 3600 s (every text)\n'],
      ],
    );
    const shown = await smsgw(['account', 'show', 'beta']);
    assert.equal(shown.status, 0, shown.stderr);
    assert.match(shown.stdout, /^username: beta$/m);
    assert.match(shown.stdout, /^balances: \{"card":3,"gateway":3,"member":2\}$/m);
    assert.match(shown.stdout, /^route: \["simulator"\]$/m);
    assert.match(shown.stdout, /^spCode: 654321$/m);
    assert.match(shown.stdout, /^ledger \(newest first\): time\tpool\tamount\tremaining\tbusiness\toperator\n\S+\t2\t-1\t2\t\S+\tcli\n/m);
    assert.doesNotMatch(shown.stdout, /scrypt|passwordHash/);

    const [colonRoute, defaultRoute, unknownVendor, badPool, badSwitch] = await Promise.all([
      smsgw(['account:route', 'beta', 'simulator,simulator']),
      smsgw(['account', 'route', 'acme', '']),
      smsgw(['account', 'route', 'beta', 'nosuch']),
      smsgw(['account', 'topup', 'beta', '5', '1']),
      smsgw(['account', 'require-signature', 'beta', 'maybe']),
    ]);
    assert.deepEqual(
      [colonRoute.status, colonRoute.stdout, defaultRoute.stdout],
      [0, 'account beta now sends through simulator → simulator\n', 'account acme uses the default route\n'],
    );
    assert.deepEqual([unknownVendor.status, unknownVendor.stderr], [2, 'not configured vendors: nosuch (configured: simulator)\n']);
    assert.deepEqual([badPool.status, badPool.stderr.split('\n')[1]], [2, 'pool must be 0, 1 or 2, got "5"']);
    assert.deepEqual([badSwitch.status, badSwitch.stderr], [2, 'say on or off, got "maybe"\n']);
    assert.equal((await gw.account('beta')).route, 'simulator,simulator');
  });

  test('audit check tells how a text would fare, nested and colon; audit:word:remove allows a word again', async () => {
    await gw.core.audit.addWord('彩票');
    await gw.core.accounts.create('signer', 'pw', { 1: 1 });
    await gw.core.accounts.setRequireSignature('signer', true);
    const [refused, fine, colon, unsigned] = await Promise.all([
      smsgw(['audit', 'check', '买彩票【测试】']),
      smsgw(['audit', 'check', '验证码123456【测试】', 'signer']),
      smsgw(['audit:check', '买彩票【测试】', 'signer']),
      smsgw(['audit', 'check', '没有签名', 'signer']),
    ]);
    assert.deepEqual([refused.status, refused.stdout], [1, 'refused: the text holds a forbidden word: 彩票\n']);
    assert.deepEqual([fine.status, fine.stdout], [0, 'ok\n']);
    assert.deepEqual([colon.status, colon.stdout], [1, 'refused: the text holds a forbidden word: 彩票\n']);
    assert.deepEqual(
      [unsigned.status, unsigned.stdout],
      [1, 'refused: the account must sign its texts 【…】 and this one is not signed\n'],
    );
    const removed = await smsgw(['audit:word:remove', '彩票']);
    assert.deepEqual([removed.status, removed.stdout], [0, 'allowed again: 彩票\n']);
    assert.equal((await smsgw(['audit', 'check', '买彩票【测试】'])).stdout, 'ok\n');
  });

  test('replies: inject nested, unassigned nested and colon, --json parses', async () => {
    const stray = await smsgw(['reply', 'inject', '13811112222', '谁发的?']);
    assert.deepEqual(
      [stray.status, stray.stdout],
      [1, 'no account found for this reply: it is kept unassigned (smsgw reply unassigned); name a USER to queue it\n'],
    );
    const [listed, colon, queued] = await Promise.all([
      smsgw(['reply', 'unassigned']),
      smsgw(['reply:unassigned', '--json']),
      smsgw(['reply', 'inject', '13811112222', '收到', 'acme']),
    ]);
    assert.match(listed.stdout, /^\d+\t\S+\toperator\t13811112222\t\t谁发的\?\n$/);
    assert.deepEqual(
      json(colon).map((r: { mobile: string; content: string; vendor: string }) => [r.mobile, r.content, r.vendor]),
      [['13811112222', '谁发的?', 'operator']],
    );
    assert.deepEqual([queued.status, queued.stdout], [0, 'reply queued for acme\n']);
  });

  test('vendors: balance and templates ask the vendors themselves (local fakes), nested and colon, --json parses', async () => {
    const zt = await startFake112088({ balance: 4321 });
    const ali = await startFakeAliyun();
    const file = join(dir, 'vendors.yaml');
    writeFileSync(
      file,
      [
        'vendors:',
        '  zt:',
        '    type: sms112088',
        `    url: ${zt.url}/`,
        `    username: ${FAKE_USER}`,
        `    password: '${FAKE_PASSWORD}'`,
        '  locked:',
        '    type: sms112088',
        `    url: ${zt.url}/`,
        `    username: ${FAKE_USER}`,
        '    password: wrong',
        '  ali:',
        '    type: aliyun',
        `    url: ${ali.url}`,
        `    username: ${ALIYUN_KEY_ID}`,
        `    password: ${ALIYUN_KEY_SECRET}`,
        '  sim:',
        '    type: simulator',
        'route: [zt, sim]',
        '',
      ].join('\n'),
    );
    const configured = { GATEWAY_CONFIG: file };
    try {
      const [balance, balanceJson, colon, refused, noBalance, freeText, listing, matched, list] = await Promise.all([
        smsgw(['vendors', 'balance', 'zt'], configured),
        smsgw(['vendors', 'balance', 'zt', '--json'], configured),
        smsgw(['vendor:balance', 'zt'], configured),
        smsgw(['vendors', 'balance', 'locked'], configured),
        smsgw(['vendors', 'balance', 'sim'], configured),
        smsgw(['vendors', 'templates', 'zt'], configured),
        smsgw(['vendors', 'templates', 'ali'], configured),
        smsgw(['vendors', 'templates', 'ali', '【测试】您的验证码是4711，5分钟内有效，请勿泄露。'], configured),
        smsgw(['vendors', 'list'], configured),
      ]);
      assert.deepEqual([balance.status, balance.stdout], [0, 'zt: 4321 (the vendor answered "4321")\n']);
      assert.deepEqual(json(balanceJson), { vendor: 'zt', balance: 4321, raw: '4321' });
      assert.equal(colon.stdout, balance.stdout);
      assert.deepEqual(
        [refused.status, refused.stdout, refused.stderr],
        [1, '', `vendor locked gave no balance: locked balance: -7 (login failed) (check its url, username and password in ${file})\n`],
      );
      assert.deepEqual([noBalance.status, noBalance.stderr], [2, 'vendor sim (simulator) has no balance call\n']);
      assert.deepEqual([freeText.status, freeText.stderr], [2, 'vendor zt (sms112088) takes free text: it has no templates\n']);
      assert.equal(listing.status, 0, listing.stderr);
      assert.deepEqual(
        listing.stdout
          .trim()
          .split('\n')
          .map((l) => l.split('\t')[1]),
        ['SMS_228533340', 'SMS_228533331', 'SMS_228533332'],
      );
      assert.deepEqual([matched.status, matched.stdout], [0, 'SMS_228533331 (list SMS_228533331) {"code":"4711"} signature 测试\n']);
      assert.match(list.stdout, /^zt\tsms112088\tdefault route #1\t\{.*"password":"\[redacted\]".*\}$/m);
      assert.match(list.stdout, /^sim\tsimulator\tdefault route #2\t/m);
      assert.match(list.stdout, /^ali\taliyun\tnot in the default route\t/m);
      for (const run of [balance, balanceJson, refused, list])
        assert.doesNotMatch(run.stdout + run.stderr, /pw&112088|simulator-access-key-secret/);
    } finally {
      await zt.stop();
      await ali.stop();
    }
  });

  test('contracts: check a folder nested and colon, list as text', async () => {
    const folder = join(ROOT, 'wsdl/contracts/jianzhou');
    const [nested, colon, missing, list] = await Promise.all([
      smsgw(['contracts', 'check', folder]),
      smsgw(['contract:check', folder]),
      smsgw(['contracts', 'check', join(dir, 'nothing-here')]),
      smsgw(['contracts', 'list']),
    ]);
    assert.equal(nested.status, 0, nested.stderr);
    assert.match(nested.stdout, new RegExp(`^contract ${folder}\n  namespace http://service\\.nineorange\\.com, SOAP 1\\.1\n`));
    assert.match(nested.stdout, /^sendBatchMessageTimelyExt → send \(pool 1\)$/m);
    assert.equal(colon.stdout, nested.stdout);
    assert.deepEqual(
      [missing.status, missing.stderr],
      [2, `configuration error: ${join(dir, 'nothing-here', 'service.wsdl')}: cannot be read (ENOENT)\n`],
    );
    assert.match(list.stdout, /^userApi \(SOAP\)\t\/services\/userApi\tsendSms, getRestMoney, getSmsReport, getRecvSMS$/m);
  });

  test('migrate prints the migrations applied; serve answers until SIGTERM, then exits 0', async () => {
    const databaseUrl = `sqlite:${join(dir, 'fresh.sqlite')}`;
    const migrated = await smsgw(['migrate'], { DATABASE_URL: databaseUrl });
    assert.equal(migrated.status, 0, migrated.stderr);
    assert.equal(migrated.stdout, `migrations applied: ${migrations.map((M) => new M().name).join(', ')}\n`);
    assert.equal(migrated.stderr, `database: ${databaseUrl}\n`);
    const { child, url } = await startServerProcess(['src/cli.ts', 'serve'], gatewayProcessEnv(databaseUrl, { LOG_LEVEL: 'info' }));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const ready = await fetch(`${url}/readyz`);
      assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready' }]);
    } finally {
      await stopServerProcess(child);
    }
    assert.equal(await exited, 0);
  });

  test('every group: --help lists its commands, a wrong argument exits 2 naming what to fix', async () => {
    const groups: [string[], string[]][] = [
      [['audit'], ['words', 'check']],
      [
        ['audit', 'words'],
        ['list', 'add', 'remove'],
      ],
      [['config'], ['check']],
      [['vendors'], ['list', 'balance', 'templates']],
      [['contracts'], ['list', 'check']],
      [['reply'], ['inject', 'unassigned']],
      [['reports'], ['tail']],
      [['outbox'], ['stats']],
    ];
    const helps = await Promise.all(groups.map(([group]) => smsgw([...group, '--help'])));
    groups.forEach(([group, commands], i) => {
      assert.equal(helps[i]!.status, 0, group.join(' '));
      assert.match(helps[i]!.stdout, new RegExp(`^Usage: smsgw ${group.join(' ')} `, 'm'));
      for (const name of commands) assert.match(helps[i]!.stdout, new RegExp(`^  ${name}\\b`, 'm'), `${group.join(' ')} ${name}`);
    });
    const wrong: [string[], RegExp][] = [
      [['audit', 'check'], /^error: missing required argument 'content'$/m],
      [['audit', 'words', 'add'], /^error: missing required argument 'word'$/m],
      [['config', 'chek'], /^error: unknown command 'chek'\n\(Did you mean check\?\)$/m],
      [['vendors', 'balance'], /^error: missing required argument 'name'$/m],
      [['contracts', 'check'], /^error: missing required argument 'dir'$/m],
      [['reply', 'inject', '13800138000'], /^error: missing required argument 'content'$/m],
      [['reports', 'tail', '--limit', '0'], /^error: option '--limit <n>' argument '0' is invalid\. give a whole number from 1 to 1000$/m],
      [['outbox', 'stats', '--jsn'], /^error: unknown option '--jsn'\n\(Did you mean --json\?\)$/m],
      [['migrate', 'now'], /^error: too many arguments for 'migrate'\. Expected 0 arguments but got 1\.$/m],
      [['frobnicate'], /^error: unknown command 'frobnicate'$/m],
    ];
    const runs = await Promise.all(wrong.map(([args]) => smsgw(args)));
    wrong.forEach(([args, message], i) => {
      assert.equal(runs[i]!.status, 2, args.join(' '));
      assert.match(runs[i]!.stderr, message, args.join(' '));
      assert.match(runs[i]!.stderr, /Usage: smsgw/, `${args.join(' ')} shows its usage`);
    });
  });
});
