/** The GATEWAY_CONFIG file: vendors validated against the settings their adapters declare, one line per mistake. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { z } from 'zod';
import { loadConfig } from '../src/config';
import { loadVendorsFile } from '../src/vendors/config';
import { simulator } from '../src/vendors/simulator';
import { vendorLimits, vendorSettings } from '../src/vendors/settings';
import { defineVendor } from '../src/vendors/types';

/** An adapter with required and defaulted keys, as real adapters declare them. */
const example = defineVendor({
  type: 'example',
  settings: vendorSettings.extend({
    signature: z.string().default('【测试】'),
    maxNumbersPerRequest: z.int().min(1).max(100).default(100),
  }),
  create: () => {
    throw new Error('not needed: only the settings are under test');
  },
});
const TYPES = [simulator, example];
/** What a vendor gets when its entry names no limits: no rate or open-request limit, the default breaker. */
const DEFAULT_LIMITS = vendorLimits.parse({});

const dir = mkdtempSync(join(tmpdir(), 'smsgw-config-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (yaml: string) => {
  const path = join(dir, `gateway-${++n}.yaml`);
  writeFileSync(path, yaml);
  return path;
};
const GOOD = `
vendors:
  zt:
    type: example
    url: http://127.0.0.1:8088/
    username: acme
    password: \${ZT_PASSWORD}
  backup:
    type: simulator
    delayMs: 10
route: [zt, backup]
`;

/** GOOD with one more line under the simulator vendor `backup`. */
const withBackup = (line: string) => GOOD.replace('    delayMs: 10\n', `    delayMs: 10\n    ${line}\n`);

describe('the vendors file', () => {
  test('a good file: settings validated, defaults filled, ${VAR} read from the environment', () => {
    const { vendors, route } = loadVendorsFile(file(GOOD), { ZT_PASSWORD: 's3cret' }, TYPES);
    assert.deepEqual(route, ['zt', 'backup']);
    assert.deepEqual(vendors.get('zt'), {
      type: 'example',
      limits: DEFAULT_LIMITS,
      settings: {
        url: 'http://127.0.0.1:8088/',
        username: 'acme',
        password: 's3cret',
        timeoutMs: 10_000,
        concurrency: 4,
        pushAllowIps: [],
        signature: '【测试】',
        maxNumbersPerRequest: 100,
      },
    });
    assert.deepEqual(vendors.get('backup'), { type: 'simulator', limits: DEFAULT_LIMITS, settings: { delayMs: 10, successRatio: 0.95 } });
  });

  test('rate, open requests and breaker: any vendor type takes them, beside its own keys', () => {
    const yaml = withBackup('rateLimit: { perSecond: 20, counts: segments }\n    openRequests: 3\n    breaker: { halfOpenAfterMs: 5000 }');
    const { vendors } = loadVendorsFile(file(yaml), { ZT_PASSWORD: 's3cret' }, TYPES);
    assert.deepEqual(vendors.get('backup'), {
      type: 'simulator',
      limits: {
        rateLimit: { perSecond: 20, counts: 'segments' },
        openRequests: 3,
        breaker: { failureRatio: 0.5, windowMs: 60_000, minimumCalls: 10, halfOpenAfterMs: 5000 },
      },
      settings: { delayMs: 10, successRatio: 0.95 },
    });
  });

  const refusals: [string, string, string][] = [
    [
      'an unknown type',
      GOOD.replace('type: example', 'type: nosuch'),
      'vendors.zt.type: unknown type "nosuch" (known: simulator, example)',
    ],
    ['a missing key', GOOD.replace('    username: acme\n', ''), 'vendors.zt.username: is required'],
    ['a misspelt key', GOOD.replace('username:', 'usernme:'), 'vendors.zt.usernme: unknown key (did you mean "username"?)'],
    ['a bad URL', GOOD.replace('http://127.0.0.1:8088/', 'ftp://127.0.0.1/'), 'vendors.zt.url: must be an http(s) URL'],
    ['an unset variable', GOOD, 'vendors.zt.password: ${ZT_PASSWORD} is not set in the environment'],
    [
      'a value of the wrong kind',
      GOOD.replace('delayMs: 10', 'delayMs: soon'),
      'vendors.backup.delayMs: Invalid input: expected number, received string',
    ],
    [
      'a route naming no vendor',
      GOOD.replace('[zt, backup]', '[zt, bakup]'),
      'route: names "bakup", which is not under vendors: (did you mean "backup"?)',
    ],
    ['a misspelt top-level key', `${GOOD}routes: [zt]\n`, 'routes: unknown key (did you mean "route"?)'],
    [
      'a vendor name unfit for a URL',
      GOOD.replace('  zt:', '  Z/T:').replace('[zt, backup]', '[backup]'),
      'vendors.Z/T: a vendor name is 1 to 32',
    ],
    [
      'a rate limit of no speed',
      withBackup('rateLimit: { perSecond: 0 }'),
      'vendors.backup.rateLimit.perSecond: Too small: expected number to be >0',
    ],
    ['a misspelt limit key', withBackup('rateLimit: { perSecnd: 5 }'), 'vendors.backup.rateLimit.perSecnd: unknown key'],
    ['a breaker given as true', withBackup('breaker: true'), 'vendors.backup.breaker: '],
    [
      'fewer open requests than one batch may open',
      GOOD.replace('    username: acme\n', '    username: acme\n    openRequests: 2\n'),
      "vendors.zt.openRequests: 2 is less than the vendor's concurrency (4)",
    ],
    ['broken YAML', 'vendors:\n  zt: [unclosed\n', 'line '],
  ];
  for (const [what, yaml, expected] of refusals) {
    test(`refuses ${what}, naming the file and the key`, () => {
      const path = file(yaml);
      const env = what === 'an unset variable' ? {} : { ZT_PASSWORD: 's3cret' };
      assert.throws(
        () => loadVendorsFile(path, env, TYPES),
        (err: Error) => {
          assert.ok(err.message.startsWith(`${path}: `), err.message);
          assert.ok(err.message.includes(expected), `${err.message} should include ${expected}`);
          assert.ok(!err.message.includes('s3cret'), 'no secret in the message');
          return true;
        },
      );
    });
  }

  test('the commented gateway.example.yaml in the repository is a valid configuration', () => {
    const env = {
      ZT_PASSWORD: 'a',
      PT_PASSWORD: 'b',
      PT_ACCESS_SECRET: 'c',
      CLOUD_PASSWORD: 'd',
      ALIYUN_ACCESS_KEY_ID: 'e',
      ALIYUN_ACCESS_KEY_SECRET: 'f',
    };
    const config = loadConfig({ ...env, GATEWAY_CONFIG: join(__dirname, '..', 'gateway.example.yaml') });
    assert.deepEqual(Object.fromEntries([...config.vendors].map(([name, v]) => [name, v.type])), {
      zt: 'sms112088',
      pt: 'ptsms',
      cloud: 'http',
      ali: 'aliyun',
      sim: 'simulator',
    });
    assert.deepEqual(config.route, ['zt', 'pt']);
  });

  test('without a file the simulator is the one vendor; VENDORS names the route and is checked', () => {
    const config = loadConfig({ SIMULATOR_DELAY_MS: '5' });
    assert.deepEqual([...config.vendors.keys()], ['simulator']);
    assert.deepEqual(config.vendors.get('simulator')!.settings, { delayMs: 5, successRatio: 0.95 });
    assert.deepEqual(config.route, ['simulator']);
    assert.throws(() => loadConfig({ VENDORS: 'simulator,nosuch' }), /VENDORS names "nosuch", which is not a configured vendor/);
  });

  test('the gateway refuses to start on a bad file: one line, exit code 2', () => {
    const path = file('vendors:\n  sim:\n    type: simulator\n    delyMs: 10\n    successRatio: ${RATIO}\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], {
      env: { ...process.env, GATEWAY_CONFIG: path, RATIO: '1', DATABASE_URL: `sqlite:${join(dir, 'never.sqlite')}`, PORT: '0' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(run.status, 2);
    assert.equal(run.stderr.trim(), `configuration error: ${path}: vendors.sim.delyMs: unknown key (did you mean "delayMs"?)`);
    assert.equal(run.stdout, '');
  });
});
