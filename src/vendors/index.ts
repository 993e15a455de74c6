import { type Config, ConfigError } from '../config';
import { SimulatorVendor } from './simulator';
import type { Vendor, VendorEvents } from './types';

/** Builds the configured vendors by name. Each new adapter adds one line here. */
export function createVendors(config: Config, events: VendorEvents): Map<string, Vendor> {
  const vendors = new Map<string, Vendor>();
  const factories: Record<string, () => Vendor> = {
    simulator: () => new SimulatorVendor(config.simulator, events),
  };
  for (const name of new Set(['simulator', ...config.vendors])) {
    const make = factories[name];
    if (!make) throw new ConfigError(`VENDORS names an unknown vendor "${name}" (known: ${Object.keys(factories).join(', ')})`);
    vendors.set(name, make());
  }
  return vendors;
}
