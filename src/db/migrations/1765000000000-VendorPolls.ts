import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';

/**
 * Real vendors: replies no account can be found for are kept unassigned (account_id NULL), a
 * vendor's repeated push of a reply is recognized by its key, and each vendor poller holds a lease
 * so that one node at a time fetches a queue the vendor hands out once.
 */
export class VendorPolls1765000000000 implements MigrationInterface {
  name = 'VendorPolls1765000000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.changeColumn(
      'reply',
      'account_id',
      new TableColumn({ name: 'account_id', type: mysql ? 'bigint' : 'integer', isNullable: true }),
    );
    await q.addColumn('reply', new TableColumn({ name: 'vendor_key', type: 'varchar', length: '64', isNullable: true }));
    await q.createIndex('reply', new TableIndex({ name: 'idx_reply_vendor_key', columnNames: ['vendor', 'vendor_key'], isUnique: true }));
    await q.createTable(
      new Table({
        name: 'vendor_lease',
        columns: [
          { name: 'name', type: 'varchar', length: '96', isPrimary: true },
          { name: 'owner', type: 'varchar', length: '64', isNullable: false },
          { name: 'lease_until', type: 'datetime', isNullable: false, ...(mysql ? { precision: 3 } : {}) },
        ],
      }),
    );
    if (mysql) await q.query('ALTER TABLE `vendor_lease` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('vendor_lease');
    await q.dropIndex('reply', 'idx_reply_vendor_key');
    await q.dropColumn('reply', 'vendor_key');
  }
}
