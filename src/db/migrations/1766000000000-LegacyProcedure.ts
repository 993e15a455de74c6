import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** The answers of PRO_DSFDXJK, as CONTRACTS.md §4 gives them (the seed's copy has stray spaces around them). */
export const LEGACY_PROCEDURE_NOTES = { sent: '发送成功', invalidNumber: '发送失败,无效的手机号码' } as const;

/** The values the seed's procedure writes into every row; kept in `legacy_send_settings` for an operator to change. */
export const LEGACY_PROCEDURE_DEFAULTS = { infotype: 8, userid: 1598, YYB: 1 } as const;

const utf8 = 'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci';

/**
 * The legacy stored procedure PRO_DSFDXJK (seed 000, an Oracle procedure) for MySQL/MariaDB, so that
 * a legacy system that called it keeps calling it: it normalizes the number, inserts one `send`
 * row the dispatcher picks up, answers (o_ret_code, o_ret_note) and logs through PRO_WRITELOG.
 * Also the log table PRO_WRITELOG writes and the one-row settings table the row's infotype/userid/YYB
 * come from. SQLite has no stored procedures: there this migration does nothing and legacy SQL
 * inserts into `send` directly (docs/send-table.md, "On SQLite").
 *
 * Each CREATE PROCEDURE is one driver query (no DELIMITER: that is a command-line client's word).
 * Every `send` column outside the eleven legacy ones is nullable or has a default (migration
 * 1764000000000), so the procedure's INSERT of the legacy columns needs no change to `send`.
 */
export class LegacyProcedure1766000000000 implements MigrationInterface {
  name = 'LegacyProcedure1766000000000';

  async up(q: QueryRunner): Promise<void> {
    if (!isMysql(q)) return;
    await q.createTable(
      new Table({
        name: 'legacy_send_settings',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true },
          { name: 'infotype', type: 'integer', isNullable: false },
          { name: 'userid', type: 'integer', isNullable: false },
          { name: 'YYB', type: 'integer', isNullable: false },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'legacy_log',
        columns: [
          { name: 'id', type: 'bigint', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'created_at', type: 'datetime', precision: 3, isNullable: false },
          { name: 'level', type: 'integer', isNullable: true },
          { name: 'title', type: 'varchar', length: '128', isNullable: true },
          { name: 'source', type: 'varchar', length: '64', isNullable: true },
          { name: 'kind', type: 'integer', isNullable: true },
          { name: 'note', type: 'varchar', length: '255', isNullable: true },
        ],
      }),
    );
    for (const table of ['legacy_send_settings', 'legacy_log']) {
      await q.query(`ALTER TABLE \`${table}\` CONVERT TO ${utf8}`);
    }
    const d = LEGACY_PROCEDURE_DEFAULTS;
    await q.query('INSERT INTO `legacy_send_settings` (`id`, `infotype`, `userid`, `YYB`) VALUES (1, ?, ?, ?)', [
      d.infotype,
      d.userid,
      d.YYB,
    ]);

    await q.query(`CREATE PROCEDURE \`PRO_WRITELOG\`(
  IN i_level INT,
  IN i_title VARCHAR(128) ${utf8},
  IN i_source VARCHAR(64) ${utf8},
  IN i_kind INT,
  IN i_note VARCHAR(255) ${utf8}
)
MODIFIES SQL DATA
BEGIN
  INSERT INTO \`legacy_log\` (\`created_at\`, \`level\`, \`title\`, \`source\`, \`kind\`, \`note\`)
  VALUES (NOW(3), i_level, i_title, i_source, i_kind, i_note);
END`);

    await q.query(`CREATE PROCEDURE \`PRO_DSFDXJK\`(
  OUT o_ret_code INT,
  OUT o_ret_note VARCHAR(64) ${utf8},
  IN i_HOSTNAME VARCHAR(64) ${utf8},
  IN i_INFOTO VARCHAR(64) ${utf8},
  IN i_RECVUSERID VARCHAR(64) ${utf8},
  IN i_CONTENT TEXT ${utf8}
)
MODIFIES SQL DATA
BEGIN
  DECLARE v_SJ VARCHAR(64) ${utf8};
  DECLARE v_infotype INT;
  DECLARE v_userid INT;
  DECLARE v_yyb INT;
  -- 1, the number: '0-' loses those two characters, '01' its leading 0, otherwise every '-' goes.
  SET v_SJ = CASE
    WHEN SUBSTR(i_INFOTO, 1, 2) = '0-' THEN SUBSTR(i_INFOTO, 3)
    WHEN SUBSTR(i_INFOTO, 1, 2) = '01' THEN SUBSTR(i_INFOTO, 2)
    ELSE REPLACE(i_INFOTO, '-', '')
  END;
  -- 2, valid when exactly 11 characters remain (a NULL number is not valid): one row for the dispatcher.
  IF CHAR_LENGTH(v_SJ) = 11 THEN
    SELECT COALESCE(MAX(\`infotype\`), ${d.infotype}), COALESCE(MAX(\`userid\`), ${d.userid}), COALESCE(MAX(\`YYB\`), ${d.YYB})
      INTO v_infotype, v_userid, v_yyb
      FROM \`legacy_send_settings\` WHERE \`id\` = 1;
    INSERT INTO \`send\` (\`Createtime\`, \`hostname\`, \`infotype\`, \`infoto\`, \`userid\`, \`RECVUSERID\`, \`content\`, \`contentsize\`, \`STATUS\`, \`YYB\`)
    VALUES (NOW(3), i_HOSTNAME, v_infotype, v_SJ, v_userid, i_RECVUSERID, i_CONTENT, CHAR_LENGTH(i_CONTENT), 0, v_yyb);
    SET o_ret_code = 1;
    SET o_ret_note = '${LEGACY_PROCEDURE_NOTES.sent}';
  ELSE
    SET o_ret_code = -1;
    SET o_ret_note = '${LEGACY_PROCEDURE_NOTES.invalidNumber}';
  END IF;
  CALL \`PRO_WRITELOG\`(2, '第三方短信发送', 'PRO_DSFDXJK', 2, o_ret_note);
END`);
  }

  async down(q: QueryRunner): Promise<void> {
    if (!isMysql(q)) return;
    await q.query('DROP PROCEDURE IF EXISTS `PRO_DSFDXJK`');
    await q.query('DROP PROCEDURE IF EXISTS `PRO_WRITELOG`');
    await q.dropTable('legacy_log');
    await q.dropTable('legacy_send_settings');
  }
}

function isMysql(q: QueryRunner): boolean {
  return q.connection.options.type === 'mysql' || q.connection.options.type === 'mariadb';
}
