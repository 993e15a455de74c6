import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The recent sends to one number under one signature, for an account with per-number limits:
 * only what the limits need (as many of the latest sends as the largest count), one row per number.
 * Written in the accept transaction, under the account's row lock, so every node sees the same count.
 */
@Entity({ name: 'number_window' })
@Index('idx_number_window_last', ['accountId', 'lastAt'])
export class NumberWindow {
  @PrimaryColumn({ name: 'account_id', type: 'integer' }) accountId!: number;
  /** The signature of the texts counted here, without 【】; '' for unsigned texts. */
  @PrimaryColumn({ name: 'signature', type: 'varchar', length: 20 }) signature!: string;
  @PrimaryColumn({ name: 'mobile', type: 'varchar', length: 11 }) mobile!: string;
  /** Accept times in epoch milliseconds, comma-separated, oldest first. */
  @Column({ name: 'sends', type: 'varchar', length: 1000 }) sends!: string;
  /** The latest of them: a row older than the account's longest window is removed. */
  @Column({ name: 'last_at', type: 'bigint' }) lastAt!: string;
}
