import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A forbidden word of the content audit: for every account (account_id NULL) or for one. Rules
 * are read by every node every second, so a word added here applies everywhere without a restart.
 */
@Entity({ name: 'audit_rule' })
@Index('uq_audit_rule', ['word', 'accountKey'], { unique: true })
export class AuditRule {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Column({ type: 'varchar', length: 64 }) word!: string;
  @Column({ name: 'account_id', type: 'integer', nullable: true }) accountId!: number | null;
  /** account_id, or 0 for every account: NULLs never collide in a unique index, so the index keys on this. */
  @Column({ name: 'account_key', type: 'integer', default: 0 }) accountKey!: number;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt!: Date;
}
