import { type MigrationInterface, type QueryRunner, Table, TableColumn } from 'typeorm';

/** The content audit: forbidden words (for all accounts or one) and the accounts that must sign their texts. */
export class Audit1768000000000 implements MigrationInterface {
  name = 'Audit1768000000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.createTable(
      new Table({
        name: 'audit_rule',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'word', type: 'varchar', length: '64', isNullable: false },
          { name: 'account_id', type: 'integer', isNullable: true },
          { name: 'account_key', type: 'integer', isNullable: false, default: 0 },
          { name: 'created_at', type: 'datetime', isNullable: false },
        ],
        indices: [{ name: 'uq_audit_rule', columnNames: ['word', 'account_key'], isUnique: true }],
      }),
    );
    if (mysql) await q.query('ALTER TABLE `audit_rule` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
    await q.addColumn('account', new TableColumn({ name: 'require_signature', type: 'integer', isNullable: false, default: 0 }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('account', 'require_signature');
    await q.dropTable('audit_rule');
  }
}
