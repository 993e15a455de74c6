import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Which node runs a vendor's poller, until when. A poll of a queue the vendor hands out once
 * must run on one node at a time, whatever the number of nodes sharing the database.
 */
@Entity({ name: 'vendor_lease' })
export class VendorLease {
  @PrimaryColumn({ type: 'varchar', length: 96 }) name!: string;
  @Column({ type: 'varchar', length: 64 }) owner!: string;
  @Column({ name: 'lease_until', type: 'datetime' }) leaseUntil!: Date;
}
