import { type MigrationInterface, type QueryRunner, Table, TableColumn } from 'typeorm';

/**
 * Per-number frequency limits (聚合数据's 1 per 30 s, 2 per minute, 3 per 30 minutes, or an
 * account's own): the account's windows and scope, and the recent sends to each number they count.
 */
export class NumberLimits1771200000000 implements MigrationInterface {
  name = 'NumberLimits1771200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('account', new TableColumn({ name: 'number_limits', type: 'varchar', length: '255', isNullable: true }));
    await q.addColumn(
      'account',
      new TableColumn({ name: 'number_limit_scope', type: 'varchar', length: '8', isNullable: false, default: "'codes'" }),
    );
    await q.createTable(
      new Table({
        name: 'number_window',
        columns: [
          { name: 'account_id', type: 'integer', isPrimary: true },
          { name: 'signature', type: 'varchar', length: '20', isPrimary: true },
          { name: 'mobile', type: 'varchar', length: '11', isPrimary: true },
          { name: 'sends', type: 'varchar', length: '1000', isNullable: false },
          { name: 'last_at', type: 'bigint', isNullable: false },
        ],
        indices: [{ name: 'idx_number_window_last', columnNames: ['account_id', 'last_at'] }],
      }),
    );
    if (q.connection.options.type === 'mysql')
      await q.query('ALTER TABLE `number_window` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('number_window');
    await q.dropColumn('account', 'number_limit_scope');
    await q.dropColumn('account', 'number_limits');
  }
}
