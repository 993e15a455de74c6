/** The web console at /console, driven in a real browser (Debian's chromium through playwright-core). */
import { outboxDepth } from '../src/dispatch/outbox/depth';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../src/paths';
import { ConsoleQueries } from '../src/console/queries';
import { DIALECTS, startTestGateway, type TestGateway } from './support/gateway';
import { call, DEMO_AUTH } from './support/soap';

const CHROMIUM = '/usr/bin/chromium';
/** Without the browser the test cannot run: CI installs it, so there a missing one is a failure. */
const missing = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (apt-get install chromium)`;
const shots = mkdtempSync(join(tmpdir(), 'smsgw-console-'));

describe('the web console', { skip: !process.env.CI && missing }, () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  let batchA: string;
  let batchB: string;

  before(async () => {
    if (missing) throw new Error(`${missing}; CI is expected to install it`);
    gw = await startTestGateway();
    const send = async (mobile: string, content: string) => {
      const answer = await call(gw.serviceUrl, 'sendSms', { ...DEMO_AUTH, smstype: 1, content, mobile, isLongSms: 0 });
      assert.match(answer, /^success;\d{20}$/);
      return answer.slice('success;'.length);
    };
    batchA = await send('13800138000,13900139000', '验证码123456【测试】');
    batchB = await send('13800138000', '会议 <b>改到</b> 3 点【测试】');
    await gw.waitForReports(3);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
  });

  after(async () => {
    await browser?.close();
    await gw?.stop();
  });

  test('a wrong token is refused; the admin token logs in with an HttpOnly, SameSite=Strict session cookie', async () => {
    await page.goto(`${gw.url}/console`);
    assert.equal(new URL(page.url()).pathname, '/console/login', 'an anonymous visit goes to the login page');
    await page.fill('input[name=token]', 'not-the-token');
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/console/login')),
      page.click('button[type=submit]'),
    ]);
    assert.equal(refused.status(), 401);
    assert.match(await page.textContent('.notice.error').then(String), /令牌错误/);

    await page.fill('input[name=token]', gw.adminToken);
    await Promise.all([page.waitForURL(`${gw.url}/console`), page.click('button[type=submit]')]);
    const [cookie] = await page.context().cookies();
    assert.equal(cookie?.name, 'smsgw_console');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.path, '/console');
    assert.ok(!cookie.value.includes(gw.adminToken), 'the cookie is a session id, not the token');
  });

  test('the overview draws the per-minute chart from the messages sent', async () => {
    await page.waitForSelector('#chart[data-drawn=true] canvas');
    const data = JSON.parse(String(await page.getAttribute('#chart', 'data-series'))) as { x: number[]; series: Record<string, number[]> };
    const total = (name: string) => data.series[name]!.reduce((a, b) => a + b, 0);
    assert.equal(total('accepted'), 3, 'three numbers accepted');
    assert.equal(total('dispatched'), 3);
    assert.equal(total('delivered'), 3);
    assert.equal(total('failed'), 0);
    assert.equal(data.x.length, 180, 'three hours of minutes');
    assert.equal(await page.textContent('#total-delivered'), '3');
    assert.match(String(await page.textContent('main')), /simulator/, 'the vendor and its breaker are listed');
    await page.screenshot({ path: join(shots, 'overview.png'), fullPage: true });
    // The README's picture, rewritten only when asked, so that a run does not change a tracked file.
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(join(shots, 'overview.png'), join(PROJECT_ROOT, 'docs', 'console.png'));
  });

  test('searching a batch id or a number shows its rows, every value escaped', async () => {
    await page.click('nav >> text=查询');
    await page.fill('input[name=q]', batchA);
    await Promise.all([page.waitForURL(/\/console\/search\?q=/), page.press('input[name=q]', 'Enter')]);
    const rowsA = await page.$$eval('table.rows tbody tr', (trs) => trs.map((tr) => tr.textContent ?? ''));
    assert.equal(rowsA.length, 2);
    for (const row of rowsA) {
      assert.ok(row.includes(batchA));
      assert.ok(row.includes('已送达'), 'delivered');
      assert.ok(row.includes('simulator'));
    }
    await page.screenshot({ path: join(shots, 'search-batch.png'), fullPage: true });

    await page.fill('input[name=q]', '+86 138 0013 8000');
    await Promise.all([page.waitForURL(/\/console\/search\?q=/), page.press('input[name=q]', 'Enter')]);
    const batches = await page.$$eval('table.rows tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(batches.sort(), [batchA, batchB].sort(), 'the number, typed with a prefix and spaces, finds both batches');
    assert.equal(await page.locator('table.rows b').count(), 0, 'the text is shown, not interpreted as markup');
    assert.ok((await page.$$eval('td.content', (tds) => tds.map((td) => td.textContent))).includes('会议 <b>改到</b> 3 点【测试】'));
    await page.screenshot({ path: join(shots, 'search-number.png'), fullPage: true });
  });

  test('a top-up from the account page changes the balance in the database', async () => {
    const before = (await gw.account()).balanceGateway;
    await page.click('nav >> text=账户');
    await Promise.all([page.waitForURL(/\/console\/accounts\/demo$/), page.click('a[href="/console/accounts/demo"]')]);
    await page.selectOption('select[name=pool]', '1');
    await page.fill('input[name=amount]', '500');
    await page.fill('input[name=notes]', '控制台充值测试');
    await Promise.all([page.waitForURL(/\/console\/accounts\/demo$/), page.click('form.topup button[type=submit]')]);
    assert.equal((await gw.account()).balanceGateway, before + 500);
    assert.equal(await page.textContent('#balance-gateway'), String(before + 500));
    assert.match(String(await page.textContent('.notice.ok')), /已充值 500/);
    assert.match(String(await page.textContent('main')), /控制台充值测试/, 'the ledger line is listed');
    await page.screenshot({ path: join(shots, 'account.png'), fullPage: true });
  });

  test('a POST without the session CSRF token is refused with 403 and changes nothing', async () => {
    const before = (await gw.account()).balanceGateway;
    // The browser's own session cookie goes with it, as it would with a form another site made.
    const forged = await page.request.post(`${gw.url}/console/accounts/demo/topup`, { form: { pool: '1', amount: '1000' } });
    assert.equal(forged.status(), 403);
    const wrong = await page.request.post(`${gw.url}/console/accounts/demo/topup`, { form: { pool: '1', amount: '1000', csrf: 'x' } });
    assert.equal(wrong.status(), 403);
    assert.equal((await gw.account()).balanceGateway, before);
  });

  test('the vendors, contracts and failures pages answer', async () => {
    await page.click('nav >> text=通道');
    assert.match(String(await page.textContent('main')), /simulator/);
    await page.click('nav >> text=接口');
    assert.match(String(await page.textContent('main')), /\/services\/userApi/);
    await page.click('nav >> text=失败');
    assert.match(String(await page.textContent('main')), /没有记录/, 'nothing failed');
  });

  test('logins are limited per address: the sixth attempt within a minute is answered 429', async () => {
    // Two attempts were made above (one wrong, one right) from this address.
    const attempt = () =>
      fetch(`${gw.url}/console/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'token=guess',
        redirect: 'manual',
      }).then((r) => r.status);
    assert.deepEqual([await attempt(), await attempt(), await attempt()], [401, 401, 401]);
    assert.equal(await attempt(), 429);
  });

  test('logging out ends the session', async () => {
    await Promise.all([page.waitForURL(/\/console\/login$/), page.click('header .logout button')]);
    await page.goto(`${gw.url}/console/accounts`);
    assert.equal(new URL(page.url()).pathname, '/console/login');
  });
});

