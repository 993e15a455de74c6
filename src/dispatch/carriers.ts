import type { OutboundMessage, Vendor } from '../vendors/types';

/**
 * The first vendor (in the order given: the route from the vendor whose turn it is) that can carry the message, or,
 * when none can, every vendor's reason why not, for the row's last_error. A vendor without a `refusal` carries
 * anything; a template-only vendor refuses a text no template matches (see src/vendors/templates.ts).
 */
export function pickCarrier(vendors: Vendor[], message: OutboundMessage): { vendor: Vendor } | { vendor: string; refused: string } {
  const reasons: string[] = [];
  for (const vendor of vendors) {
    const refusal = vendor.refusal?.(message) ?? null;
    if (refusal === null) return { vendor };
    reasons.push(`${vendor.name}: ${refusal}`);
  }
  return { vendor: vendors[0]!.name, refused: `no vendor of the route can carry this text (${reasons.join('; ')})` };
}
