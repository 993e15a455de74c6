/** The operator's tools: the admin HTTP API and the smsgw command line, and configuration errors. */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { BalanceLedger } from '../entities';
import { openDatabase } from '../src/db/datasource';
import { createCore } from '../src/core';
import { startTestGateway, type TestGateway } from './support/gateway';
import { B64, call } from './support/soap';
import { startFakeServer } from './vendors/support';

const execFileAsync = promisify(execFile);

describe('admin API', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway();
  });
  after(async () => {
    await gw?.stop();
  });

  const admin = async (path: string, body: unknown, token = gw.adminToken) => {
    const res = await fetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  test('balances are whole numbers within the bound; a duplicate is 409, also when requests race; the first real account retires the demo', async () => {
    assert.match(await call(gw.serviceUrl, 'getRestMoney', { username: 'demo', password: B64('demo123') }), /^memberSmsNum=/);
    for (const balances of [{ 1: 1.5 }, { 1: 1e20 }, { 1: -5 }, { 1: 'abc' }, { 7: 1 }, [1]]) {
      const res = await admin('/admin/accounts', { username: 'badbal', password: 'pw', balances });
      assert.equal(res.status, 400, JSON.stringify(balances));
    }
    assert.deepEqual(await admin('/admin/accounts', null), { status: 400, body: { error: 'the body must be a JSON object' } });
    assert.equal((await admin('/admin/accounts/acme/topup', { pool: 1, amount: 1.5 })).status, 400);
    const racing = await Promise.all(
      [1, 2, 3].map(() => admin('/admin/accounts', { username: 'racer', password: 'pw', balances: { 1: 3 } })),
    );
    assert.deepEqual(racing.map((r) => r.status).sort(), [201, 409, 409]);
    assert.deepEqual(racing.find((r) => r.status === 409)!.body, { error: 'an account racer exists' });
    const racer = await gw.account('racer');
    assert.equal(racer.balanceGateway, 3, 'charged once');
    assert.equal(await call(gw.serviceUrl, 'getRestMoney', { username: 'demo', password: B64('demo123') }), 'failure;账号已停用');
  });

  test('sets an account route from configured vendors only', async () => {
    await gw.core.accounts.create('routed-admin', 'pw');
    assert.deepEqual(await admin('/admin/accounts/routed-admin/route', { route: ['simulator'] }), {
      status: 200,
      body: { username: 'routed-admin', route: ['simulator'] },
    });
    assert.equal((await gw.account('routed-admin')).route, 'simulator');
    assert.deepEqual(await admin('/admin/accounts/routed-admin/route', { route: ['simulator', 'nosuch'] }), {
      status: 400,
      body: { error: 'not configured vendors: nosuch (configured: simulator)' },
    });
    assert.deepEqual(await admin('/admin/accounts/nobody/route', { route: [] }), { status: 404, body: { error: 'no account nobody' } });
    assert.equal((await admin('/admin/accounts/routed-admin/route', { route: 'simulator' })).status, 400);
  });

  test('refuses a missing or wrong token', async () => {
    assert.equal((await admin('/admin/accounts', { username: 'x', password: 'y' }, 'wrong')).status, 401);
    assert.equal((await fetch(`${gw.url}/admin/accounts`, { method: 'POST' })).status, 401);
  });

  test('creates an account, tops it up, and the account can send', async () => {
    assert.deepEqual((await admin('/admin/accounts', { username: 'acme', password: 'acme-pass', balances: { 1: 5 } })).status, 201);
    assert.deepEqual(await admin('/admin/accounts/acme/topup', { pool: 1, amount: 10 }), { status: 200, body: { pool: 1, remaining: 15 } });
    assert.equal((await admin('/admin/accounts/acme/topup', { pool: 7, amount: 10 })).status, 400);
    assert.equal((await admin('/admin/accounts/nobody/topup', { pool: 1, amount: 10 })).status, 404);
    assert.deepEqual(await admin('/admin/accounts/acme/topup', { pool: 1, amount: -16 }), {
      status: 409,
      body: { error: 'the pool holds less than the cost' },
    });
    assert.equal((await admin('/admin/accounts', { username: 'acme', password: 'other' })).status, 409);
    const auth = { username: 'acme', password: B64('acme-pass') };
    assert.equal(await call(gw.serviceUrl, 'getRestMoney', auth), 'memberSmsNum=0;gateSmsNum=15;kaSmsNum=0');
    assert.match(
      await call(gw.serviceUrl, 'sendSms', { ...auth, smstype: 1, content: 'hi', mobile: '13800138000', isLongSms: 0 }),
      /^success;/,
    );
    const { id } = await gw.account('acme');
    const ledger = await gw.db.getRepository(BalanceLedger).find({ where: { accountId: id }, order: { id: 'ASC' } });
    assert.deepEqual(
      ledger.map((l) => [l.business, l.original, l.amount, l.remaining]),
      [
        ['topup', 0, 5, 5],
        ['topup', 5, 10, 15],
        ['send', 15, -1, 14],
      ],
    );
  });

  test('injects a reply for getRecvSMS; one nobody can be found for is kept unassigned', async () => {
    assert.deepEqual(await admin('/admin/replies', { mobile: '13800138000', content: '你谁啊?', username: 'acme' }), {
      status: 201,
      body: { result: 'queued', receiver: 'acme' },
    });
    assert.deepEqual(
      await admin('/admin/replies', { mobile: '13700000000', content: 'x' }),
      { status: 201, body: { result: 'unassigned', receiver: null } },
      'nobody ever sent to that number',
    );
    const unassigned = await fetch(`${gw.url}/admin/replies/unassigned`, { headers: { authorization: `Bearer ${gw.adminToken}` } });
    assert.deepEqual(
      ((await unassigned.json()) as { mobile: string; content: string }[]).map((r) => [r.mobile, r.content]),
      [['13700000000', 'x']],
    );
    assert.match(
      await call(gw.serviceUrl, 'getRecvSMS', { username: 'acme', password: B64('acme-pass') }),
      /<receiver>acme<\/receiver><content>xOPLrbChPw==<\/content>/,
    );
  });
});

