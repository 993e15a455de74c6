import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { DataSource } from 'typeorm';
import { Send, SendStatus } from '../entities';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/datasource';
import { LegacyProcedure1766000000000 } from '../src/db/migrations/1766000000000-LegacyProcedure';
import { startGateway } from '../src/gateway';
import { createLogger } from '../src/logger';
import { createTestDatabase, MYSQL_ROOT_URL } from './support/gateway';

const run = promisify(execFile);

/** Runs SQL through the real `mariadb` command-line client, as a legacy system's operator would; the rows, tab-separated. */
async function mariadbClient(database: string, sql: string): Promise<string[][]> {
  const url = new URL(MYSQL_ROOT_URL);
  const args = [
    `-h${url.hostname}`,
    `-P${url.port || '3306'}`,
    `-u${decodeURIComponent(url.username || 'root')}`,
    ...(url.password ? [`-p${decodeURIComponent(url.password)}`] : []),
    '--default-character-set=utf8mb4',
    '--batch',
    '--skip-column-names',
    database,
    '-e',
    sql,
  ];
  const { stdout } = await run('mariadb', args, { encoding: 'utf8' });
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.split('\t'));
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

async function call(database: string, hostname: string, infoto: string, recv: string, content: string): Promise<[number, string]> {
  const rows = await mariadbClient(
    database,
    `CALL PRO_DSFDXJK(@c, @n, ${quote(hostname)}, ${quote(infoto)}, ${quote(recv)}, ${quote(content)}); SELECT @c, @n;`,
  );
  assert.equal(rows.length, 1, JSON.stringify(rows));
  return [Number(rows[0]![0]), rows[0]![1]!];
}

