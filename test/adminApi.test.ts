/** The admin API's reads and account settings: with and without the token, and bad input answered 400, never 500. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startTestGateway, type TestGateway } from './support/gateway';

describe('admin API: accounts, outbox, reports, vendors, contracts', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway({
      config:
        'vendors:\n  zt:\n    type: sms112088\n    url: http://127.0.0.1:9/\n    username: acme\n    password: zt-secret-pw\n  sim:\n    type: simulator\n    delayMs: 20\n    successRatio: 1\nroute: [sim]\n',
    });
  });
  after(async () => {
    await gw?.stop();
  });

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown, token: string | null = gw.adminToken) => {
    const res = await fetch(`${gw.url}${path}`, {
      method,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the answer it expects
    return { status: res.status, body: (await res.json()) as any };
  };

  test('every new call answers 401 without the token or with a wrong one', async () => {
    const calls: ['GET' | 'POST', string][] = [
      ['GET', '/admin/accounts'],
      ['GET', '/admin/accounts/demo'],
      ['GET', '/admin/outbox'],
      ['GET', '/admin/reports'],
      ['GET', '/admin/contracts'],
      ['GET', '/admin/vendors'],
      ['POST', '/admin/accounts/demo/password'],
      ['POST', '/admin/accounts/demo/allow-ip'],
      ['POST', '/admin/accounts/demo/extno'],
      ['POST', '/admin/accounts/demo/spcode'],
    ];
    for (const [method, path] of calls) {
      for (const token of [null, 'wrong-token']) {
        assert.deepEqual(await call(method, path, method === 'POST' ? {} : undefined, token), {
          status: 401,
          body: { error: 'missing or wrong admin token' },
        });
      }
    }
  });

  test('accounts: list, show, password, IP allow-list, extension number, 企业编号, legacy userid', async () => {
    assert.equal((await call('POST', '/admin/accounts', { username: 'acme', password: 'first', balances: { 1: 20 } })).status, 201);
    assert.deepEqual(await call('POST', '/admin/accounts/acme/password', { password: 'second' }), {
      status: 200,
      body: { username: 'acme', passwordChanged: true },
    });
    await gw.core.accounts.authenticate('acme', 'second');
    assert.deepEqual((await call('POST', '/admin/accounts/acme/allow-ip', { ips: ['10.0.0.5', '::1'] })).body, {
      username: 'acme',
      ipAllow: ['10.0.0.5', '::1'],
    });
    assert.deepEqual((await call('POST', '/admin/accounts/acme/extno', { extNo: '0123' })).body, { username: 'acme', extNo: '0123' });
    assert.deepEqual((await call('POST', '/admin/accounts/acme/spcode', { spCode: '998877' })).body, {
      username: 'acme',
      spCode: '998877',
    });
    assert.deepEqual((await call('POST', '/admin/accounts/acme/legacy-userid', { legacyUserId: 1598 })).body, {
      username: 'acme',
      legacyUserId: 1598,
    });
    const shown = await call('GET', '/admin/accounts/acme');
    assert.equal(shown.status, 200);
    assert.deepEqual(
      [shown.body.balances, shown.body.ipAllow, shown.body.extNo, shown.body.spCode, shown.body.legacyUserId, shown.body.ledger.length],
      [{ card: 0, gateway: 20, member: 0 }, ['10.0.0.5', '::1'], '0123', '998877', 1598, 1],
    );
    assert.doesNotMatch(JSON.stringify(shown.body), /scrypt|passwordHash/);
    const listed = await call('GET', '/admin/accounts');
    assert.deepEqual(
      listed.body.map((a: { username: string; enabled: boolean }) => [a.username, a.enabled]),
      [
        ['acme', true],
        ['demo', false],
      ],
    );
    // Clearing: an empty list lets any address call, null removes the extension number.
    assert.deepEqual((await call('POST', '/admin/accounts/acme/allow-ip', { ips: [] })).body, { username: 'acme', ipAllow: [] });
    assert.deepEqual((await call('POST', '/admin/accounts/acme/extno', { extNo: null })).body, { username: 'acme', extNo: null });
    assert.deepEqual(await call('GET', '/admin/accounts/nobody'), { status: 404, body: { error: 'no account nobody' } });
  });

  test('bad input answers 400 with what to fix, never 500', async () => {
    await gw.core.accounts.create('other', 'pw', { 1: 5 });
    await gw.core.accounts.setExtNo('other', '77');
    const cases: [string, unknown, RegExp, number?][] = [
      ['/admin/accounts/other/password', {}, /password is required/],
      ['/admin/accounts/other/password', { password: 42 }, /password is required/],
      ['/admin/accounts/other/allow-ip', { ips: '10.0.0.1' }, /ips must be a list of IP addresses/],
      ['/admin/accounts/other/allow-ip', { ips: ['10.0.0.1', 'example.com'] }, /not IP addresses: example\.com/],
      ['/admin/accounts/other/extno', { extNo: 12 }, /extNo must be digits \(a string\) or null/],
      ['/admin/accounts/other/extno', { extNo: '12a' }, /an extension number is 1 to 16 digits/],
      ['/admin/accounts/acme/extno', { extNo: '77' }, /extension number 77 belongs to account other/, 409],
      ['/admin/accounts/other/spcode', { spCode: 'abc' }, /a 企业编号 \(SpCode\) is 1 to 32 digits/],
      ['/admin/accounts/other/spcode', {}, /spCode must be digits \(a string\) or null/],
      ['/admin/accounts/other/legacy-userid', { legacyUserId: -1 }, /a legacy userid is a whole number from 0 to 2147483647/],
      ['/admin/accounts/other/legacy-userid', { legacyUserId: '5' }, /legacyUserId must be a whole number or null/],
      ['/admin/accounts/other/extno', '{not json', /the body must be a JSON object/],
      ['/admin/accounts/%E0%A4%A/extno', { extNo: '1' }, /the path is not valid percent-encoding/],
    ];
    for (const [path, body, error, status = 400] of cases) {
      const res = await call('POST', path, body);
      assert.equal(res.status, status, `${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error, error);
    }
    for (const query of ['limit=abc', 'limit=5000', 'after=-1', 'limit=1.5']) {
      const res = await call('GET', `/admin/reports?${query}`);
      assert.equal(res.status, 400, query);
      assert.match(res.body.error, /^(limit|after) must be a whole number from 0 to \d+, got/);
    }
    assert.equal((await call('GET', '/admin/accounts/%E0%A4%A')).status, 400);
  });

  test('outbox, reports, vendors without secrets, contracts', async () => {
    // The demo account was retired by the first real one: "other" sends, as a caller's accepted send would.
    const { batchId } = await gw.core.sending.submit({
      account: await gw.account('other'),
      pool: 1,
      content: '验证码123456【测试】',
      mobiles: '13800138000',
      isLong: false,
      hostname: null,
    });
    await gw.waitForReports(1, 'other');
    const reports = await call('GET', '/admin/reports?limit=10');
    assert.equal(reports.status, 200);
    assert.deepEqual(
      reports.body.map((r: { username: string; batchId: string; mobile: string; status: string; code: string }) => [
        r.username,
        r.batchId,
        r.mobile,
        r.status,
        r.code,
      ]),
      [['other', batchId, '13800138000', 'delivered', 'DELIVRD']],
    );
    assert.deepEqual((await call('GET', `/admin/reports?after=${reports.body[0].id}`)).body, []);
    assert.deepEqual((await call('GET', '/admin/outbox')).body, {
      waiting: 0,
      leased: 0,
      scheduled: 0,
      awaitingReport: 0,
      delivered: 1,
      failed: 0,
      oldestWaitingSeconds: null,
    });
    const vendors = await call('GET', '/admin/vendors');
    assert.doesNotMatch(JSON.stringify(vendors.body), /zt-secret-pw/);
    assert.deepEqual(
      vendors.body.map(
        (v: { vendor: string; type: string; defaultRoutePosition: number | null; state: string; settings: { password?: string } }) => [
          v.vendor,
          v.type,
          v.defaultRoutePosition,
          v.state,
          v.settings.password,
        ],
      ),
      [
        ['zt', 'sms112088', null, 'closed', '[redacted]'],
        ['sim', 'simulator', 1, 'closed', undefined],
      ],
    );
    const contracts = await call('GET', '/admin/contracts');
    assert.deepEqual(
      contracts.body.map((c: { name: string }) => c.name),
      ['userApi (SOAP)', 'UMS Sms (SOAP)', 'userApi (HTTP)', 'UMS (HTTP)'],
    );
  });

  // Last: its sends would change the counts the tests above read.
  test('send: a test message through the full path, waited for until its report; config without secrets; bad input 400', async () => {
    const sent = await call('POST', '/admin/send', {
      username: 'demo',
      mobile: '13800138000',
      content: '验证码123456【测试】',
      waitSeconds: 20,
    });
    assert.equal(sent.status, 201);
    assert.match(sent.body.batchId, /^\d{20}$/);
    assert.deepEqual(
      { accepted: sent.body.accepted, charged: sent.body.charged, complete: sent.body.complete, delivered: sent.body.delivered },
      { accepted: 1, charged: 1, complete: true, delivered: true },
    );
    assert.deepEqual(sent.body.messages, [{ mobile: '13800138000', status: 'delivered', vendor: 'sim', code: 'DELIVRD', error: null }]);
    const quick = await call('POST', '/admin/send', { username: 'demo', mobile: '13900139000', content: '验证码654321【测试】' });
    assert.equal(quick.status, 201);
    assert.equal(quick.body.complete, false, 'without waitSeconds it answers once accepted');
    for (const [body, why] of [
      [{ username: 'demo', mobile: '13800138000' }, /username, mobile and content are required/],
      [{ username: 'demo', mobile: '13800138000', content: 'x', pool: 7 }, /pool must be 0, 1 or 2/],
      [{ username: 'demo', mobile: '13800138000', content: 'x', waitSeconds: 61 }, /waitSeconds must be a whole number from 0 to 60/],
    ] as const) {
      const bad = await call('POST', '/admin/send', body);
      assert.equal(bad.status, 400);
      assert.match(bad.body.error, why);
    }
    assert.equal((await call('POST', '/admin/send', { username: 'nobody', mobile: '13800138000', content: 'x' })).status, 404);

    const config = await call('GET', '/admin/config');
    assert.equal(config.status, 200);
    assert.equal(config.body.adminToken, '[redacted]');
    assert.ok(!JSON.stringify(config.body).includes('zt-secret-pw'), 'no vendor secret');
    assert.equal(config.body.vendors.zt.type, 'sms112088');
    assert.equal((await call('GET', '/admin/config', undefined, null)).status, 401);
  });
});

/** An operation of docs/admin-api.openapi.yaml, as much of it as the gateway is called with. */
interface OpenApiOperation {
  parameters?: ({ $ref: string } | { name: string; in: string })[];
  requestBody?: { content: { 'application/json': { example?: unknown } } };
  responses: Record<string, unknown>;
}

