import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `send.request_id`: the id of the HTTP request that accepted the row (src/requestLog.ts), so the
 * log lines of the vendor call that carries it and of the reports applied to it name the caller's
 * request. NULL for rows legacy SQL inserts. A plain ADD COLUMN on both databases: TypeORM's
 * addColumn rebuilds an SQLite table, which on a long `send` history would copy every row.
 */
export class RequestId1772000000000 implements MigrationInterface {
  name = 'RequestId1772000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE send ADD COLUMN request_id varchar(64) NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE send DROP COLUMN request_id');
  }
}
