import { type MigrationInterface, type QueryRunner, Table, TableColumn } from 'typeorm';

/**
 * Pushes to the customer: where an account wants its reports and replies (seed 000's MR and MO
 * GETs, the UMS reply POST), and the push outbox that carries each one until it is acknowledged.
 */
export class CustomerPush1770000000000 implements MigrationInterface {
  name = 'CustomerPush1770000000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    for (const name of ['mr_url', 'mo_url', 'ums_reply_url']) {
      await q.addColumn('account', new TableColumn({ name, type: 'varchar', length: '255', isNullable: true }));
    }
    const time = mysql ? { precision: 3 } : {};
    await q.createTable(
      new Table({
        name: 'customer_push',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'account_id', type: 'integer', isNullable: false },
          { name: 'kind', type: 'varchar', length: '16', isNullable: false },
          { name: 'source_id', type: 'integer', isNullable: false },
          { name: 'created_at', type: 'datetime', isNullable: false, ...time },
          { name: 'attempts', type: 'integer', isNullable: false, default: 0 },
          { name: 'next_attempt_at', type: 'datetime', isNullable: true, ...time },
          { name: 'lease_owner', type: 'varchar', length: '64', isNullable: true },
          { name: 'lease_until', type: 'datetime', isNullable: true, ...time },
          { name: 'acked_at', type: 'datetime', isNullable: true, ...time },
          { name: 'last_error', type: 'varchar', length: '255', isNullable: true },
        ],
        indices: [
          { name: 'uq_customer_push_source', columnNames: ['kind', 'source_id'], isUnique: true },
          { name: 'idx_customer_push_due', columnNames: ['acked_at', 'next_attempt_at'] },
        ],
      }),
    );
    if (mysql) await q.query('ALTER TABLE `customer_push` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('customer_push');
    for (const name of ['ums_reply_url', 'mo_url', 'mr_url']) await q.dropColumn('account', name);
  }
}
