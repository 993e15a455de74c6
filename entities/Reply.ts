import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An inbound message (上行回复) waiting to be fetched once by its account. A reply no account can
 * be found for is kept with no account, for operators to see, never dropped.
 */
@Entity({ name: 'reply' })
@Index('idx_reply_fetch', ['accountId', 'fetchToken'])
@Index('idx_reply_vendor_key', ['vendor', 'vendorKey'], { unique: true })
export class Reply {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Column({ name: 'account_id', type: 'integer', nullable: true }) accountId!: number | null;
  @Column({ type: 'varchar', length: 32 }) mobile!: string;
  /** The legacy `receiver`: the account's username ('' while unassigned). */
  @Column({ type: 'varchar', length: 64 }) receiver!: string;
  @Column({ type: 'text' }) content!: string;
  @Column({ name: 'ext_no', type: 'varchar', length: 16, nullable: true }) extNo!: string | null;
  @Column({ type: 'varchar', length: 32, nullable: true }) vendor!: string | null;
  /** Identifies the vendor's message, so that a repeated push or poll does not queue it twice. */
  @Column({ name: 'vendor_key', type: 'varchar', length: 64, nullable: true }) vendorKey!: string | null;
  @Column({ name: 'received_at', type: 'datetime' }) receivedAt!: Date;
  @Column({ name: 'fetch_token', type: 'varchar', length: 36, nullable: true }) fetchToken!: string | null;
  @Column({ name: 'fetched_at', type: 'datetime', nullable: true }) fetchedAt!: Date | null;
}
