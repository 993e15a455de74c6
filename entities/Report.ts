import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A delivery report waiting to be fetched once by its account (getSmsReport and its twins). */
@Entity({ name: 'report' })
@Index('idx_report_fetch', ['accountId', 'fetchToken'])
export class Report {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Column({ name: 'account_id', type: 'integer' }) accountId!: number;
  @Column({ name: 'send_id', type: 'integer' }) sendId!: number;
  @Column({ name: 'batch_id', type: 'varchar', length: 20, nullable: true }) batchId!: string | null;
  @Column({ type: 'varchar', length: 32 }) mobile!: string;
  /** Legacy userApi codes: 1 success, 0 failure, 2 unknown. */
  @Column({ type: 'integer' }) status!: number;
  @Column({ type: 'varchar', length: 32, nullable: true }) code!: string | null;
  @Column({ name: 'send_time', type: 'datetime' }) sendTime!: Date;
  @Column({ name: 'report_time', type: 'datetime' }) reportTime!: Date;
  /** Set, together with fetched_at, by the one call that hands this report out. */
  @Column({ name: 'fetch_token', type: 'varchar', length: 36, nullable: true }) fetchToken!: string | null;
  @Column({ name: 'fetched_at', type: 'datetime', nullable: true }) fetchedAt!: Date | null;
}
