import { z } from 'zod';

/** Charsets vendors encode parameters and answers in. */
export const charset = z.enum(['utf-8', 'gbk', 'gb2312', 'gb18030']);
export type Charset = z.infer<typeof charset>;

export const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/**
 * Keys every HTTP vendor takes: where it is and who we are there, mapped by each adapter to the
 * vendor's own parameter names. Adapters extend this with their own keys.
 */
export const vendorSettings = z.strictObject({
  /** The vendor's base URL, or the full URL where the vendor documents a single one. */
  url: httpUrl,
  username: z.string().min(1),
  password: z.string().min(1),
  /** One vendor call's limit; well below the dispatch lease, so a slow vendor never outlives a claim. */
  timeoutMs: z.int().min(100).max(30_000).default(10_000),
  /** Vendor requests in flight at once from one dispatch batch. */
  concurrency: z.int().min(1).max(64).default(4),
  /** Callers allowed to push to this vendor's callback URLs; empty allows any. */
  pushAllowIps: z.array(z.string().min(1)).default([]),
});

/** Settings of a vendor that hands out reports or replies on request. */
export const pollSettings = {
  pollIntervalMs: z.int().min(100).max(3_600_000).default(10_000),
};

/** Where the account's signature goes in the text, for a vendor that has no signature parameter. */
const SIGNATURE_PLACEMENTS = ['prefix', 'suffix', 'none'] as const;
export type SignaturePlacement = (typeof SIGNATURE_PLACEMENTS)[number];

/**
 * Settings of a vendor with no signature parameter: `signaturePlacement`, the account's signature written into the
 * text as 【signature】 before it (prefix) or after it (suffix), unless the text already carries it; none leaves the
 * text alone. One key for every such adapter, so a configuration reads the same whichever vendor it names; `placement`
 * is the adapter's default (prefix unless its vendor documents otherwise).
 */
export function signatureSettings(placement: SignaturePlacement = 'prefix') {
  return { signaturePlacement: z.enum(SIGNATURE_PLACEMENTS).default(placement) };
}

/**
 * Keys any vendor type takes, beside its adapter's own: how fast and how wide the dispatcher may
 * use the vendor, counted over every gateway node sharing the database (src/dispatch/rateLimit.ts),
 * and when this node takes the vendor out of the route (src/dispatch/breakers.ts).
 */
export const vendorLimits = z.strictObject({
  /** The vendor's sending rate, all nodes together. */
  rateLimit: z
    .strictObject({
      perSecond: z.number().positive().max(100_000),
      /** What the vendor counts: numbers sent, or the parts of long texts (where it bills and limits by part). */
      counts: z.enum(['messages', 'segments']).default('messages'),
      /** The most the vendor may take at once after a quiet spell; one second of the rate when not given. */
      burst: z.number().min(1).max(1_000_000).optional(),
    })
    .optional(),
  /** Requests open at the vendor at once, all nodes together. */
  openRequests: z.int().min(1).max(1024).optional(),
  /** `false` keeps the vendor in the route whatever its calls do. */
  breaker: z
    .union([
      z.literal(false),
      z.strictObject({
        /** Over `windowMs`, more than this share of failed calls takes the vendor out. */
        failureRatio: z.number().gt(0).lt(1).default(0.5),
        windowMs: z.int().min(1000).max(3_600_000).default(60_000),
        /** Fewer calls than this in the window never open the breaker (a few failures of a quiet vendor are not an outage). */
        minimumCalls: z.int().min(1).max(100_000).default(10),
        /** How long the vendor stays out before one call probes it. */
        halfOpenAfterMs: z.int().min(100).max(3_600_000).default(30_000),
      }),
    ])
    .prefault({}),
});
export type VendorLimits = z.infer<typeof vendorLimits>;
