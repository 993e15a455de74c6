import iconv from 'iconv-lite';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile } from '../common';
import type { Charset } from '../settings';
import { jsonPathGet, scalarText } from './answer';
import type { PushSpec, ReportsSpec, TextRecordsSpec } from './schema';
import { parseTime } from './template';

/**
 * Reports and replies from what a vendor pushes or hands out: packed text records, JSON objects
 * or arrays, form parameters. All pure: the adapter feeds them text and settings.
 */

export type RecordField = 'id' | 'mobile' | 'status' | 'time' | 'content' | 'ext';
/** One record's fields as the vendor wrote them. */
export type RawRecord = Partial<Record<RecordField, string>>;

/**
 * Text records: `3|6408676;13682250950;20|…` (count prefix, `|` between records, `;` between
 * fields), `13800210021#@#content1#@#2013-08-21 21:20:11#@#008123#@@#…`, or one record a line.
 * The last field takes the rest of its record, so a reply's text keeps a field separator.
 * A record that does not fit throws, or with `skip` is handed to it and left out (a poll keeps
 * the good records of what the vendor handed out once).
 */
export function parseTextRecords(text: string, spec: TextRecordsSpec, skip?: (error: Error) => void): RawRecord[] {
  const whole = text.trim();
  if (whole === '' || spec.empty.includes(whole)) return [];
  const parts = whole.split(spec.recordSeparator);
  if (spec.countPrefix) {
    const count = parts.shift()!.trim();
    if (!/^\d+$/.test(count)) throw new Error(`expected a record count before "${spec.recordSeparator}", got "${count.slice(0, 40)}"`);
    if (count === '0') return [];
  }
  const records: RawRecord[] = [];
  for (const part of parts) {
    const record = part.replace(/^[\r\n]+|[\r\n]+$/g, '');
    if (record.trim() === '') continue;
    try {
      records.push(parseTextRecord(record, spec));
    } catch (err) {
      if (!skip) throw err;
      skip(err as Error);
    }
  }
  return records;
}

function parseTextRecord(record: string, spec: TextRecordsSpec): RawRecord {
  if (spec.pattern !== undefined) {
    const m = new RegExp(spec.pattern, 's').exec(record);
    if (!m?.groups) throw new Error(`record "${record.slice(0, 80)}" does not match the pattern`);
    return Object.fromEntries(Object.entries(m.groups).filter(([, v]) => v !== undefined)) as RawRecord;
  }
  const fields = spec.fields!;
  const values = splitLimit(record, spec.fieldSeparator!, fields.length);
  if (values.length < fields.length) {
    throw new Error(
      `record "${record.slice(0, 80)}" has ${values.length} of ${fields.length} fields (${fields.join(spec.fieldSeparator)})`,
    );
  }
  const out: RawRecord = {};
  fields.forEach((name, i) => {
    if (name !== '-') out[name] = values[i]!;
  });
  return out;
}

/** Splits at `sep` into at most `limit` pieces, the last keeping the rest. */
export function splitLimit(text: string, sep: string, limit: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (out.length < limit - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    out.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  out.push(rest);
  return out;
}

/** Records of a JSON body: the list at `list` (default: the body when it is an array, else the body itself), each field at its path. */
export function jsonRecords(json: unknown, list: string | undefined, fields: Partial<Record<RecordField, string>>): RawRecord[] {
  const items =
    list !== undefined ? jsonPathGet(json, list).flatMap((v) => (Array.isArray(v) ? v : [v])) : Array.isArray(json) ? json : [json];
  return items.map((item) => {
    const out: RawRecord = {};
    for (const [name, path] of Object.entries(fields) as [RecordField, string][]) {
      const found = jsonPathGet(item, path);
      if (found.length > 0) out[name] = scalarText(found[0]);
    }
    return out;
  });
}

/** The one record of a form push: each field from its parameter. */
export function formRecord(params: URLSearchParams, fields: Partial<Record<RecordField, string>>): RawRecord {
  const out: RawRecord = {};
  for (const [name, param] of Object.entries(fields) as [RecordField, string][]) {
    const v = params.get(param);
    if (v !== null) out[name] = v;
  }
  return out;
}

export function mapStatus(code: string, map: Record<string, DeliveryStatus>, fallback: DeliveryStatus): DeliveryStatus {
  return map[code] ?? fallback;
}

export interface RecordOptions {
  vendor: string;
  charset: Charset;
  mobilePrefix: string;
  utcOffsetMin: number;
  now: Date;
  reader: Pick<PushSpec, 'mobileSeparator' | 'timeFormat' | 'systemExtLength' | 'decode'>;
}

function decoded(record: RawRecord, field: 'content' | 'mobile' | 'ext', opts: RecordOptions): string | undefined {
  const v = record[field];
  if (v === undefined || opts.reader.decode[field] !== 'base64') return v;
  return iconv.decode(Buffer.from(v, 'base64'), opts.charset);
}

function timeOf(record: RawRecord, opts: RecordOptions): Date {
  return (record.time !== undefined ? parseTime(record.time, opts.reader.timeFormat, opts.utcOffsetMin) : null) ?? opts.now;
}

/** A report record as reports, one per number where the mobile field lists several. Throws when the id or status is missing. */
export function recordToReports(
  record: RawRecord,
  opts: RecordOptions,
  statuses: Pick<ReportsSpec, 'statusMap' | 'defaultStatus'>,
): DeliveryReport[] {
  const id = record.id?.trim();
  const code = record.status?.trim();
  if (!id) throw new Error(`report without an id: ${JSON.stringify(record)}`);
  if (code === undefined || code === '') throw new Error(`report without a status: ${JSON.stringify(record)}`);
  const status = mapStatus(code, statuses.statusMap, statuses.defaultStatus);
  const at = timeOf(record, opts);
  const mobiles = (decoded(record, 'mobile', opts) ?? '')
    .split(opts.reader.mobileSeparator)
    .map((m) => localMobile(m, opts.mobilePrefix))
    .filter(Boolean);
  if (mobiles.length === 0) return [{ vendor: opts.vendor, vendorMsgId: id, status, code, at }];
  return mobiles.map((mobile) => ({ vendor: opts.vendor, vendorMsgId: id, mobile, status, code, at }));
}

/**
 * A reply record as a reply. Its vendorKey is the vendor's id, or where it has none the number,
 * time and text as sent, so a repeated push is recognised. Throws without a number.
 */
export function recordToReply(record: RawRecord, opts: RecordOptions): InboundReply {
  const rawMobile = decoded(record, 'mobile', opts);
  const mobile = rawMobile === undefined ? '' : localMobile(rawMobile, opts.mobilePrefix);
  if (!mobile) throw new Error(`reply without a number: ${JSON.stringify(record)}`);
  const content = decoded(record, 'content', opts) ?? '';
  const ext = decoded(record, 'ext', opts)?.trim().slice(opts.reader.systemExtLength) || null;
  const id = record.id?.trim();
  return {
    vendor: opts.vendor,
    mobile,
    content,
    extNo: ext,
    at: timeOf(record, opts),
    vendorKey: id ? `id:${id}` : `${record.mobile ?? ''}|${record.time ?? ''}|${record.content ?? ''}|${record.ext ?? ''}`,
  };
}
