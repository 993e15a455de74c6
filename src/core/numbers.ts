/**
 * Recipient lists as legacy callers send them: comma separated, with stray spaces, duplicates,
 * landline-style dashes and country prefixes.
 */
export const MAX_NUMBERS = 20000;

/**
 * Normalizes one mainland mobile number by the rule of the legacy stored procedure PRO_DSFDXJK:
 * a leading `0-` is dropped, a leading `01` loses its `0`, otherwise every `-` is removed; the
 * result must have 11 characters. Beyond the procedure, a `+86`/`0086`/`86` country prefix is
 * dropped and the number must be digits starting with 1, so nothing undeliverable is charged.
 */
export function normalizeMobile(raw: string): string | null {
  let n = raw.replace(/\s+/g, '');
  if (n.startsWith('0-')) n = n.slice(2);
  else if (n.startsWith('01')) n = n.slice(1);
  else n = n.replace(/-/g, '');
  n = n.replace(/^(?:\+86|0086|86)(?=1\d{10}$)/, '');
  return /^1[3-9]\d{9}$/.test(n) ? n : null;
}

export interface ParsedRecipients {
  /** Valid numbers, normalized, duplicates removed, in the caller's order. */
  valid: string[];
  /** Entries that are not a mobile number, as the caller wrote them. */
  invalid: string[];
  duplicates: number;
  /** Entries the caller sent (blank entries between commas do not count). */
  total: number;
}

export function parseRecipients(list: string): ParsedRecipients {
  const entries = list.split(/[,，;；\s]+/).filter((e) => e !== '');
  const seen = new Set<string>();
  const valid: string[] = [];
  const invalid: string[] = [];
  let duplicates = 0;
  for (const entry of entries) {
    const n = normalizeMobile(entry);
    if (n === null) invalid.push(entry);
    else if (seen.has(n)) duplicates++;
    else {
      seen.add(n);
      valid.push(n);
    }
  }
  return { valid, invalid, duplicates, total: entries.length };
}
