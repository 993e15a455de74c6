import { type MigrationInterface, type QueryRunner, TableColumn, TableIndex } from 'typeorm';

/**
 * The UMS contract: an account's 企业编号 (SpCode, checked when set), and the 流水号 (serial
 * number) a caller gives a send, unique per account so that a repeated submit is recognized and
 * answered like the first instead of sent and charged twice; `fingerprint` tells a repeat of the
 * same request from a different request that reuses the number.
 */
export class UmsContract1769000000000 implements MigrationInterface {
  name = 'UmsContract1769000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('account', new TableColumn({ name: 'sp_code', type: 'varchar', length: '32', isNullable: true }));
    await q.addColumn('batch', new TableColumn({ name: 'serial', type: 'varchar', length: '32', isNullable: true }));
    await q.addColumn('batch', new TableColumn({ name: 'fingerprint', type: 'varchar', length: '64', isNullable: true }));
    await q.createIndex('batch', new TableIndex({ name: 'uq_batch_serial', columnNames: ['account_id', 'serial'], isUnique: true }));
    // On every row too: the contract returns it with each message's report.
    await q.addColumn('send', new TableColumn({ name: 'serial', type: 'varchar', length: '32', isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('send', 'serial');
    await q.dropIndex('batch', 'uq_batch_serial');
    await q.dropColumn('batch', 'fingerprint');
    await q.dropColumn('batch', 'serial');
    await q.dropColumn('account', 'sp_code');
  }
}
