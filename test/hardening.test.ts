/** What a new user trips over first: secrets in logs, the public demo account, honest health, quiet failure, plain configuration errors. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { Account } from '../entities';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/datasource';
import { FailureBackoff } from '../src/dispatch/failureBackoff';
import { startGateway } from '../src/gateway';
import { createTestDatabase, MYSQL_ROOT_URL, startTestGateway } from './support/gateway';
import { capturedLogger } from './support/logs';
import { call, DEMO_AUTH, docLiteral, post, returnValue } from './support/soap';

/** A logger whose JSON lines are kept for the test to read. */

const dir = mkdtempSync(join(tmpdir(), 'smsgw-hardening-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('secrets stay out of logs', () => {
  test("a failed INSERT's error is logged without its parameters: the password hash never appears", async () => {
    const db = await openDatabase(`sqlite:${join(dir, 'dup.sqlite')}`);
    try {
      const row = { username: 'alice', passwordHash: 'scrypt$32768$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNo', enabled: 1, createdAt: new Date() };
      await db.getRepository(Account).insert({ ...row });
      const err = await db
        .getRepository(Account)
        .insert({ ...row })
        .then(
          () => assert.fail('the duplicate was inserted'),
          (e: unknown) => e,
        );
      assert.ok(JSON.stringify((err as { parameters: unknown }).parameters).includes(row.passwordHash), 'the driver error holds the hash');
      const { log, text } = capturedLogger();
      log.error({ err, vendor: { password: 'vendor-secret', token: 't0ken' } }, 'insert failed');
      assert.ok(text().includes('UNIQUE constraint failed'), 'the error itself is logged');
      for (const secret of [row.passwordHash, 'c2FsdHNhbHQ', 'vendor-secret', 't0ken'])
        assert.ok(!text().includes(secret), `${secret} leaked: ${text()}`);
    } finally {
      await db.destroy();
    }
  });
});

describe('LOG_PRETTY', () => {
  test('true gives lines for people, secrets still removed; a value that is not true or false stops the start', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "require('./src/logger.ts').createLogger('info', 'pretty').info({ vendor: { password: 'vendor-secret' } }, 'hello operator')",
      ],
      { cwd: join(__dirname, '..'), encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /INFO.*hello operator/);
    assert.match(r.stdout, /"password": "\[redacted\]"/);
    assert.ok(!r.stdout.includes('vendor-secret'), r.stdout);
    assert.throws(() => JSON.parse(r.stdout.split('\n')[0]!), 'not a JSON line');
    assert.equal(loadConfig({ LOG_PRETTY: 'true' }).logPretty, true);
    assert.equal(loadConfig({}).logPretty, false);
    assert.throws(() => loadConfig({ LOG_PRETTY: 'yes' }), /LOG_PRETTY must be true or false, got "yes"/);
  });
});

describe('vendor secrets stay out of logs', () => {
  test("a vendor's password never reaches the log, even while every call to the vendor fails", async () => {
    const file = join(dir, 'unreachable.yaml');
    // Port 9 on loopback: nothing listens, every call is refused; 112088 puts the password in the URL.
    writeFileSync(
      file,
      'vendors:\n  zt:\n    type: sms112088\n    url: http://127.0.0.1:9/\n    username: acme\n    password: ${ZT_PASSWORD}\n    pollIntervalMs: 100\n',
    );
    const { log, text } = capturedLogger('debug');
    const gw = await startGateway(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: `sqlite:${join(dir, 'unreachable.sqlite')}`,
        DEMO_ACCOUNT: 'true',
        GATEWAY_CONFIG: file,
        ZT_PASSWORD: 'S3cr3t-Vendor-Pw',
        DISPATCH_INTERVAL_MS: '20',
        DISPATCH_RETRY_BASE_MS: '10',
        LOG_LEVEL: 'debug',
      }),
      log,
    );
    try {
      assert.match(
        await call(`${gw.url}/services/userApi`, 'sendSms', {
          ...DEMO_AUTH,
          smstype: 1,
          content: '测试',
          mobile: '13800138000',
          isLongSms: 0,
        }),
        /^success;/,
      );
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      await gw.stop();
    }
    assert.match(text(), /vendor call failed/, 'the failures were logged');
    assert.match(text(), /poll zt:reports failed/);
    assert.ok(!text().includes('S3cr3t-Vendor-Pw'), 'the password is not in the log');
  });
});

