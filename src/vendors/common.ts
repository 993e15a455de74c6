import type { SignaturePlacement } from './settings';
import type { PushAnswer } from './types';

/**
 * Small readings and writings every adapter needs the same way: a vendor's number back to ours, the account's
 * signature written into the text, a vendor's time. One place each, so adapters cannot drift apart.
 */

/** China's calling code: what vendors put before our numbers unless configured otherwise. */
const CHINA_CODE = '86';
/** China time, UTC+8, in minutes: the zone every vendor here writes its times in. */
const CHINA_UTC_OFFSET_MIN = 480;

/**
 * A number as a vendor writes it, back to the 11 digits `send.infoto` holds, so that reports and replies find their
 * rows: trimmed, and the country code taken off a mobile's 11 digits however it is written (`+86`, `0086`, `86`, or
 * the same forms of `countryCode` where the vendor is configured with another; an empty one is China's). Anything
 * else (a landline, a short code) is kept as written, less a leading `+`.
 */
export function localMobile(raw: string, countryCode = CHINA_CODE): string {
  const n = raw.trim();
  const code = countryCode.replace(/^(\+|00)/, '').replace(/\D/g, '') || CHINA_CODE;
  const m = new RegExp(`^(?:\\+|00)?${code}(1\\d{10})$`).exec(n);
  return m ? m[1]! : n.replace(/^\+/, '');
}

/**
 * The text as sent to a vendor that has no signature parameter: the account's signature written in as 【signature】,
 * before the text (prefix) or after it (suffix), unless the text already carries it; `none`, or no signature, leaves
 * the text alone. A signature stored with its brackets (or one of them) is not bracketed twice.
 */
export function withSignature(content: string, signature: string | null, placement: SignaturePlacement): string {
  const name = signature?.trim().replace(/^【/, '').replace(/】$/, '');
  if (!name || placement === 'none') return content;
  const mark = `【${name}】`;
  if (content.includes(mark)) return content;
  return placement === 'prefix' ? mark + content : content + mark;
}

/**
 * Every way the vendors write a time: `2024-05-06 10:20:30`, `2024/5/6 8:05`, `2024.5.6`, `2024年5月6日 10:20:30`,
 * `20240506102030` (and the mixes `2024-05-06102030`, `20240506 10:20:30`), a `T` between date and time, a
 * fraction (`.0`, java.sql.Timestamp), ASP's `下午 3:04:05` / `3:04:05 PM`, and an explicit zone (`Z`, `+08:00`).
 */
const DATE = String.raw`(?<y>\d{4})(?:[-/.年](?<mo>\d{1,2})[-/.月](?<d>\d{1,2})日?|(?<mo2>\d{2})(?<d2>\d{2}))`;
const TIME = String.raw`(?:(?<h>\d{1,2}):(?<mi>\d{1,2})(?::(?<s>\d{1,2}))?|(?<h2>\d{2})(?<mi2>\d{2})(?<s2>\d{2}))(?:\.(?<frac>\d+))?`;
const VENDOR_TIME = new RegExp(
  String.raw`^${DATE}[ T]*(?<half>上午|下午|AM|PM)?\s*${TIME}\s*(?<half2>AM|PM)?\s*(?<zone>Z|[+-]\d{2}:?\d{2})?$`,
  'i',
);

/**
 * A vendor's time (see VENDOR_TIME for the forms), read in China time unless it names its zone (`utcOffsetMin`
 * for a vendor configured in another); null when it is none of those or no real date (2024-02-30, 24:00), so each
 * caller picks its own fallback (the time the news came, or "not a time").
 */
export function parseVendorTime(text: string | null | undefined, utcOffsetMin = CHINA_UTC_OFFSET_MIN): Date | null {
  const g = VENDOR_TIME.exec((text ?? '').trim())?.groups;
  if (!g) return null;
  const y = Number(g.y);
  const mo = Number(g.mo ?? g.mo2);
  const d = Number(g.d ?? g.d2);
  let h = Number(g.h ?? g.h2);
  const mi = Number(g.mi ?? g.mi2);
  const s = Number(g.s ?? g.s2 ?? 0);
  const ms = Number((g.frac ?? '0').slice(0, 3).padEnd(3, '0'));
  const half = (g.half ?? g.half2 ?? '').toUpperCase();
  if ((half === '下午' || half === 'PM') && h < 12) h += 12;
  if ((half === '上午' || half === 'AM') && h === 12) h = 0;
  const wall = new Date(Date.UTC(y, mo - 1, d, h, mi, s, ms));
  // Date.UTC rolls 2024-02-30 over to March: a field out of its range is no time.
  if (wall.getUTCFullYear() !== y || wall.getUTCMonth() !== mo - 1 || wall.getUTCDate() !== d) return null;
  if (wall.getUTCHours() !== h || wall.getUTCMinutes() !== mi || wall.getUTCSeconds() !== s) return null;
  return new Date(wall.getTime() - zoneOffsetMin(g.zone, utcOffsetMin) * 60_000);
}

/** `Z`, `+08:00`, `-0500` in minutes east of UTC; `fallback` when the time names no zone. */
function zoneOffsetMin(zone: string | undefined, fallback: number): number {
  if (zone === undefined) return fallback;
  if (zone.toUpperCase() === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** A push answered in plain text, as most vendors read it: `taken` when it was stored, `refused` when not. */
export function plainTextAnswer(taken: string, refused: string): (applied: boolean) => PushAnswer {
  return (applied) => ({ contentType: 'text/plain; charset=utf-8', body: applied ? taken : refused });
}

/** Whether a vendor's code refuses a message for good, or another try (or the route's next vendor) may take it. */
export type ErrorKind = 'permanent' | 'retryable';

/**
 * A vendor's documented codes as a classifier. A code the table does not list is retried: the next vendor of the
 * route may take the message, and a code the vendor added since is more often transient than final.
 */
export function errorClassifier(codes: Readonly<Record<string, ErrorKind>>): (code: string) => ErrorKind {
  return (code) => codes[code] ?? 'retryable';
}
