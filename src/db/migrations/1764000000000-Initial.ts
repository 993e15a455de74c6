import { type MigrationInterface, type QueryRunner, Table, type TableColumnOptions, TableIndex } from 'typeorm';

/**
 * The first schema, written once for both dialects through TypeORM's schema builder.
 * Ids are BIGINT on MySQL (a busy gateway outgrows INT) and INTEGER on SQLite, where only
 * INTEGER PRIMARY KEY is an auto-increment rowid.
 */
export class Initial1764000000000 implements MigrationInterface {
  name = 'Initial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    const mysql = q.connection.options.type === 'mysql' || q.connection.options.type === 'mariadb';
    const idType = mysql ? 'bigint' : 'integer';
    const id = (name = 'id'): TableColumnOptions => ({
      name,
      type: idType,
      isPrimary: true,
      isGenerated: true,
      generationStrategy: 'increment',
    });
    const ref = (name: string, nullable = false): TableColumnOptions => ({ name, type: idType, isNullable: nullable });
    const int = (name: string, def?: number, nullable = false): TableColumnOptions => ({
      name,
      type: 'integer',
      isNullable: nullable,
      default: def,
    });
    const str = (name: string, length: number, nullable = true): TableColumnOptions => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
    });
    // Millisecond times on MySQL too: leases and retry times are compared at sub-second scale.
    const time = (name: string, nullable = true): TableColumnOptions => ({
      name,
      type: 'datetime',
      isNullable: nullable,
      ...(mysql ? { precision: 3 } : {}),
    });
    const text = (name: string): TableColumnOptions => ({ name, type: 'text' });

    const tables = [
      new Table({
        name: 'send',
        columns: [
          id('ID'),
          time('Createtime', false),
          str('hostname', 64),
          int('infotype', undefined, true),
          str('infoto', 32, false),
          int('userid', undefined, true),
          str('RECVUSERID', 64),
          text('content'),
          int('contentsize', undefined, true),
          int('STATUS', 0),
          int('YYB', undefined, true),
          str('batch_id', 20),
          ref('account_id', true),
          int('msg_type', undefined, true),
          int('is_long', 0),
          int('segments', 1),
          int('charged', 0),
          str('vendor', 32),
          str('vendor_msgid', 64),
          int('attempts', 0),
          time('next_attempt_at'),
          str('claim_owner', 64),
          time('lease_until'),
          time('scheduled_at'),
          time('submitted_at'),
          str('report_status', 32),
          time('report_time'),
          str('last_error', 255),
        ],
        indices: [
          new TableIndex({ name: 'idx_send_due', columnNames: ['STATUS', 'next_attempt_at'] }),
          new TableIndex({ name: 'idx_send_batch', columnNames: ['batch_id'] }),
          new TableIndex({ name: 'idx_send_vendor_msg', columnNames: ['vendor', 'vendor_msgid'] }),
        ],
      }),
      new Table({
        name: 'batch',
        columns: [id(), ref('account_id'), time('created_at', false), int('recipients'), int('segments'), int('cost')],
      }),
      new Table({
        name: 'account',
        columns: [
          id(),
          str('username', 64, false),
          str('password_hash', 255, false),
          int('balance_card', 0),
          int('balance_gateway', 0),
          int('balance_member', 0),
          str('ip_allow', 255),
          str('signature', 32),
          str('ext_no', 16),
          str('route', 255),
          int('enabled', 1),
          time('created_at', false),
        ],
        indices: [new TableIndex({ name: 'uq_account_username', columnNames: ['username'], isUnique: true })],
      }),
      new Table({
        name: 'balance_ledger',
        columns: [
          id(),
          ref('account_id'),
          int('pool'),
          int('original'),
          int('amount'),
          int('remaining'),
          str('business', 32, false),
          str('business_number', 32),
          str('operator', 64, false),
          str('notes', 255),
          time('created_at', false),
        ],
        indices: [new TableIndex({ name: 'idx_ledger_account', columnNames: ['account_id', 'id'] })],
      }),
      new Table({
        name: 'report',
        columns: [
          id(),
          ref('account_id'),
          ref('send_id'),
          str('batch_id', 20),
          str('mobile', 32, false),
          int('status'),
          str('code', 32),
          time('send_time', false),
          time('report_time', false),
          str('fetch_token', 36),
          time('fetched_at'),
        ],
        indices: [new TableIndex({ name: 'idx_report_fetch', columnNames: ['account_id', 'fetch_token'] })],
      }),
      new Table({
        name: 'parked_report',
        columns: [
          id(),
          str('vendor', 32, false),
          str('vendor_msgid', 64, false),
          str('mobile', 32),
          str('outcome', 16, false),
          str('code', 32, false),
          time('report_time', false),
          time('parked_at', false),
        ],
        indices: [new TableIndex({ name: 'idx_parked_vendor_msg', columnNames: ['vendor', 'vendor_msgid'] })],
      }),
      new Table({
        name: 'reply',
        columns: [
          id(),
          ref('account_id'),
          str('mobile', 32, false),
          str('receiver', 64, false),
          text('content'),
          str('ext_no', 16),
          str('vendor', 32),
          time('received_at', false),
          str('fetch_token', 36),
          time('fetched_at'),
        ],
        indices: [new TableIndex({ name: 'idx_reply_fetch', columnNames: ['account_id', 'fetch_token'] })],
      }),
    ];
    for (const table of tables) {
      await q.createTable(table);
      // Chinese content and names must survive whatever default charset the server was installed with.
      if (mysql) await q.query(`ALTER TABLE \`${table.name}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const name of ['reply', 'parked_report', 'report', 'balance_ledger', 'account', 'batch', 'send']) await q.dropTable(name);
  }
}
