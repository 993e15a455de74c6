import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * Rows a legacy system inserts into `send` carry its own user id in `userid` (PRO_DSFDXJK writes
 * 1598); `account.legacy_userid` says which account such a row is charged to and reported to
 * (docs/send-table.md). Unique: one legacy user id belongs to one account; NULL for most accounts.
 */
export class LegacyUserId1767000000000 implements MigrationInterface {
  name = 'LegacyUserId1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('account', new TableColumn({ name: 'legacy_userid', type: 'integer', isNullable: true }));
    await q.createIndex('account', new TableIndex({ name: 'uq_account_legacy_userid', columnNames: ['legacy_userid'], isUnique: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('account', 'uq_account_legacy_userid');
    await q.dropColumn('account', 'legacy_userid');
  }
}
