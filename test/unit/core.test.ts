import assert from 'node:assert/strict';
import { test } from 'node:test';
import { batchIdFor } from '../../src/core/batchId';
import { javaTimestamp } from '../../src/core/legacyTime';
import { normalizeMobile, parseRecipients } from '../../src/core/numbers';
import { hashPassword, verifyPassword, VerifiedPasswordCache } from '../../src/core/passwords';
import { segmentCount } from '../../src/core/segments';
import { decodeBase64Password } from '../../src/faces/legacyPassword';
import { backoffMs } from '../../src/dispatch/dispatcher';

test('mobile numbers follow PRO_DSFDXJK: 0- dropped, 01 loses its 0, dashes removed, 11 digits', () => {
  assert.equal(normalizeMobile('0-13866194295'), '13866194295');
  assert.equal(normalizeMobile('013866194295'), '13866194295');
  assert.equal(normalizeMobile('138-6619-4295'), '13866194295');
  assert.equal(normalizeMobile(' 13866194295 '), '13866194295');
  assert.equal(normalizeMobile('+8613866194295'), '13866194295');
  assert.equal(normalizeMobile('008613866194295'), '13866194295');
  assert.equal(normalizeMobile('1386619429'), null, 'ten digits');
  assert.equal(normalizeMobile('138661942951'), null, 'twelve digits');
  assert.equal(normalizeMobile('0371-86687083'), null, 'a landline is not a mobile');
  assert.equal(normalizeMobile('12345678901'), null, 'no mainland mobile starts with 12');
  assert.equal(normalizeMobile('1386619429x'), null);
});

test('recipient lists are split, trimmed, deduplicated and the invalid ones counted', () => {
  const r = parseRecipients('13866194295, 15375427702,,13866194295,abc，0-15375427702;18611287980 12');
  assert.deepEqual(r.valid, ['13866194295', '15375427702', '18611287980']);
  assert.deepEqual(r.invalid, ['abc', '12']);
  assert.equal(r.duplicates, 2);
  assert.equal(r.total, 7);
});

test('segments: 70 characters a message; a long message 67 a part, ordinary ones 70', () => {
  assert.equal(segmentCount('', false), 1);
  assert.equal(segmentCount('字'.repeat(70), true), 1);
  assert.equal(segmentCount('字'.repeat(71), true), 2);
  assert.equal(segmentCount('字'.repeat(134), true), 2);
  assert.equal(segmentCount('字'.repeat(135), true), 3);
  assert.equal(segmentCount('字'.repeat(140), false), 2);
  assert.equal(segmentCount('字'.repeat(141), false), 3);
  assert.equal(segmentCount('😀'.repeat(35), false), 1, 'an emoji is two UCS-2 units');
  assert.equal(segmentCount('😀'.repeat(36), false), 2);
});

test('batch ids are 20 digits: the acceptance second and six digits of the batch row id', () => {
  const at = new Date(2026, 10, 24, 8, 30, 15, 999);
  assert.equal(batchIdFor(at, 7), '20261124083015000007');
  assert.equal(batchIdFor(at, 123456789), '20261124083015456789');
  assert.equal(batchIdFor(new Date(2026, 0, 2, 3, 4, 5), 1_000_000), '20260102030405000000');
});

test('times print as java.sql.Timestamp did', () => {
  assert.equal(javaTimestamp(new Date(2012, 7, 16, 1, 5, 39, 0)), '2012-08-16 01:05:39.0');
  assert.equal(javaTimestamp(new Date(2012, 7, 16, 1, 5, 39, 500)), '2012-08-16 01:05:39.5');
  assert.equal(javaTimestamp(new Date(2012, 7, 16, 1, 5, 39, 57)), '2012-08-16 01:05:39.057');
});

test('passwords: BASE64 from the caller, stored as scrypt, verified once then cached', async () => {
  assert.equal(decodeBase64Password('MTIzNDU2'), '123456');
  assert.equal(decodeBase64Password(Buffer.from('密码1', 'utf8').toString('base64')), '密码1');
  assert.equal(decodeBase64Password('xOPLrbChPw=='), '你谁啊?', 'GBK bytes, as Java getBytes() on Chinese Windows made them');
  assert.equal(decodeBase64Password('not base64!'), '');
  const stored = await hashPassword('demo123');
  assert.match(stored, /^scrypt\$32768\$8\$1\$/);
  assert.ok(!stored.includes('demo123'));
  assert.equal(await verifyPassword('demo123', stored), true);
  assert.equal(await verifyPassword('demo124', stored), false);
  const cache = new VerifiedPasswordCache();
  assert.equal(cache.has('demo', 'demo123', stored), false);
  cache.remember('demo', 'demo123', stored);
  assert.equal(cache.has('demo', 'demo123', stored), true);
  assert.equal(cache.has('demo', 'wrong', stored), false);
  assert.equal(cache.has('demo', 'demo123', await hashPassword('demo123')), false, 'a changed hash misses');
});

test('retry backoff doubles and is capped', () => {
  assert.deepEqual(
    [1, 2, 3].map((n) => backoffMs(n, 1000)),
    [2000, 4000, 8000],
  );
  assert.equal(backoffMs(20, 1000), 300_000);
});
