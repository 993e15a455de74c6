import type { Logger } from '../logger';
import type { VendorConfig } from './config';
import { simulator } from './simulator';
import type { Vendor, VendorContext, VendorType } from './types';

/** Every adapter, by its fixed type name. A new adapter adds one entry here. */
export const VENDOR_TYPES: VendorType[] = [simulator];

/** Builds the configured vendors by name. */
export function createVendors(configs: Map<string, VendorConfig>, store: VendorContext['store'], log: Logger): Map<string, Vendor> {
  const vendors = new Map<string, Vendor>();
  for (const [name, { type, settings }] of configs) {
    const adapter = VENDOR_TYPES.find((t) => t.type === type)!;
    vendors.set(name, adapter.create(settings, { name, store, log: log.child({ vendor: name }) }));
  }
  return vendors;
}
