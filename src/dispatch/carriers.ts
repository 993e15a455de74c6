import type { OutboundMessage, Vendor } from '../vendors/types';

/** Where a row goes: a vendor; nowhere yet (every vendor that could carry it is out for now); or nowhere, and why. */
export type Carrier = { vendor: Vendor } | { held: true } | { vendor: string; refused: string };

/**
 * The first vendor (in the order given: the route from the vendor whose turn it is) that can carry the message and
 * that `admits` lets through now (its breaker). Held when some can carry it but none is let through; when none can,
 * every vendor's reason why not, for the row's last_error. A vendor without a `refusal` carries anything; a
 * template-only vendor refuses a text no template matches (see src/vendors/templates.ts). `admits` is asked only of
 * vendors that can carry the message, since asking may make this row a breaker's probe.
 */
export function pickCarrier(vendors: Vendor[], message: OutboundMessage, admits: (vendor: string) => boolean = () => true): Carrier {
  const reasons: string[] = [];
  let held = false;
  for (const vendor of vendors) {
    const refusal = vendor.refusal?.(message) ?? null;
    if (refusal !== null) reasons.push(`${vendor.name}: ${refusal}`);
    else if (admits(vendor.name)) return { vendor };
    else held = true;
  }
  if (held) return { held: true };
  return { vendor: vendors[0]!.name, refused: `no vendor of the route can carry this text (${reasons.join('; ')})` };
}
