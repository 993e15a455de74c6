import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A delivery report that arrived before its message's vendor id was recorded: fast vendors push
 * reports within milliseconds, sometimes before the dispatcher has committed their acceptance.
 * It is applied as soon as the dispatcher records that vendor id.
 */
@Entity({ name: 'parked_report' })
@Index('idx_parked_vendor_msg', ['vendor', 'vendorMsgId'])
export class ParkedReport {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Column({ type: 'varchar', length: 32 }) vendor!: string;
  @Column({ name: 'vendor_msgid', type: 'varchar', length: 64 }) vendorMsgId!: string;
  @Column({ type: 'varchar', length: 32, nullable: true }) mobile!: string | null;
  /** A DeliveryStatus: delivered, undelivered, expired, rejected or unknown. */
  @Column({ type: 'varchar', length: 16 }) outcome!: string;
  @Column({ type: 'varchar', length: 32 }) code!: string;
  @Column({ name: 'report_time', type: 'datetime' }) reportTime!: Date;
  @Column({ name: 'parked_at', type: 'datetime' }) parkedAt!: Date;
}
