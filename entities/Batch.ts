import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One accepted send call. Its auto-increment id, allocated by the database, is what makes batch
 * ids unique across any number of gateway nodes sharing the database, with nothing to configure.
 */
@Entity({ name: 'batch' })
export class Batch {
  @PrimaryGeneratedColumn({ type: 'integer' }) id!: number;
  @Column({ name: 'account_id', type: 'integer' }) accountId!: number;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt!: Date;
  /** Valid numbers stored for sending. */
  @Column({ type: 'integer' }) recipients!: number;
  @Column({ type: 'integer' }) segments!: number;
  /** What the batch took from the pool: segments × recipients. */
  @Column({ type: 'integer' }) cost!: number;
}
