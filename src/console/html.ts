import { chinaTime } from '../core/legacyTime';

/** Markup that is already safe: written by this module's `html` template, never by a caller's value. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** The one escape of the console: every value written into a page (text or a quoted attribute) goes through it. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

type Value = SafeHtml | string | number | boolean | null | undefined | Date | readonly Value[];

function render(value: Value): string {
  if (value instanceof SafeHtml) return value.text;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  // Operators read China time (UTC+8), as the legacy contracts write it.
  if (value instanceof Date) return escapeHtml(chinaTime(value));
  return escapeHtml(String(value));
}

/**
 * A page fragment: the literal parts are markup, every interpolated value is escaped unless it is
 * itself a fragment, so a number, a text or a vendor's answer can never open a tag.
 */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}
