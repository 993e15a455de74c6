import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Every balance movement, in the shape of the seeds' balance-change query (原条数, 变化, 余量, 业务, 操作人, 备注). */
@Entity({ name: 'balance_ledger' })
@Index('idx_ledger_account', ['accountId', 'id'])
export class BalanceLedger {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Column({ name: 'account_id', type: 'integer' }) accountId!: number;
  @Column({ type: 'integer' }) pool!: number;
  @Column({ type: 'integer' }) original!: number;
  /** Negative for a charge, positive for a top-up or refund. */
  @Column({ type: 'integer' }) amount!: number;
  @Column({ type: 'integer' }) remaining!: number;
  /** send, refund, topup */
  @Column({ type: 'varchar', length: 32 }) business!: string;
  @Column({ name: 'business_number', type: 'varchar', length: 32, nullable: true }) businessNumber!: string | null;
  @Column({ type: 'varchar', length: 64 }) operator!: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) notes!: string | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt!: Date;
}
