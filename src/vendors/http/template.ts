import { createHash, randomInt, randomUUID } from 'node:crypto';
import iconv from 'iconv-lite';
import { parseVendorTime } from '../common';
import type { Charset } from '../settings';

/**
 * Parameter templates: literal text with `{name}`, `{name:format}` and `{name|filter|filter}`
 * placeholders, as `{password|md5|upper}`, `{timestamp:yyyyMMddHHmmss}`, `{mobiles}`.
 * `{{` and `}}` stand for literal braces.
 */

/** Variables the adapter fills itself; settings `vars` add their own names beside these. */
export const BUILTIN_VARS = [
  'mobiles',
  'mobile',
  'count',
  'content',
  'username',
  'password',
  'signature',
  'extNo',
  'sendTime',
  'timestamp',
  'random',
  'uuid',
] as const;

/**
 * Filters, applied left to right. Hashes and BASE64 work on the text's bytes in the request's
 * charset. `padN` (pad16) left-pads with zeros to N characters, for vendors' fixed-width ids.
 */
export const FILTERS = ['md5', 'sha1', 'sha256', 'base64', 'upper', 'lower', 'trim', 'padN'] as const;
export type Filter = Exclude<(typeof FILTERS)[number], 'padN'> | `pad${number}`;
const PAD = /^pad([1-9]\d?)$/;

/** The time formats a `:format` may name besides patterns of yyyy yy MM dd HH mm ss SSS. */
export const DEFAULT_TIME_FORMAT = 'yyyyMMddHHmmss';

export type Part = string | { name: string; format?: string; filters: Filter[] };
export type Template = Part[];

const PLACEHOLDER = /^([A-Za-z_][\w]*(?:\.[\w-]+)?)(?::([^|}]*))?((?:\|[a-z0-9]+)*)$/;

/** Parses a template; throws with a readable reason on a syntax mistake or an unknown filter. */
export function parseTemplate(text: string): Template {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c;
      i++;
      continue;
    }
    if (c === '}') throw new Error(`unmatched "}" at character ${i + 1} (write "}}" for a literal brace)`);
    if (c !== '{') {
      literal += c;
      continue;
    }
    const end = text.indexOf('}', i);
    if (end < 0) throw new Error(`unclosed "{" at character ${i + 1} (write "{{" for a literal brace)`);
    const inner = text.slice(i + 1, end);
    const m = PLACEHOLDER.exec(inner);
    if (!m) throw new Error(`"{${inner}}" is not a placeholder like {name}, {name:format} or {name|filter}`);
    const filters = (m[3] ?? '').split('|').filter(Boolean);
    for (const f of filters) {
      if (!(FILTERS as readonly string[]).includes(f) && !PAD.test(f))
        throw new Error(`unknown filter "${f}" in "{${inner}}" (known: ${FILTERS.join(', ')})`);
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ name: m[1]!, ...(m[2] !== undefined ? { format: m[2] } : {}), filters: filters as Filter[] });
    i = end;
  }
  if (literal) parts.push(literal);
  return parts;
}

/** The variable names a template uses. */
export function templateVars(template: Template): string[] {
  return template.flatMap((p) => (typeof p === 'string' ? [] : [p.name]));
}

export interface RenderContext {
  /** Variable values; a function gets the placeholder's `:format`. */
  values: Record<string, string | ((format: string | undefined) => string)>;
  charset: Charset;
}

export function render(template: Template, ctx: RenderContext): string {
  let out = '';
  for (const part of template) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    const value = ctx.values[part.name];
    let text = typeof value === 'function' ? value(part.format) : (value ?? '');
    for (const f of part.filters) text = applyFilter(f, text, ctx.charset);
    out += text;
  }
  return out;
}

export function applyFilter(filter: Filter, text: string, charset: Charset): string {
  switch (filter) {
    case 'md5':
    case 'sha1':
    case 'sha256':
      return createHash(filter).update(iconv.encode(text, charset)).digest('hex');
    case 'base64':
      return iconv.encode(text, charset).toString('base64');
    case 'upper':
      return text.toUpperCase();
    case 'lower':
      return text.toLowerCase();
    case 'trim':
      return text.trim();
    default:
      return text.padStart(Number(PAD.exec(filter)![1]), '0');
  }
}

