import type { Logger } from '../logger';
import { aliyun } from './aliyun';
import { aspsms } from './aspsms';
import { chanzor } from './chanzor';
import type { VendorConfig } from './config';
import { hi8d } from './hi8d';
import { configuredHttp } from './http';
import { juhe } from './juhe';
import { jzyyun } from './jzyyun';
import { kannel } from './kannel';
import { ptsms } from './ptsms';
import { simulator } from './simulator';
import { smpp } from './smpp';
import { sms112088 } from './sms112088';
import type { Vendor, VendorContext, VendorType } from './types';
import { tencent } from './tencent';
import { ums } from './ums';

/** Every adapter, by its fixed type name. A new adapter adds one entry here. */
export const VENDOR_TYPES: VendorType[] = [
  simulator,
  jzyyun,
  sms112088,
  ptsms,
  hi8d,
  chanzor,
  ums,
  aspsms,
  aliyun,
  tencent,
  juhe,
  smpp,
  kannel,
  configuredHttp,
];

/** Builds the configured vendors by name. */
export function createVendors(configs: Map<string, VendorConfig>, store: VendorContext['store'], log: Logger): Map<string, Vendor> {
  const vendors = new Map<string, Vendor>();
  for (const [name, { type, settings }] of configs) {
    const adapter = VENDOR_TYPES.find((t) => t.type === type)!;
    vendors.set(name, adapter.create(settings, { name, store, log: log.child({ vendor: name }) }));
  }
  return vendors;
}
