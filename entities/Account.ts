import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A legacy caller's account: its credentials, its three balance pools and its routing. */
@Entity({ name: 'account' })
export class Account {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Column({ type: 'varchar', length: 64, unique: true }) username!: string;
  /** scrypt hash (see src/core/passwords.ts); the plain password is never stored. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 }) passwordHash!: string;
  /** smstype 0 卡发 */
  @Column({ name: 'balance_card', type: 'integer', default: 0 }) balanceCard!: number;
  /** smstype 1 网关 */
  @Column({ name: 'balance_gateway', type: 'integer', default: 0 }) balanceGateway!: number;
  /** smstype 2 会员 */
  @Column({ name: 'balance_member', type: 'integer', default: 0 }) balanceMember!: number;
  /** Comma list of caller IPs allowed; empty allows all. */
  @Column({ name: 'ip_allow', type: 'varchar', length: 255, nullable: true }) ipAllow!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) signature!: string | null;
  /** 企业编号 (UMS SpCode): when set, a UMS call must give it. */
  @Column({ name: 'sp_code', type: 'varchar', length: 32, nullable: true }) spCode!: string | null;
  @Column({ name: 'ext_no', type: 'varchar', length: 16, nullable: true }) extNo!: string | null;
  /** Comma list of vendors in failover order; empty uses the gateway's default route. */
  @Column({ type: 'varchar', length: 255, nullable: true }) route!: string | null;
  @Column({ type: 'integer', default: 1 }) enabled!: number;
  /** Where this account's delivery reports are pushed (seed 000's MR GET); none: it fetches them. */
  @Column({ name: 'mr_url', type: 'varchar', length: 255, nullable: true }) mrUrl!: string | null;
  /** Where its replies are pushed as seed 000's MO GET. */
  @Column({ name: 'mo_url', type: 'varchar', length: 255, nullable: true }) moUrl!: string | null;
  /** Where its replies are pushed as the UMS XML packet (seed 000, 2.1.5). */
  @Column({ name: 'ums_reply_url', type: 'varchar', length: 255, nullable: true }) umsReplyUrl!: string | null;
  /** 1: every text this account sends must carry its signature 【…】 (the audit refuses it otherwise). */
  @Column({ name: 'require_signature', type: 'integer', default: 0 }) requireSignature!: number;
  /**
   * Per-number frequency limits, `count/seconds,…` (src/core/numberLimits.ts); null: none. At most
   * `count` messages to one number (and signature) in any `seconds`, checked at accept time.
   */
  @Column({ name: 'number_limits', type: 'varchar', length: 255, nullable: true }) numberLimits!: string | null;
  /** Which texts the limits apply to: `codes` (those recognised as verification codes) or `all`. */
  @Column({ name: 'number_limit_scope', type: 'varchar', length: 8, default: 'codes' }) numberLimitScope!: string;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt!: Date;
  /**
   * The legacy `userid` a legacy system writes into `send.userid` for this account (PRO_DSFDXJK's
   * 1598): rows inserted with it are charged to and reported to this account (docs/send-table.md).
   */
  @Index('uq_account_legacy_userid', { unique: true })
  @Column({ name: 'legacy_userid', type: 'integer', nullable: true })
  legacyUserId!: number | null;
}