test('without ADMIN_TOKEN the console says it is disabled', async () => {
  const gw = await startTestGateway({ env: { ADMIN_TOKEN: '' } });
  try {
    const res = await fetch(`${gw.url}/console`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /set <code>ADMIN_TOKEN<\/code>/);
  } finally {
    await gw.stop();
  }
});

for (const dialect of DIALECTS) {
  test(`${dialect}: the overview's counts per minute, outbox depth and delivery per vendor`, async () => {
    const gw = await startTestGateway({ dialect });
    try {
      // One invalid number fails at once, when accepted; the two valid ones are delivered.
      assert.match(
        await call(gw.serviceUrl, 'sendSms', {
          ...DEMO_AUTH,
          smstype: 1,
          content: '测试【测试】',
          mobile: '13800138000,12345,13900139000',
          isLongSms: 0,
        }),
        /^success;/,
      );
      await gw.waitForReports(3);
      const queries = new ConsoleQueries(gw.db);
      const now = new Date();
      const { minutes, counts } = await queries.perMinute(60, now);
      assert.equal(minutes.length, 60);
      assert.equal(minutes.at(-1), Math.floor(now.getTime() / 60_000) * 60, 'the last bucket is the current minute');
      const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      assert.deepEqual(
        {
          accepted: total(counts.accepted),
          dispatched: total(counts.dispatched),
          delivered: total(counts.delivered),
          failed: total(counts.failed),
        },
        { accepted: 3, dispatched: 2, delivered: 2, failed: 1 },
      );
      // Every row was written in the last minute or two: the counts sit in the last buckets, not shifted by a time zone.
      assert.equal(total(counts.accepted.slice(-2)), 3);
      assert.deepEqual(await outboxDepth(gw.db, now), { waiting: 0, leased: 0, scheduled: 0, submitted: 0, oldestWaitingAt: null });
      assert.deepEqual(await queries.deliveryByVendor(new Date(now.getTime() - 3600_000)), [
        { vendor: 'simulator', delivered: 2, failed: 0, pending: 0 },
      ]);
      assert.equal((await queries.search('13900139000')).length, 1);
    } finally {
      await gw.stop();
    }
  });
}

