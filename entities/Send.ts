import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Status codes of the legacy `STATUS` column (documented in docs/send-table.md).
 * A row inserted by a legacy system's own SQL carries 0 and is dispatched like any other.
 */
export const SendStatus = { waiting: 0, submitted: 1, delivered: 2, failed: 3 } as const;

/**
 * The legacy `send` table. The first eleven columns keep the names of the documented table
 * (see PRO_DSFDXJK) so that legacy SQL keeps working; the gateway's own columns follow.
 */
@Entity({ name: 'send' })
@Index('idx_send_due', ['STATUS', 'nextAttemptAt'])
@Index('idx_send_batch', ['batchId'])
@Index('idx_send_vendor_msg', ['vendor', 'vendorMsgId'])
export class Send {
  @PrimaryGeneratedColumn({ name: 'ID', type: 'integer' }) ID!: number;
  @Column({ name: 'Createtime', type: 'datetime' }) Createtime!: Date;
  @Column({ name: 'hostname', type: 'varchar', length: 64, nullable: true }) hostname!: string | null;
  @Column({ name: 'infotype', type: 'integer', nullable: true }) infotype!: number | null;
  @Column({ name: 'infoto', type: 'varchar', length: 32 }) infoto!: string;
  @Column({ name: 'userid', type: 'integer', nullable: true }) userid!: number | null;
  @Column({ name: 'RECVUSERID', type: 'varchar', length: 64, nullable: true }) RECVUSERID!: string | null;
  @Column({ name: 'content', type: 'text' }) content!: string;
  @Column({ name: 'contentsize', type: 'integer', nullable: true }) contentsize!: number | null;
  @Column({ name: 'STATUS', type: 'integer', default: 0 }) STATUS!: number;
  @Column({ name: 'YYB', type: 'integer', nullable: true }) YYB!: number | null;

  @Column({ name: 'batch_id', type: 'varchar', length: 20, nullable: true }) batchId!: string | null;
  @Column({ name: 'account_id', type: 'integer', nullable: true }) accountId!: number | null;
  /** Balance pool: 0 卡发 card, 1 网关 gateway, 2 会员 member. */
  @Column({ name: 'msg_type', type: 'integer', nullable: true }) msgType!: number | null;
  @Column({ name: 'is_long', type: 'integer', default: 0 }) isLong!: number;
  @Column({ name: 'segments', type: 'integer', default: 1 }) segments!: number;
  /** What this row took from the balance, so that a final failure refunds exactly that. */
  @Column({ name: 'charged', type: 'integer', default: 0 }) charged!: number;
  @Column({ name: 'vendor', type: 'varchar', length: 32, nullable: true }) vendor!: string | null;
  @Column({ name: 'vendor_msgid', type: 'varchar', length: 64, nullable: true }) vendorMsgId!: string | null;
  @Column({ name: 'attempts', type: 'integer', default: 0 }) attempts!: number;
  @Column({ name: 'next_attempt_at', type: 'datetime', nullable: true }) nextAttemptAt!: Date | null;
  @Column({ name: 'claim_owner', type: 'varchar', length: 64, nullable: true }) claimOwner!: string | null;
  @Column({ name: 'lease_until', type: 'datetime', nullable: true }) leaseUntil!: Date | null;
  @Column({ name: 'scheduled_at', type: 'datetime', nullable: true }) scheduledAt!: Date | null;
  @Column({ name: 'submitted_at', type: 'datetime', nullable: true }) submittedAt!: Date | null;
  /** The vendor's own report code (DELIVRD, UNDELIV, …). */
  @Column({ name: 'report_status', type: 'varchar', length: 32, nullable: true }) reportStatus!: string | null;
  @Column({ name: 'report_time', type: 'datetime', nullable: true }) reportTime!: Date | null;
  @Column({ name: 'last_error', type: 'varchar', length: 255, nullable: true }) lastError!: string | null;
  /** The caller's 流水号 (UMS), returned with this message's report. */
  @Column({ type: 'varchar', length: 32, nullable: true }) serial!: string | null;
  /** The HTTP request that accepted the row (src/requestLog.ts); NULL for rows legacy SQL inserts. */
  @Column({ name: 'request_id', type: 'varchar', length: 64, nullable: true }) requestId!: string | null;
}
