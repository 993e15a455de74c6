/**
 * The route choice a claimed row gets (src/dispatch/carriers.ts): which vendor of its route, in turn order, carries
 * it, when template-only vendors refuse texts and breakers hold vendors out.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickCarrier } from '../../src/dispatch/carriers';
import type { OutboundMessage, Vendor } from '../../src/vendors/types';

const message: OutboundMessage = {
  id: 1,
  mobile: '13800138000',
  content: '您好',
  isLong: false,
  segments: 1,
  extNo: null,
  signature: null,
};
const freeText = (name: string): Vendor => ({ name, send: async () => [] });
const templateOnly = (name: string): Vendor => ({ ...freeText(name), refusal: () => 'no template matches the text' });

test('the first vendor in turn that can carry the text and whose breaker admits it', () => {
  const asked: string[] = [];
  const admits = (name: string) => {
    asked.push(name);
    return name !== 'b';
  };
  const chosen = pickCarrier([templateOnly('t'), freeText('b'), freeText('c')], message, admits);
  assert.ok('vendor' in chosen && !('refused' in chosen), JSON.stringify(chosen));
  assert.equal(chosen.vendor.name, 'c');
  // A breaker is asked only about vendors that could carry the row: asking may make it the probe.
  assert.deepEqual(asked, ['b', 'c']);
});

test('held while every vendor that could carry it is out, even if others refuse the text', () => {
  assert.deepEqual(
    pickCarrier([templateOnly('t'), freeText('b')], message, () => false),
    { held: true },
  );
});

test('refused with every reason when no vendor of the route can carry the text', () => {
  assert.deepEqual(
    pickCarrier([templateOnly('t1'), templateOnly('t2')], message, () => true),
    {
      vendor: 't1',
      refused: 'no vendor of the route can carry this text (t1: no template matches the text; t2: no template matches the text)',
    },
  );
});