test('the vendors page shows each vendor without its secrets, and its balance call failing says why', async () => {
  // Port 9 on loopback: nothing listens, so the balance call is refused at once. ftpPassword is a
  // secret by its name's ending, as the logs' rule reads it.
  const gw = await startTestGateway({
    config: [
      'vendors:',
      '  ums:',
      '    type: ums',
      '    url: http://127.0.0.1:9/',
      '    username: acme',
      '    password: ${UMS_PASSWORD}',
      "    spCode: '123456'",
      '    receipts: none',
      '    ftpPassword: ${FTP_PASSWORD}',
    ].join('\n'),
    env: { UMS_PASSWORD: 'S3cr3t-Vendor-Pw', FTP_PASSWORD: 'S3cr3t-Ftp-Pw' },
  });
  try {
    const login = await fetch(`${gw.url}/console/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: gw.adminToken }).toString(),
      redirect: 'manual',
    });
    assert.equal(login.status, 303);
    const cookie = String(login.headers.get('set-cookie')).split(';')[0]!;
    const res = await fetch(`${gw.url}/console/vendors`, { headers: { cookie } });
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-security-policy')), /default-src 'self'/);
    const body = await res.text();
    assert.ok(!body.includes('S3cr3t'), 'no vendor secret on the page');
    assert.match(body, /&quot;password&quot;: &quot;\[redacted\]&quot;/);
    assert.match(body, /&quot;ftpPassword&quot;: &quot;\[redacted\]&quot;/);
    assert.match(body, /&quot;username&quot;: &quot;acme&quot;/, 'what is not secret is shown');
    assert.match(body, /查询失败: [^<]*ECONNREFUSED/);
  } finally {
    await gw.stop();
  }
});