describe('the demo account', () => {
  test('answers callers on this machine only, and says so when it is created', async () => {
    const gw = await startTestGateway({ env: { TRUST_PROXY: 'true' } });
    try {
      assert.match(await call(gw.serviceUrl, 'getRestMoney', DEMO_AUTH), /^memberSmsNum=100000;/);
      const remote = await post(gw.serviceUrl, docLiteral('getRestMoney', DEMO_AUTH), { 'x-forwarded-for': '203.0.113.7' });
      assert.equal(returnValue(remote.body), 'failure;IP地址不在白名单内');
      assert.equal((await gw.account('demo')).ipAllow, '127.0.0.1,::1');
    } finally {
      await gw.stop();
    }
  });

  test('DEMO_ACCOUNT=false disables one made earlier', async () => {
    const databaseUrl = `sqlite:${join(dir, 'demo.sqlite')}`;
    const base = { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' };
    await (await startGateway(loadConfig({ ...base, DEMO_ACCOUNT: 'true' }))).stop();
    const { log, text } = capturedLogger();
    const gw = await startGateway(loadConfig({ ...base, DEMO_ACCOUNT: 'false' }), log);
    try {
      assert.equal(await call(`${gw.url}/services/userApi`, 'getRestMoney', DEMO_AUTH), 'failure;账号已停用');
      assert.match(text(), /the demo account is disabled \(DEMO_ACCOUNT=false\)/);
    } finally {
      await gw.stop();
    }
  });
});

describe('health and readiness', () => {
  test('/readyz says 503 and why when the database is dropped under a running gateway; /healthz stays live; the dispatcher backs off quietly', async () => {
    const { databaseUrl, drop } = await createTestDatabase('mysql');
    const { log, lines } = capturedLogger();
    const gw = await startGateway(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, DISPATCH_INTERVAL_MS: '20', LOG_LEVEL: 'info' }),
      log,
    );
    try {
      assert.deepEqual(await (await fetch(`${gw.url}/readyz`)).json(), { status: 'ready' });
      const before = lines.length;
      const admin = await createConnection(MYSQL_ROOT_URL);
      await admin.query(`DROP DATABASE \`${new URL(databaseUrl).pathname.slice(1)}\``);
      await admin.end();
      const health = await fetch(`${gw.url}/healthz`);
      assert.equal(health.status, 200, 'liveness: the process and its database connection answer');
      const ready = await fetch(`${gw.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(((await ready.json()) as { reason: string }).reason, /no migrations table|not readable/);
      await new Promise((r) => setTimeout(r, 1500));
      const dispatchLines = lines.slice(before).filter((l) => l.includes('dispatch'));
      // At a 20 ms interval, 1.5 s of failures would be 75 lines without backoff.
      assert.ok(dispatchLines.length <= 2, `dispatch logged ${dispatchLines.length} lines: ${dispatchLines.join('\n').slice(0, 2000)}`);
      assert.ok(
        dispatchLines.some((l) => l.includes('dispatch failed; retrying with backoff')),
        'the first failure is logged in full',
      );
    } finally {
      await gw.stop();
      await drop();
    }
  });

  test('a failing loop waits twice as long each time, logs the first failure, a summary per interval, and the recovery', () => {
    const { log, lines } = capturedLogger();
    const backoff = new FailureBackoff('poll v:reports', log, 100, 1000, 60_000);
    const t0 = 1_000_000;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((i) => backoff.failed(new Error('database down'), t0 + i)),
      [200, 400, 800, 1000, 1000],
    );
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /"msg":"poll v:reports failed; retrying with backoff"/);
    backoff.failed(new Error('database down'), t0 + 61_000);
    assert.match(lines[1]!, /"failures":6.*"msg":"poll v:reports still failing"/);
    backoff.succeeded(t0 + 62_000);
    assert.match(lines[2]!, /"failures":6,"downMs":61999.*"msg":"poll v:reports recovered"/);
    assert.equal(backoff.failed(new Error('again'), t0 + 63_000), 200, 'after a recovery it starts over');
  });
});

describe('configuration errors are one line, before the database is touched', () => {
  const smsgw = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate'], {
      cwd: join(__dirname, '..'),
      env: { ...process.env, DATABASE_URL: `sqlite:${join(dir, 'untouched.sqlite')}`, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'LOG_LEVEL=bogus',
      { LOG_LEVEL: 'bogus' },
      /^configuration error: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "bogus"$/,
    ],
    [
      'VENDORS=nosuchvendor',
      { VENDORS: 'nosuchvendor' },
      /^configuration error: VENDORS names "nosuchvendor", which is not a configured vendor \(configured: simulator\)$/,
    ],
    [
      'a MySQL database that does not exist',
      { DATABASE_URL: `${MYSQL_ROOT_URL}/no_such_db` },
      /^configuration error: DATABASE_URL mysql:\/\/.*\/no_such_db: the database "no_such_db" does not exist; create it \(CREATE DATABASE `no_such_db` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci\) or name one that does$/,
    ],
  ];
  for (const [what, env, expected] of cases) {
    test(what, () => {
      const run = smsgw(env);
      assert.equal(run.status, 2, run.stderr);
      const errorLines = run.stderr.split('\n').filter((l) => l && !l.startsWith('database: '));
      assert.equal(errorLines.length, 1, run.stderr);
      assert.match(errorLines[0]!, expected);
      assert.ok(!existsSync(join(dir, 'untouched.sqlite')), 'no database was created');
    });
  }
});
