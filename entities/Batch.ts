import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One accepted send call. Its auto-increment id, allocated by the database, is what makes batch
 * ids unique across any number of gateway nodes sharing the database, with nothing to configure.
 */
@Entity({ name: 'batch' })
@Index('uq_batch_serial', ['accountId', 'serial'], { unique: true })
export class Batch {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Column({ name: 'account_id', type: 'integer' }) accountId!: number;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt!: Date;
  /** Valid numbers stored for sending. */
  @Column({ type: 'integer' }) recipients!: number;
  @Column({ type: 'integer' }) segments!: number;
  /** What the batch took from the pool: segments × recipients. */
  @Column({ type: 'integer' }) cost!: number;
  /** The caller's 流水号 (UMS), unique per account: a repeated submit is answered like the first, not sent twice. */
  @Column({ type: 'varchar', length: 32, nullable: true }) serial!: string | null;
  /** Hash of what the call asked for, to tell a repeat of it from another call reusing its serial number. */
  @Column({ type: 'varchar', length: 64, nullable: true }) fingerprint!: string | null;
}