describe('smsgw command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'smsgw-cli-'));
  const env = { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'cli.sqlite')}`, LOG_LEVEL: 'silent' };
  const smsgw = (args: string[], extraEnv: Record<string, string> = {}) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: join(__dirname, '..'),
      env: { ...env, ...extraEnv },
      encoding: 'utf8',
      timeout: 60_000,
    });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('account:route and vendor:balance use the vendors of GATEWAY_CONFIG', async () => {
    // 企业短信通's balance page answers the number of messages left (seed 002, 1.1.4).
    const vendor = await startFakeServer((req, res) => {
      const ok = req.path === '/Get_Account_Balance.asp' && /us_name=acme&us_pwd=pw/.test(req.rawQuery);
      res.end(ok ? '4321' : '-7');
    });
    const file = join(dir, 'vendors.yaml');
    writeFileSync(
      file,
      `vendors:\n  zt:\n    type: sms112088\n    url: ${vendor.url}/\n    username: acme\n    password: pw\n  sim:\n    type: simulator\n`,
    );
    const run = (args: string[]) =>
      execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
        cwd: join(__dirname, '..'),
        env: { ...env, GATEWAY_CONFIG: file },
      }).then(
        (r) => ({ status: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ status: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    try {
      assert.deepEqual(await run(['vendor:balance', 'zt']).then((r) => [r.status, r.stdout]), [
        0,
        'zt: 4321 (the vendor answered "4321")\n',
      ]);
      assert.equal((await run(['vendor:balance', 'sim'])).stderr, 'vendor sim (simulator) has no balance call\n');
      await run(['account:create', 'routed', 'pw', '1']);
      assert.equal((await run(['account:route', 'routed', 'sim,zt'])).stdout, 'account routed now sends through sim → zt\n');
      const refused = await run(['account:route', 'routed', 'zt,nosuch']);
      assert.deepEqual([refused.status, refused.stderr], [2, 'not configured vendors: nosuch (configured: zt, sim)\n']);
    } finally {
      await vendor.stop();
    }
    const db = await openDatabase(env.DATABASE_URL);
    try {
      assert.equal((await createCore(db).accounts.find('routed'))!.route, 'sim,zt');
    } finally {
      await db.destroy();
    }
  });

  test('migrate, account:create, account:topup, reply:inject; each says which database it used', async () => {
    const migrated = smsgw(['migrate']);
    assert.match(migrated.stdout, /migrations applied: Initial1764000000000, VendorPolls1765000000000/);
    assert.equal(migrated.stderr, `database: ${env.DATABASE_URL}\n`);
    assert.match(smsgw(['account:create', 'ops', 'secret', '100']).stdout, /account ops created with 100 messages in each pool/);
    assert.match(smsgw(['account:topup', 'ops', '2', '-30']).stdout, /remaining: 70/);
    assert.match(smsgw(['reply:inject', '13800138000', '收到', 'ops']).stdout, /reply queued for ops/);
    const duplicate = smsgw(['account:create', 'ops', 'other', '5']);
    assert.deepEqual([duplicate.status, duplicate.stderr.split('\n')[1]], [1, 'an account ops exists']);
    assert.doesNotMatch(duplicate.stderr + duplicate.stdout, /scrypt|\$32768\$/, 'no password hash on the way out');
    for (const bad of ['abc', '1.5', '-5', '1e20']) {
      const refused = smsgw(['account:create', `bob-${bad}`, 'pw', bad]);
      assert.equal(refused.status, 2, bad);
      assert.match(
        refused.stderr,
        new RegExp(`balance of pool 0 must be a whole number from 0 to 1000000000, got "${bad.replace('.', '\\.')}"`),
      );
    }
    const overdrawn = smsgw(['account:topup', 'ops', '2', '-1000']);
    assert.deepEqual([overdrawn.status, overdrawn.stderr.split('\n')[1]], [1, 'the pool holds less than the cost']);
    const topupRefused = smsgw(['account:topup', 'ops', '2', '2.5']);
    assert.equal(topupRefused.status, 2);
    assert.match(topupRefused.stderr, /amount must be a whole number/);
    const db = await openDatabase(env.DATABASE_URL);
    try {
      const core = createCore(db);
      const account = await core.accounts.authenticate('ops', 'secret');
      assert.deepEqual([account.balanceCard, account.balanceGateway, account.balanceMember], [100, 100, 70]);
      assert.deepEqual(
        (await core.replies.fetch(account.id)).map((r) => r.content),
        ['收到'],
      );
    } finally {
      await db.destroy();
    }
  });

  test('usage and configuration errors are plain messages with an exit code', () => {
    const usage = smsgw(['frobnicate']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /^error: unknown command 'frobnicate'\n[\s\S]*Usage: smsgw[\s\S]*account:create <user> <password> \[n\]/);
    const help = smsgw(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /Usage: smsgw[\s\S]*reply:inject <mobile> <content> \[user\]/, 'help goes to stdout');
    const commandHelp = smsgw(['account:topup', '--help']);
    assert.equal(commandHelp.status, 0);
    assert.match(commandHelp.stdout, /Usage: smsgw account:topup \[options\] <user> <pool> <amount>/);
    const missing = smsgw(['account:create', 'only-a-name']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /missing required argument 'password'/);
    const bad = smsgw(['migrate'], { PORT: 'eighty' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim(), 'configuration error: PORT must be a whole number from 0 to 65535, got "eighty"');
    const badDb = smsgw(['migrate'], { DATABASE_URL: 'postgres://x' });
    assert.equal(badDb.status, 2);
    assert.match(badDb.stderr, /configuration error: DATABASE_URL must start with sqlite: or mysql:\/\//);
  });
});