/** `+08:00` → 480. */
export function offsetMinutes(utcOffset: string): number {
  const m = /^([+-])(\d\d):(\d\d)$/.exec(utcOffset);
  if (!m) throw new Error(`"${utcOffset}" is not an offset like +08:00`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

const TOKENS = /yyyy|yy|MM|dd|HH|mm|ss|SSS/g;

/** Checks a time format: `unix` (seconds), `unixMs`, or a pattern of yyyy yy MM dd HH mm ss SSS and literal characters. */
export function checkTimeFormat(format: string): void {
  if (format === 'unix' || format === 'unixMs') return;
  if (!/yyyy|yy/.test(format) && !/HH|mm|ss/.test(format)) {
    throw new Error(`time format "${format}" has no date or time field (use yyyy MM dd HH mm ss SSS, unix or unixMs)`);
  }
  if (/[A-Za-z]/.test(format.replace(TOKENS, '').replace(/[TZ]/g, ''))) {
    throw new Error(`time format "${format}" has letters that are not yyyy yy MM dd HH mm ss SSS (or T, Z)`);
  }
}

/** Formats `at` in the vendor's time zone. */
export function formatTime(at: Date, format: string, utcOffsetMin: number): string {
  if (format === 'unix') return String(Math.floor(at.getTime() / 1000));
  if (format === 'unixMs') return String(at.getTime());
  const local = new Date(at.getTime() + utcOffsetMin * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const fields: Record<string, string> = {
    yyyy: pad(local.getUTCFullYear(), 4),
    yy: pad(local.getUTCFullYear() % 100),
    MM: pad(local.getUTCMonth() + 1),
    dd: pad(local.getUTCDate()),
    HH: pad(local.getUTCHours()),
    mm: pad(local.getUTCMinutes()),
    ss: pad(local.getUTCSeconds()),
    SSS: pad(local.getUTCMilliseconds(), 3),
  };
  return format.replace(TOKENS, (t) => fields[t]!);
}

/**
 * Reads a vendor's time in `format`, or, without one, as unix seconds or milliseconds or any of the
 * forms every adapter reads (parseVendorTime), whichever it looks like. Returns null when it cannot be read.
 */
export function parseTime(text: string, format: string | undefined, utcOffsetMin: number): Date | null {
  const t = text.trim();
  if (t === '') return null;
  if (format === 'unix' || format === 'unixMs' || (!format && /^\d{10}$|^\d{13}$/.test(t))) {
    if (!/^\d+$/.test(t)) return null;
    const n = Number(t);
    return new Date(format === 'unix' || (!format && t.length === 10) ? n * 1000 : n);
  }
  if (!format) return parseVendorTime(t, utcOffsetMin);
  const { regex, order } = timePattern(format);
  const m = regex.exec(t);
  if (!m) return null;
  const v: Record<string, number> = {};
  order.forEach((token, i) => {
    v[token] = Number(m[i + 1]);
  });
  const year = v.yyyy ?? (v.yy !== undefined ? 2000 + v.yy : new Date().getUTCFullYear());
  const ms = Date.UTC(year, (v.MM ?? 1) - 1, v.dd ?? 1, v.HH ?? 0, v.mm ?? 0, v.ss ?? 0, v.SSS ?? 0) - utcOffsetMin * 60_000;
  return Number.isNaN(ms) ? null : new Date(ms);
}

/**
 * A format as a regex: fields next to each other (yyyyMMddHHmmss) have their fixed width, a field
 * followed by a separator may have one digit (8:20:23). Anything after the pattern (a fraction, a
 * zone) is ignored.
 */
function timePattern(format: string): { regex: RegExp; order: string[] } {
  const order: string[] = [];
  let source = '^';
  let last = 0;
  for (const m of format.matchAll(TOKENS)) {
    source += escapeRegex(format.slice(last, m.index));
    last = m.index + m[0].length;
    order.push(m[0]);
    const adjacent = last === format.length ? false : /^(yyyy|yy|MM|dd|HH|mm|ss|SSS)/.test(format.slice(last));
    const width = m[0].length;
    source += width === 2 && !adjacent ? '(\\d{1,2})' : `(\\d{${width}})`;
  }
  return { regex: new RegExp(source + escapeRegex(format.slice(last))), order };
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The values every request can use: now in the vendor's zone, a random number, a UUID. */
export function timeValues(now: Date, utcOffsetMin: number): RenderContext['values'] {
  return {
    timestamp: (format) => formatTime(now, format || DEFAULT_TIME_FORMAT, utcOffsetMin),
    random: (format) => {
      const digits = format ? Number(format) : 6;
      let s = '';
      for (let i = 0; i < digits; i++) s += String(randomInt(10));
      return s;
    },
    uuid: () => randomUUID(),
  };
}
