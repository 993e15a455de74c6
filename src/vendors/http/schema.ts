import { z } from 'zod';
import { DELIVERY_STATUSES } from '../../core/reports';
import { charset, vendorSettings } from '../settings';
import { parseJsonPath } from './answer';
import { BUILTIN_VARS, checkTimeFormat, parseTemplate, templateVars } from './template';

/**
 * The settings of a vendor described by configuration alone (`type: http`). Every key is checked
 * at start: a misspelt key, a template with an unknown variable or filter, a regex or JSON path
 * that does not compile, each is refused with its key named.
 */

/** `UTF-8`, `GBK`, `GB2312` as operators write them. iconv-lite's gb2312 is CP936 (GBK), as Windows servers read "GB2312". */
const charsetName = z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), charset);

/** A template: text with `{name}`, `{name:format}`, `{name|filter}` placeholders (see template.ts). */
const template = z.string().superRefine((text, ctx) => {
  try {
    for (const part of parseTemplate(text)) {
      if (typeof part === 'string' || part.format === undefined) continue;
      if (part.name === 'timestamp' || part.name === 'sendTime') checkTimeFormat(part.format);
      else if (part.name === 'random') {
        if (!/^\d{1,2}$/.test(part.format) || Number(part.format) < 1)
          throw new Error(`{random:${part.format}}: the format is a digit count, 1 to 99`);
      } else throw new Error(`{${part.name}:${part.format}}: only timestamp, sendTime and random take a :format`);
    }
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const regex = z.string().superRefine((text, ctx) => {
  try {
    new RegExp(text, 's');
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
  }
});

const jsonPath = z.string().superRefine((text, ctx) => {
  try {
    parseJsonPath(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

const timeFormat = z.string().superRefine((text, ctx) => {
  try {
    checkTimeFormat(text);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
  }
});

/** Codes as YAML writes them: `-1`, `0`, `ERR:104` (numbers become their text). */
const codes = z.array(z.union([z.string(), z.number()]).transform(String));

/** A regex alone may be written as a plain string. */
const regexShorthand = (v: unknown) => (typeof v === 'string' ? { regex: v } : v);

/** Where a value is: `regex` (and its `group`) in a text answer, `path` in a JSON one, or a regex applied to the value at the path. */
const pick = z.preprocess(
  regexShorthand,
  z
    .strictObject({
      /** JSON path (`data.msgid`, `list[*].id`); needs `format: json`. */
      path: jsonPath.optional(),
      /** A regex on the text (or on the value at `path`). */
      regex: regex.optional(),
      /** The group to take: a number or a name; default 1 when the regex has a group, else the whole match. */
      group: z.union([z.int().min(0), z.string().min(1)]).optional(),
    })
    .refine((p) => p.path !== undefined || p.regex !== undefined, { message: 'give a path or a regex' }),
);

/** A condition on the answer (or on the value at `path`): every given part must hold. */
const check = z.preprocess(
  regexShorthand,
  z
    .strictObject({
      path: jsonPath.optional(),
      regex: regex.optional(),
      /** The value is one of these. */
      in: codes.optional(),
      /** The value is none of these. */
      notIn: codes.optional(),
    })
    .refine((c) => c.path !== undefined || c.regex !== undefined || c.in !== undefined || c.notIn !== undefined, {
      message: 'give a regex, or a path with in/notIn',
    }),
);

/**
 * One request parameter (or JSON body field; a dotted name nests: `auth.account`). A string is
 * its value template; the long form adds a type and whether an empty value is left out.
 */
const param = z.preprocess(
  (v) => (typeof v === 'string' || typeof v === 'number' ? { value: String(v) } : v),
  z
    .strictObject({
      value: template.optional(),
      /** A list, this template rendered once per number with `{mobile}`: repeated form keys, or a JSON array. */
      each: template.optional(),
      /** JSON bodies: the value as a string (default), a number, or a boolean ("true"/"1"). */
      type: z.enum(['string', 'number', 'boolean']).default('string'),
      /** Leave the parameter out when its value is empty (`send_time` for an immediate message). */
      omitEmpty: z.boolean().default(false),
      /** Send this one in the URL's query even when the body is a form or JSON (a key the vendor reads from the URL). */
      inQuery: z.boolean().default(false),
    })
    .refine((p) => (p.value === undefined) !== (p.each === undefined), { message: 'give exactly one of value or each' }),
);

/** A request: method, path, body kind, charset, parameters. Shared by send, polls and balance. */
const request = {
  method: z.enum(['GET', 'POST']).default('POST'),
  /** Appended to `url` (`/sendsms_txt.asp`; may carry a fixed query `?method=send`); empty: `url` itself. */
  path: z.string().default(''),
  /** Where the parameters go: `query` (default for GET), `form` (default for POST), `json`. */
  body: z.enum(['query', 'form', 'json']).optional(),
  /** Overrides the vendor's `charset` for this request. */
  charset: charsetName.optional(),
  /** Parameter name → template, in the order sent. */
  params: z.record(z.string().min(1), param).default({}),
  /** Extra request headers (an API key …), name → template. */
  headers: z.record(z.string().min(1), template).default({}),
};

/** How an answer is read: as text (default) or JSON (bare keys and curly quotes allowed). */
const format = z.enum(['text', 'json']).default('text');

const sendAnswer = z.strictObject({
  format,
  /** When the request was accepted: `{ regex: '^0\|' }`, `{ path: status, notIn: [0] }`. Needs HTTP 2xx too. */
  success: check,
  /** Where the vendor's id is. Without it each message gets a generated id (a vendor that never reports). */
  id: pick.optional(),
  /** The id is a list, one per number, split by this (`,`); a JSON array needs no separator. */
  idSeparator: z.string().min(1).optional(),
  /** Where the answer lists the numbers its ids belong to (matched by position); without it ids go in request order. */
  numbers: pick.optional(),
  /** Separator of a numbers list given as one text. */
  numbersSeparator: z.string().min(1).default(','),
  /** The vendor's code in a refusal, matched against the code lists below. */
  code: pick.optional(),
  /** Codes that refuse the message for good (bad number, forbidden word, too long): the row fails and is refunded. */
  permanentCodes: codes.default([]),
  /** A regex on the whole answer (or on the code) meaning the same. */
  permanentRegex: regex.optional(),
  /** Codes worth another vendor: busy, our login, our balance, our IP. HTTP 5xx always is. */
  transientCodes: codes.default([]),
  transientRegex: regex.optional(),
  /** A refusal that matches neither: `transient` (default, as Kannel's generic SMSC) or `permanent`. */
  otherwise: z.enum(['transient', 'permanent']).default('transient'),
});

const send = z.strictObject({
  ...request,
  /** Numbers per request, the vendor's documented maximum (1 when the vendor takes one number). */
  maxNumbers: z.int().min(1).max(100_000).default(1),
  /** What `{mobiles}` joins the numbers with. */
  mobileSeparator: z.string().default(','),
  answer: sendAnswer,
});

/** The fields of a record: a report has id, status (and mobile, time); a reply mobile, content (and id, time, ext). */
export const RECORD_FIELDS = ['id', 'mobile', 'status', 'time', 'content', 'ext'] as const;
const recordField = z.enum(RECORD_FIELDS);
const REPORT_FIELDS = ['id', 'mobile', 'status', 'time'];
const REPLY_FIELDS = ['id', 'mobile', 'content', 'time', 'ext'];

/** Records in text: `N|id;mobile;status|…`, `a#@#b#@@#c#@#d`, lines … */
const textRecords = z
  .strictObject({
    /** Push only: the parameter holding the text (`args`); without it, the whole body. */
    param: z.string().min(1).optional(),
    /** Between records. */
    recordSeparator: z.string().min(1).default('\n'),
    /** Between fields of a record; the last field takes the rest (a reply's text may hold the separator). */
    fieldSeparator: z.string().min(1).optional(),
    /** The fields in order; `-` skips one. */
    fields: z.array(z.enum([...RECORD_FIELDS, '-'])).optional(),
    /** Instead of fieldSeparator/fields: a regex with named groups (`(?<id>…)`) per record. */
    pattern: regex.optional(),
    /** The text starts with a record count (`3|…`), dropped. */
    countPrefix: z.boolean().default(false),
    /** Whole answers meaning "nothing now" (`0`); an empty answer always does. */
    empty: codes.default([]),
  })
  .refine((t) => (t.pattern !== undefined) !== (t.fields !== undefined && t.fieldSeparator !== undefined), {
    message: 'give either pattern, or fieldSeparator with fields',
  });

/** How records are read from a push or a poll answer. */
const recordsReading = {
  /** JSON: the path of the records' list (default: the body when it is an array, else the body as one record). */
  list: jsonPath.optional(),
  /** Form and JSON: field → parameter name (form) or JSON path inside a record. */
  fields: z.partialRecord(recordField, z.string().min(1)).optional(),
  /** Records packed as text. */
  text: textRecords.optional(),
  /** A mobile field may list several numbers, split by this (one report each). */
  mobileSeparator: z.string().min(1).default(','),
  /** The vendor's time format (`yyyy-MM-dd HH:mm:ss`, `unix` …); default: whichever of the common ones it looks like. */
  timeFormat: timeFormat.optional(),
  /** Replies: characters of the vendor's own extension to drop from the front of `ext` (the rest is ours). */
  systemExtLength: z.int().min(0).max(20).default(0),
  /** Field → decoding of its value: `base64` (bytes in the charset). */
  decode: z.partialRecord(z.enum(['content', 'mobile', 'ext']), z.enum(['base64'])).default({}),
};

const pushAnswer = z.strictObject({
  /** The body the vendor expects when the push was stored. */
  success: z.string().default('OK'),
  /** The body for a push refused (malformed, failed check) or not stored, so the vendor pushes again. */
  failure: z.string().default('ERROR'),
  contentType: z.string().default('text/plain; charset=utf-8'),
  /** The HTTP status of a failure answer; default: the gateway's own (400, 403, 503). Some vendors want 200. */
  failureStatus: z.int().min(200).max(599).optional(),
});

const push = z
  .strictObject({
    /** `form`: query and/or form body, percent-encoded in the charset; `json`: a JSON object or array body. */
    format: z.enum(['form', 'json']).default('form'),
    charset: charsetName.optional(),
    ...recordsReading,
    /** Shared secret checks: parameter (form) or JSON path → the template it must equal (`{pushPassword}`, `{sig|md5}`). Push fields are `{push.name}`. */
    verify: z.record(z.string().min(1), template).default({}),
    answer: pushAnswer.default({ success: 'OK', failure: 'ERROR', contentType: 'text/plain; charset=utf-8' }),
  })
  .refine((p) => (p.fields !== undefined) !== (p.text !== undefined), { message: 'give either fields or text' });

const poll = z
  .strictObject({
    ...request,
    /** Time between polls. */
    intervalMs: z.int().min(100).max(3_600_000).default(10_000),
    format,
    /** When the answer is good; otherwise the poll fails (logged, tried again next interval). */
    success: check.optional(),
    ...recordsReading,
  })
  .refine((p) => (p.fields !== undefined) !== (p.text !== undefined), { message: 'give either fields or text' });

const deliveryStatus = z.enum(DELIVERY_STATUSES);

const reports = z
  .strictObject({
    push: push.optional(),
    poll: poll.optional(),
    /** Vendor status code → delivered | undelivered | expired | rejected | unknown. */
    statusMap: z.record(z.string(), deliveryStatus).default({}),
    /** The status of a code not in the map. */
    defaultStatus: deliveryStatus.default('undelivered'),
  })
  .refine((r) => r.push !== undefined || r.poll !== undefined, { message: 'give push or poll (or both)' });

const replies = z
  .strictObject({
    push: push.optional(),
    poll: poll.optional(),
  })
  .refine((r) => r.push !== undefined || r.poll !== undefined, { message: 'give push or poll (or both)' });

const balance = z.strictObject({
  ...request,
  format,
  /** When the answer is good; otherwise balance() fails with the raw answer. */
  success: check.optional(),
  /** Where the number is. */
  value: pick,
});

const varName = z.string().regex(/^[A-Za-z_]\w*$/, 'a variable name is letters, digits and _');

export const httpSettings = vendorSettings
  .extend({
    /** The vendor's charset for parameters and answers. */
    charset: charsetName.default('utf-8'),
    /**
     * Put before every number sent (`86`, `+86`), and taken off a mobile's 11 digits in the numbers the vendor sends
     * back, written `+86`, `0086` or `86` (see localMobile; when empty, China's 86 is taken off).
     */
    mobilePrefix: z
      .string()
      .regex(/^\+?\d*$/, 'digits, after an optional +')
      .default(''),
    /** The vendor's time zone, for `{timestamp:…}` and the times it sends. */
    utcOffset: z
      .string()
      .regex(/^[+-]\d\d:\d\d$/, 'an offset like +08:00')
      .default('+08:00'),
    /** Named templates, usable as `{name}` everywhere, in order (one may use an earlier one): constants, secrets, strings to sign. */
    vars: z.record(varName, template).default({}),
    send,
    reports: reports.optional(),
    replies: replies.optional(),
    balance: balance.optional(),
  })
  .superRefine((s, ctx) => {
    // Every placeholder must name a known variable; a var only earlier vars.
    if (!s || typeof s !== 'object') return;
    const known = new Set<string>(BUILTIN_VARS);
    const checkTemplate = (text: unknown, path: (string | number)[]) => {
      if (typeof text !== 'string') return;
      let names: string[];
      try {
        names = templateVars(parseTemplate(text));
      } catch {
        return; // reported by the field itself
      }
      for (const name of names) {
        if (known.has(name) || name.startsWith('push.')) continue;
        ctx.addIssue({
          code: 'custom',
          path,
          message: `{${name}} is not a variable (known: ${[...known].join(', ')}, push.<field>; add it under vars:)`,
        });
      }
    };
    for (const [name, text] of Object.entries(s.vars ?? {})) {
      if (known.has(name)) ctx.addIssue({ code: 'custom', path: ['vars', name], message: `"${name}" is a built-in variable` });
      checkTemplate(text, ['vars', name]);
      known.add(name);
    }
    const checkRequest = (req: unknown, path: string[]) => {
      if (!req || typeof req !== 'object') return;
      const r = req as {
        params?: Record<string, { value?: string; each?: string }>;
        headers?: Record<string, string>;
        method?: string;
        body?: string;
      };
      for (const [k, p] of Object.entries(r.params ?? {})) {
        checkTemplate(p?.value, [...path, 'params', k, 'value']);
        checkTemplate(p?.each, [...path, 'params', k, 'each']);
      }
      for (const [k, h] of Object.entries(r.headers ?? {})) checkTemplate(h, [...path, 'headers', k]);
      if (r.method === 'GET' && (r.body === 'form' || r.body === 'json')) {
        ctx.addIssue({ code: 'custom', path: [...path, 'body'], message: 'a GET request carries its parameters in the query' });
      }
    };
    checkRequest(s.send, ['send']);
    checkRequest(s.reports?.poll, ['reports', 'poll']);
    checkRequest(s.replies?.poll, ['replies', 'poll']);
    checkRequest(s.balance, ['balance']);
    for (const kind of ['reports', 'replies'] as const) {
      const p = s[kind]?.push;
      for (const [k, t] of Object.entries(p?.verify ?? {})) checkTemplate(t, [kind, 'push', 'verify', k]);
    }
    const readers = [
      ['reports', REPORT_FIELDS, ['id', 'status']],
      ['replies', REPLY_FIELDS, ['mobile', 'content']],
    ] as const;
    for (const [kind, allowed, required] of readers) {
      for (const via of ['push', 'poll'] as const) {
        const reader = s[kind]?.[via];
        if (!reader) continue;
        const pattern = reader.text?.pattern ?? '';
        const named = [...pattern.matchAll(/\(\?<([A-Za-z]\w*)>/g)].map((m) => m[1]!);
        const names: string[] = reader.fields ? Object.keys(reader.fields) : [...(reader.text?.fields ?? []), ...named];
        const wrong = names.filter((n) => n !== '-' && !allowed.includes(n));
        if (wrong.length) {
          ctx.addIssue({
            code: 'custom',
            path: [kind, via],
            message: `${kind} have no field ${wrong.join(', ')} (fields: ${allowed.join(', ')})`,
          });
        }
        const missing = required.filter((f) => !names.includes(f));
        if (missing.length)
          ctx.addIssue({ code: 'custom', path: [kind, via], message: `${kind} need the fields ${missing.join(' and ')}` });
      }
    }
  });

export type HttpSettings = z.infer<typeof httpSettings>;
export type RequestSpec = Pick<z.infer<typeof send>, 'method' | 'path' | 'body' | 'charset' | 'params' | 'headers'>;
export type SendAnswerSpec = z.infer<typeof sendAnswer>;
export type PushSpec = z.infer<typeof push>;
export type PollSpec = z.infer<typeof poll>;
export type TextRecordsSpec = NonNullable<PushSpec['text']>;
export type ReportsSpec = z.infer<typeof reports>;
export type BalanceSpec = z.infer<typeof balance>;
