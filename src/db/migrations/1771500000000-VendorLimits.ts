import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/**
 * Limits every node sharing the database honours together (src/dispatch/rateLimit.ts): a token
 * bucket per rate-limited vendor, and the vendor's open-request slots, each leased by the batch
 * holding it until a time after which another node may take it (so a dead node's slots come back).
 * Times are seconds since the epoch by the database's clock, the one clock every node shares.
 */
export class VendorLimits1771500000000 implements MigrationInterface {
  name = 'VendorLimits1771500000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql';
    await q.createTable(
      new Table({
        name: 'vendor_rate',
        columns: [
          { name: 'vendor', type: 'varchar', length: '32', isPrimary: true },
          { name: 'tokens', type: 'double', isNullable: false },
          { name: 'refilled_at', type: 'double', isNullable: false },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'vendor_slot',
        columns: [
          { name: 'vendor', type: 'varchar', length: '32', isPrimary: true },
          { name: 'slot', type: 'integer', isPrimary: true },
          { name: 'holder', type: 'varchar', length: '80', isNullable: true },
          { name: 'lease_until', type: 'double', isNullable: true },
        ],
        indices: [{ name: 'idx_vendor_slot_holder', columnNames: ['holder'] }],
      }),
    );
    if (mysql) {
      for (const table of ['vendor_rate', 'vendor_slot'])
        await q.query(`ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('vendor_slot');
    await q.dropTable('vendor_rate');
  }
}
