/**
 * Account lookups of one event-loop turn share one statement (src/core/accept/accountReads.ts):
 * on a fake reader, how many statements a turn takes and what each caller gets; on both databases,
 * that the shared statement authenticates exactly as one statement per call did (MySQL's collation
 * folds case, SQLite's does not) and still reads the row as it is at the call.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { Account } from '../entities';
import { type Core, createCore } from '../src/core';
import { AccountReads, accountsByUsername } from '../src/core/accept/accountReads';
import { openDatabase } from '../src/db/datasource';
import type { Failure } from '../src/core/failures';
import { createTestDatabase, DIALECTS } from './support/gateway';

describe('AccountReads on a fake reader', () => {
  const rows = { columns: 'id, username', from: (row: Record<string, unknown>) => Object.assign(new Account(), row) };

  test('the lookups of one turn share one read; each caller gets an object of its own; an unknown name gets null', async () => {
    const asked: string[][] = [];
    const reads = new AccountReads(async (names) => {
      asked.push(names);
      return new Map(names.filter((n) => n !== 'nobody').map((n) => [n, { id: n.length, username: n }]));
    }, rows);
    const found = await Promise.all(['erp', 'crm', 'erp', 'nobody', 'erp'].map((n) => reads.find(n)));
    assert.deepEqual(asked, [['erp', 'crm', 'nobody']]);
    assert.deepEqual(
      found.map((a) => a?.username ?? null),
      ['erp', 'crm', 'erp', null, 'erp'],
    );
    assert.notEqual(found[0], found[2], 'callers do not share an Account object');
    await reads.find('erp');
    assert.equal(asked.length, 2, 'a later turn reads again: nothing is cached');
  });

  test('many names are read 50 to a statement; a failed read fails the callers of its names only', async () => {
    const asked: number[] = [];
    const reads = new AccountReads(async (names) => {
      asked.push(names.length);
      if (names.includes('u60')) throw new Error('database gone');
      return new Map(names.map((n) => [n, { id: 1, username: n }]));
    }, rows);
    const names = Array.from({ length: 70 }, (_, i) => `u${i}`);
    const settled = await Promise.allSettled(names.map((n) => reads.find(n)));
    assert.deepEqual(asked, [50, 20]);
    assert.equal(settled.slice(0, 50).filter((s) => s.status === 'fulfilled').length, 50);
    assert.ok(settled.slice(50).every((s) => s.status === 'rejected' && /database gone/.test(String(s.reason))));
  });

  test('the statement asks once per name, each row carrying the name it was asked for', () => {
    assert.equal(
      accountsByUsername('id', 2),
      'SELECT ? AS wanted, id FROM account WHERE username = ? UNION ALL SELECT ? AS wanted, id FROM account WHERE username = ?',
    );
  });
});

for (const dialect of DIALECTS) {
  describe(`account lookups on ${dialect}`, () => {
    let db: DataSource;
    let core: Core;
    let drop: () => Promise<void>;

    before(async () => {
      const made = await createTestDatabase(dialect);
      drop = made.drop;
      db = await openDatabase(made.databaseUrl);
      core = createCore(db);
      await core.accounts.create('erp', 'pw-erp', { 1: 10 });
      await core.accounts.create('crm', 'pw-crm', { 1: 10 });
    });
    after(async () => {
      await db?.destroy();
      await drop?.();
    });

    test('concurrent callers of several accounts are each authenticated, or refused, as alone', async () => {
      const calls: [string, string][] = [
        ['erp', 'pw-erp'],
        ['crm', 'pw-crm'],
        ['erp', 'wrong'],
        ['nobody', 'pw-erp'],
        ['ERP', 'pw-erp'],
      ];
      const settled = await Promise.allSettled(calls.map(([u, p]) => core.accounts.authenticate(u, p)));
      const outcome = settled.map((s) => (s.status === 'fulfilled' ? s.value.username : (s.reason as Failure).code));
      // MySQL compares usernames in the column's case-insensitive collation, SQLite byte for byte.
      assert.deepEqual(outcome, ['erp', 'crm', 'badCredentials', 'badCredentials', dialect === 'mysql' ? 'erp' : 'badCredentials']);
    });

    test('the row is read at the call: a disabled account is refused from the next call on', async () => {
      assert.equal((await core.accounts.authenticate('crm', 'pw-crm')).enabled, 1);
      await db.getRepository(Account).update({ username: 'crm' }, { enabled: 0 });
      await assert.rejects(core.accounts.authenticate('crm', 'pw-crm'), (err: Failure) => err.code === 'accountDisabled');
    });
  });
}