async function waitForStatus(db: DataSource, id: number, status: number, timeoutMs = 10_000): Promise<Send> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await db.getRepository(Send).findOneByOrFail({ ID: id });
    if (row.STATUS === status) return row;
    if (Date.now() > deadline) throw new Error(`row ${id} has STATUS ${row.STATUS}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const gatewayEnv = (databaseUrl: string) =>
  loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    SIMULATOR_DELAY_MS: '20',
    SIMULATOR_SUCCESS_RATIO: '1',
    DISPATCH_INTERVAL_MS: '20',
    LOG_LEVEL: 'silent',
    // The procedure's userid (1598) maps to no account here: its rows are charged to the demo account.
    DEMO_ACCOUNT: 'true',
    LEGACY_DEFAULT_ACCOUNT: 'demo',
  });

describe('PRO_DSFDXJK on MariaDB', () => {
  let databaseUrl: string;
  let database: string;
  let drop: () => Promise<void>;
  let db: DataSource;

  before(async () => {
    ({ databaseUrl, drop } = await createTestDatabase('mysql'));
    database = new URL(databaseUrl).pathname.slice(1);
    db = await openDatabase(databaseUrl);
  });
  after(async () => {
    await db?.destroy();
    await drop?.();
  });

  const content = '您的验证码是123456【测试】';

  test('the mariadb client calls it: numbers normalized, answers, rows and log as the seed writes them', async () => {
    const cases: [string, number, string, string | null][] = [
      ['0-13800138000', 1, '发送成功', '13800138000'],
      ['013900139000', 1, '发送成功', '13900139000'],
      ['137-0013-7000', 1, '发送成功', '13700137000'],
      ['1360013600', -1, '发送失败,无效的手机号码', null],
      ['135001350001', -1, '发送失败,无效的手机号码', null],
    ];
    for (const [infoto, code, note] of cases) {
      assert.deepEqual(await call(database, '10.0.0.8', infoto, '张三', content), [code, note], infoto);
    }
    const rows = await db.getRepository(Send).find({ order: { ID: 'ASC' } });
    assert.deepEqual(
      rows.map((r) => r.infoto),
      cases.flatMap(([, , , n]) => (n ? [n] : [])),
      'one row per valid number, none for the invalid ones',
    );
    for (const row of rows) {
      assert.equal(row.hostname, '10.0.0.8');
      assert.equal(row.RECVUSERID, '张三');
      assert.equal(row.content, content);
      assert.equal(row.contentsize, [...content].length);
      assert.equal(row.infotype, 8);
      assert.equal(row.userid, 1598);
      assert.equal(row.YYB, 1);
      assert.equal(row.STATUS, SendStatus.waiting);
      assert.equal(row.accountId, null);
      assert.ok(row.Createtime instanceof Date && Math.abs(row.Createtime.getTime() - Date.now()) < 60_000);
    }
    const log = (await db.query('SELECT level, title, source, kind, note, created_at FROM legacy_log ORDER BY id')) as {
      level: number;
      title: string;
      source: string;
      kind: number;
      note: string;
      created_at: Date;
    }[];
    assert.deepEqual(
      log.map(({ level, title, source, kind, note }) => ({ level, title, source, kind, note })),
      cases.map(([, , note]) => ({ level: 2, title: '第三方短信发送', source: 'PRO_DSFDXJK', kind: 2, note })),
    );
    assert.ok(log.every((l) => l.created_at instanceof Date));
  });

  test('an UPDATE of legacy_send_settings changes the next row, no code involved', async () => {
    await mariadbClient(database, 'UPDATE legacy_send_settings SET userid = 2001, YYB = 7 WHERE id = 1');
    assert.deepEqual(await call(database, '10.0.0.9', '0-13511112222', '', '设置已更改'), [1, '发送成功']);
    const row = await db.getRepository(Send).findOneByOrFail({ infoto: '13511112222' });
    assert.deepEqual([row.infotype, row.userid, row.YYB, row.RECVUSERID], [8, 2001, 7, '']);
    await mariadbClient(database, 'UPDATE legacy_send_settings SET userid = 1598, YYB = 1 WHERE id = 1');
  });

  test('a row the procedure inserted is dispatched by a gateway and reaches a final STATUS', async () => {
    assert.deepEqual(await call(database, '10.0.0.8', '0-13899990000', '李四', content), [1, '发送成功']);
    const { ID } = await db.getRepository(Send).findOneByOrFail({ infoto: '13899990000' });
    const gw = await startGateway(gatewayEnv(databaseUrl), createLogger('silent'));
    try {
      const row = await waitForStatus(db, ID, SendStatus.delivered);
      assert.equal(row.vendor, 'simulator');
      assert.equal(row.charged, 1, 'charged to the default account');
    } finally {
      await gw.stop();
    }
  });

  test('down() removes the procedures and tables, up() puts them back and the procedure answers again', async () => {
    const migration = new LegacyProcedure1766000000000();
    const q = db.createQueryRunner();
    try {
      await migration.down(q);
      const routines = async () =>
        (
          (await q.query('SELECT ROUTINE_NAME AS n FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1')) as {
            n: string;
          }[]
        ).map((r) => r.n);
      assert.deepEqual(await routines(), []);
      assert.equal(await q.hasTable('legacy_log'), false);
      assert.equal(await q.hasTable('legacy_send_settings'), false);
      await assert.rejects(call(database, 'h', '0-13800138000', '', 'x'));
      await migration.up(q);
      assert.deepEqual(await routines(), ['PRO_DSFDXJK', 'PRO_WRITELOG']);
    } finally {
      await q.release();
    }
    assert.deepEqual(await call(database, '10.0.0.8', '01-3877776666', '', content), [-1, '发送失败,无效的手机号码']);
    assert.deepEqual(await call(database, '10.0.0.8', '13877776666', '', content), [1, '发送成功']);
    const row = await db.getRepository(Send).findOneByOrFail({ infoto: '13877776666' });
    assert.deepEqual([row.infotype, row.userid, row.YYB], [8, 1598, 1]);
    const log = (await db.query('SELECT note FROM legacy_log ORDER BY id')) as { note: string }[];
    assert.deepEqual(
      log.map((l) => l.note),
      ['发送失败,无效的手机号码', '发送成功'],
    );
  });
});

describe('the legacy INSERT on SQLite', () => {
  test('the documented plain INSERT of the legacy columns, and its normalizing form, are accepted and dispatched', async () => {
    const { databaseUrl, drop } = await createTestDatabase('sqlite');
    const gw = await startGateway(gatewayEnv(databaseUrl), createLogger('silent'));
    try {
      const content = '您的委托已成交【测试】';
      // As docs/send-table.md gives it: the legacy statement, the number already normalized.
      await gw.db.query(
        "INSERT INTO send (ID, Createtime, hostname, infotype, infoto, userid, RECVUSERID, content, contentsize, STATUS, YYB) VALUES (NULL, strftime('%Y-%m-%d %H:%M:%f', 'now'), '10.0.0.8', 8, '13800138000', 1598, '张三', ?, length(?), 0, 1)",
        [content, content],
      );
      // The normalizing form: PRO_DSFDXJK's rules in one INSERT … SELECT; no row for an invalid number.
      const normalizing = (infoto: string) =>
        gw.db.query(
          `INSERT INTO send (ID, Createtime, hostname, infotype, infoto, userid, RECVUSERID, content, contentsize, STATUS, YYB)
           SELECT NULL, strftime('%Y-%m-%d %H:%M:%f', 'now'), :host, 8, n, 1598, :recv, :content, length(:content), 0, 1
           FROM (SELECT CASE WHEN substr(:to, 1, 2) = '0-' THEN substr(:to, 3)
                             WHEN substr(:to, 1, 2) = '01' THEN substr(:to, 2)
                             ELSE replace(:to, '-', '') END AS n)
           WHERE length(n) = 11`,
          [{ host: '10.0.0.8', recv: '张三', content, to: infoto }],
        );
      await normalizing('0-13900139000');
      await normalizing('135-0013-500');
      const rows = await gw.db.getRepository(Send).find({ order: { ID: 'ASC' } });
      assert.deepEqual(
        rows.map((r) => r.infoto),
        ['13800138000', '13900139000'],
      );
      for (const row of rows) {
        assert.deepEqual(
          [row.hostname, row.infotype, row.userid, row.RECVUSERID, row.content, row.contentsize, row.YYB],
          ['10.0.0.8', 8, 1598, '张三', content, [...content].length, 1],
        );
        const done = await waitForStatus(gw.db, row.ID, SendStatus.delivered);
        assert.equal(done.charged, 1, 'charged to the default account');
      }
    } finally {
      await gw.stop();
      await drop();
    }
  });
});
