import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createConnection } from 'mysql2/promise';
import { openDatabase } from '../src/db/datasource';
import { inTransaction } from '../src/db/transaction';
import { createTestDatabase } from './support/gateway';

test('on MariaDB a transaction chosen as a deadlock victim is run again', async () => {
  const made = await createTestDatabase('mysql');
  const db = await openDatabase(made.databaseUrl);
  const other = await createConnection(made.databaseUrl);
  try {
    await db.query("INSERT INTO account (username, password_hash, created_at) VALUES ('a', 'x', NOW()), ('b', 'x', NOW())");
    for (let i = 0; i < 5; i++) {
      await db.query(
        "INSERT INTO balance_ledger (account_id, pool, original, amount, remaining, business, operator, created_at) VALUES (1, 1, 0, 0, 0, 'seed', 't', NOW())",
      );
    }
    // The other session locks b and does more work, so InnoDB picks ours, the lighter one, as the victim.
    await other.query('START TRANSACTION');
    await other.query('UPDATE balance_ledger SET notes = ? WHERE account_id = 1', ['heavier']);
    await other.query("UPDATE account SET balance_card = balance_card + 1 WHERE username = 'b'");

    let attempts = 0;
    let otherCommitted: Promise<unknown> | null = null;
    await inTransaction(db, async (m) => {
      attempts++;
      await m.query("UPDATE account SET balance_card = balance_card + 10 WHERE username = 'a'");
      if (attempts === 1) {
        // Now the other session wants a (held by us) while we want b (held by it): a deadlock.
        otherCommitted = other
          .query("UPDATE account SET balance_card = balance_card + 1 WHERE username = 'a'")
          .then(() => other.query('COMMIT'));
        await new Promise((r) => setTimeout(r, 200));
      }
      await m.query("UPDATE account SET balance_card = balance_card + 10 WHERE username = 'b'");
    });
    await otherCommitted;
    assert.equal(attempts, 2, 'the first attempt was rolled back as the deadlock victim, the second committed');
    const rows: { username: string; balance_card: number }[] = await db.query(
      'SELECT username, balance_card FROM account ORDER BY username',
    );
    assert.deepEqual(
      rows.map((r) => [r.username, Number(r.balance_card)]),
      [
        ['a', 11],
        ['b', 11],
      ],
    );
  } finally {
    await other.end();
    await db.destroy();
    await made.drop();
  }
});
