import { parseLenientJson } from '../lenientJson';
import type { SendAnswerSpec } from './schema';

/**
 * Reading a vendor's answer: JSON (leniently, see parseLenientJson: several vendors' "JSON" has bare
 * keys or curly quotes), a small JSON path, values picked by path and/or regex, and success checks.
 */

/** A vendor's answer: its text, and its JSON when the answer is read as JSON. */
export interface Answer {
  text: string;
  json?: unknown;
}

/** Where a value is: a JSON path, a regex (its group, or the whole match), or both (the regex applies to the value at the path). */
export interface Pick {
  path?: string;
  regex?: string;
  /** The capture group: a number or a name; by default 1 when the regex has a group, else the whole match. */
  group?: number | string;
}

/** A condition on the answer, or on the value at `path`: all given parts must hold. */
export interface Check {
  path?: string;
  regex?: string;
  in?: string[];
  notIn?: string[];
}

export type PathSegment = string | number | '*';

/**
 * `$`, `data`, `data.list[0].id`, `$.items[*].mobile`, `result["msg-id"]`: names, indexes and the
 * `[*]` (or `.*`) wildcard. Throws on a syntax mistake.
 */
export function parseJsonPath(path: string): PathSegment[] {
  let rest = path.trim();
  if (rest.startsWith('$')) rest = rest.slice(1);
  const segments: PathSegment[] = [];
  const re = /^(?:\.?([^.[\]"]+)|\[(\d+)\]|\[\*\]|\["([^"]*)"\])/;
  let first = true;
  while (rest.length > 0) {
    if (!first && !/^[.[]/.test(rest)) throw new Error(`JSON path "${path}": expected "." or "[" at "${rest}"`);
    const m = re.exec(rest);
    if (!m || (m[1] === undefined && m[2] === undefined && m[3] === undefined && !m[0].startsWith('[*'))) {
      throw new Error(`JSON path "${path}": cannot read "${rest}" (write a.b, a[0], a[*] or a["key"])`);
    }
    if (m[1] !== undefined) segments.push(m[1] === '*' ? '*' : m[1]);
    else if (m[2] !== undefined) segments.push(Number(m[2]));
    else if (m[3] !== undefined) segments.push(m[3]);
    else segments.push('*');
    rest = rest.slice(m[0].length);
    first = false;
  }
  return segments;
}

/** Every value at `path` (a wildcard gives several; a missing key none). */
export function jsonPathGet(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const segment of parseJsonPath(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      if (segment === '*') {
        if (Array.isArray(v)) next.push(...v);
        else if (v && typeof v === 'object') next.push(...Object.values(v));
      } else if (typeof segment === 'number') {
        if (Array.isArray(v) && segment < v.length) next.push(v[segment]);
      } else if (v && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, segment)) {
        next.push((v as Record<string, unknown>)[segment]);
      }
    }
    current = next;
  }
  return current;
}

/** A JSON value as the text a vendor meant: strings as they are, numbers and booleans written out, objects as JSON. */
export function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** The regex group to take: the configured one, else 1 when the regex has a group, else the whole match. */
function groupOf(re: RegExp, group: number | string | undefined): number | string {
  if (group !== undefined) return group;
  return new RegExp(`${re.source}|`).exec('')!.length > 1 ? 1 : 0;
}

function regexValue(text: string, regex: string, group: number | string | undefined): string | undefined {
  const re = new RegExp(regex, 's');
  const m = re.exec(text);
  if (!m) return undefined;
  const g = groupOf(re, group);
  return typeof g === 'number' ? m[g] : m.groups?.[g];
}

/**
 * The values a pick finds: at the JSON path (an array there gives its elements), through the
 * regex when one is given; the whole text when neither.
 */
export function pickValues(answer: Answer, pick: Pick): string[] {
  let values: string[];
  if (pick.path !== undefined) {
    if (answer.json === undefined) return [];
    values = jsonPathGet(answer.json, pick.path)
      .flatMap((v) => (Array.isArray(v) ? v : [v]))
      .map(scalarText);
  } else {
    values = [answer.text];
  }
  if (pick.regex === undefined) return values;
  return values.map((v) => regexValue(v, pick.regex!, pick.group)).filter((v): v is string => v !== undefined);
}

/** The first value a pick finds, trimmed, or undefined. */
export function pickOne(answer: Answer, pick: Pick): string | undefined {
  return pickValues(answer, pick)[0]?.trim();
}

/** Whether the answer (or the value at `path`) meets every part of the check. */
export function checkAnswer(answer: Answer, check: Check): boolean {
  let values: string[];
  if (check.path !== undefined) {
    if (answer.json === undefined) return false;
    values = jsonPathGet(answer.json, check.path).map((v) => scalarText(v).trim());
    if (values.length === 0) return false;
  } else {
    values = [answer.text.trim()];
  }
  return values.every(
    (v) =>
      (check.regex === undefined || new RegExp(check.regex, 's').test(v)) &&
      (check.in === undefined || check.in.includes(v)) &&
      (check.notIn === undefined || !check.notIn.includes(v)),
  );
}

/** The answer as text and, for `json`, parsed; a JSON answer that does not parse is kept as text only. */
export function readAnswer(text: string, format: 'text' | 'json'): Answer {
  if (format === 'text') return { text };
  try {
    return { text, json: parseLenientJson(text) };
  } catch {
    return { text };
  }
}

/** What a send answer says of one number of the request. */
export type NumberOutcome = { ok: true; vendorMsgId: string } | { ok: false; retryable: boolean; error: string };

export interface SendAnswerReading {
  /** One per number of the request, in order. */
  outcomes: NumberOutcome[];
  /** Set when the answer was a success the adapter had to guess at (no id found, ids not matching the numbers). */
  warning?: string;
}

/**
 * A send answer → one outcome per number. HTTP 5xx is transient; success needs HTTP 2xx and the
 * `success` check; a refusal is permanent or transient by its code or regex, else `otherwise`.
 * Ids: one for the whole request (every number gets it), or a list (`idSeparator`, or several
 * values) matched to the numbers the answer names, or else by position; a number left without an
 * id is refused for good (the vendor said it took the request, so it is not sent again).
 */
export function readSendAnswer(
  status: number,
  text: string,
  mobiles: string[],
  spec: SendAnswerSpec,
  normalize: (mobile: string) => string,
  newId: () => string,
): SendAnswerReading {
  const raw = text.trim().slice(0, 500);
  const all = (o: NumberOutcome): SendAnswerReading => ({ outcomes: mobiles.map(() => o) });
  const told = status >= 200 && status < 300 ? raw : `HTTP ${status} ${raw}`.trim();
  if (status >= 500) return all({ ok: false, retryable: true, error: told });
  const answer = readAnswer(text, spec.format);
  if (!(status >= 200 && status < 300 && checkAnswer(answer, spec.success))) {
    const code = spec.code ? pickOne(answer, spec.code) : undefined;
    // A regex may match the whole answer or the code (a JSON answer's text may be \u-escaped).
    const matches = (codes: string[], re: string | undefined) =>
      (code !== undefined && codes.includes(code)) ||
      (re !== undefined && (new RegExp(re, 's').test(text.trim()) || (code !== undefined && new RegExp(re, 's').test(code))));
    const permanent = matches(spec.permanentCodes, spec.permanentRegex)
      ? true
      : matches(spec.transientCodes, spec.transientRegex)
        ? false
        : spec.otherwise === 'permanent';
    return all({ ok: false, retryable: !permanent, error: told });
  }
  if (!spec.id) return all({ ok: true, vendorMsgId: newId() });
  const ids = pickValues(answer, spec.id)
    .flatMap((v) => (spec.idSeparator ? v.split(spec.idSeparator) : [v]))
    .map((v) => v.trim())
    .filter(Boolean);
  if (ids.length === 0) {
    return { ...all({ ok: true, vendorMsgId: newId() }), warning: `accepted, but no id found in the answer: ${raw}` };
  }
  if (spec.numbers) {
    const numbers = pickValues(answer, spec.numbers)
      .flatMap((v) => v.split(spec.numbersSeparator))
      .map((v) => normalize(v))
      .filter(Boolean);
    if (numbers.length > 0) {
      const byNumber = new Map<string, string[]>();
      numbers.forEach((n, i) => {
        const id = ids.length === 1 ? ids[0] : ids[i];
        if (id !== undefined) byNumber.set(n, [...(byNumber.get(n) ?? []), id]);
      });
      return {
        outcomes: mobiles.map((m): NumberOutcome => {
          const id = byNumber.get(m)?.shift();
          return id !== undefined
            ? { ok: true, vendorMsgId: id }
            : { ok: false, retryable: false, error: `not among the numbers accepted: ${raw}` };
        }),
      };
    }
  }
  // One id, not given as a list: the request's id, for every number (reports then carry the number).
  if (ids.length === 1 && spec.idSeparator === undefined) return all({ ok: true, vendorMsgId: ids[0]! });
  const outcomes = mobiles.map(
    (_, i): NumberOutcome =>
      i < ids.length ? { ok: true, vendorMsgId: ids[i]! } : { ok: false, retryable: false, error: `no id for this number: ${raw}` },
  );
  return ids.length === mobiles.length
    ? { outcomes }
    : { outcomes, warning: `${ids.length} ids for ${mobiles.length} numbers, given in order: ${raw}` };
}