describe('docs/admin-api.openapi.yaml: every operation it describes is the gateway’s, every call docs/admin-api.md lists is in it', () => {
  const DOCS = join(__dirname, '..', 'docs');
  const spec = parseYaml(readFileSync(join(DOCS, 'admin-api.openapi.yaml'), 'utf8')) as {
    openapi: string;
    security: Record<string, string[]>[];
    paths: Record<string, Record<string, OpenApiOperation>>;
    components: { parameters: Record<string, { name: string; example: string }> };
  };
  const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ key: `${method.toUpperCase()} ${path}`, path, method, operation })),
  );
  let gw: TestGateway;
  before(async () => {
    // The vendor zt is configured at an address nobody listens on: its balance and templates calls answer what the file says they do then.
    gw = await startTestGateway({
      config:
        'vendors:\n  zt:\n    type: sms112088\n    url: http://127.0.0.1:9/\n    username: acme\n    password: pw\n  sim:\n    type: simulator\nroute: [sim]\n',
    });
    await gw.core.accounts.create('acme', 'first', { 1: 10 });
  });
  after(async () => {
    await gw?.stop();
  });

  test('the file is OpenAPI 3.0 behind the bearer token, and holds exactly the calls docs/admin-api.md lists', () => {
    assert.match(spec.openapi, /^3\.0\.\d+$/);
    assert.deepEqual(spec.security, [{ adminToken: [] }]);
    const markdown = readFileSync(join(DOCS, 'admin-api.md'), 'utf8');
    const listed = (heading: string, method: string) =>
      [
        ...markdown
          .split(heading)[1]!
          .split('\n### ')[0]!
          .matchAll(/^\| `(\/admin\/[^`?]+)(?:\?[^`]*)?` \|/gm),
      ].map((m) => `${method} ${m[1]!.replace(/:(\w+)/g, '{$1}')}`);
    const documented = [...listed('### Reads (GET)', 'GET'), ...listed('### Changes (POST', 'POST')];
    assert.equal(documented.length, 27, 'every row of the two tables read');
    assert.deepEqual(operations.map((o) => o.key).sort(), documented.sort());
  });

  test('every operation, called with its examples, answers one of its documented statuses (never 404) with the token, 401 without', async () => {
    // The two calls that reach the unreachable vendor; every other example succeeds.
    const refusedByVendor: Record<string, number> = {
      'GET /admin/vendors/{name}/balance': 502,
      'POST /admin/vendors/{name}/templates': 409,
    };
    for (const { key, path, method, operation } of operations) {
      const url = path.replace(/\{(\w+)\}/g, (_, param: string) => {
        const ref = operation.parameters?.find((p) => '$ref' in p && p.$ref.endsWith(`/${param === 'name' ? 'vendor' : param}`));
        assert.ok(ref, `${key}: the path parameter ${param} is described`);
        return encodeURIComponent(spec.components.parameters[param === 'name' ? 'vendor' : param]!.example);
      });
      const example = operation.requestBody?.content['application/json'].example;
      const send = (headers: Record<string, string>) =>
        fetch(`${gw.url}${url}`, {
          method: method.toUpperCase(),
          headers: { 'content-type': 'application/json', ...headers },
          ...(method === 'post' ? { body: JSON.stringify(example ?? {}) } : {}),
        });
      const res = await send({ authorization: `Bearer ${gw.adminToken}` });
      const answer = (await res.json()) as { error?: string };
      assert.notEqual(res.status, 404, `${key}: ${JSON.stringify(answer)}`);
      assert.ok(String(res.status) in operation.responses, `${key} answered ${res.status}, which the file does not list`);
      if (key in refusedByVendor) assert.equal(res.status, refusedByVendor[key], key);
      else assert.ok(res.status >= 200 && res.status < 300, `${key} answered ${res.status}: ${JSON.stringify(answer)}`);
      const anonymous = await send({});
      assert.deepEqual([anonymous.status, await anonymous.json()], [401, { error: 'missing or wrong admin token' }], key);
      assert.ok('401' in operation.responses, `${key} lists its 401`);
    }
    assert.deepEqual((await gw.account('acme')).ipAllow, '10.0.0.5,::1', 'the examples reached the account they name');
  });
});
