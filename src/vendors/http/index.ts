import { randomUUID } from 'node:crypto';
import iconv from 'iconv-lite';
import type { DeliveryReport } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile } from '../common';
import { pushForm, sendInRequests, type VendorRequest, vendorRequest } from '../request';
import type { Charset } from '../settings';
import {
  defineVendor,
  type OutboundMessage,
  type PushHandler,
  type SendOutcome,
  type Vendor,
  type VendorBalance,
  type VendorContext,
  type VendorNews,
  type VendorPoll,
} from '../types';
import { type Answer, checkAnswer, jsonPathGet, pickOne, readAnswer, readSendAnswer, scalarText } from './answer';
import { formRecord, jsonRecords, parseTextRecords, type RawRecord, type RecordOptions, recordToReply, recordToReports } from './records';
import { type HttpSettings, httpSettings, type PollSpec, type PushSpec, type RequestSpec } from './schema';
import { offsetMinutes, parseTemplate, type RenderContext, render, type Template, timeValues } from './template';

/**
 * `type: http`: a vendor described by configuration alone (the settings in schema.ts): the send
 * request and how its answer is read, reports and replies pushed or polled, the balance call.
 * In the spirit of Kannel's generic HTTP SMSC (send-url, status-success-regex, message-id-regex).
 */

type Values = RenderContext['values'];

interface CompiledParam {
  name: string;
  value?: Template;
  each?: Template;
  type: 'string' | 'number' | 'boolean';
  omitEmpty: boolean;
  inQuery: boolean;
}

interface CompiledRequest {
  method: 'GET' | 'POST';
  url: string;
  body: 'query' | 'form' | 'json';
  charset: Charset;
  params: CompiledParam[];
  headers: [string, Template][];
}

/** `url` + `path`, one slash between them. */
export function joinUrl(base: string, path: string): string {
  if (path === '') return base;
  if (/^https?:\/\//.test(path)) return path;
  if (path.startsWith('?')) return base + path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

function compileRequest(spec: RequestSpec, settings: HttpSettings): CompiledRequest {
  return {
    method: spec.method,
    url: joinUrl(settings.url, spec.path),
    body: spec.body ?? (spec.method === 'GET' ? 'query' : 'form'),
    charset: spec.charset ?? settings.charset,
    params: Object.entries(spec.params).map(([name, p]) => ({
      name,
      value: p.value !== undefined ? parseTemplate(p.value) : undefined,
      each: p.each !== undefined ? parseTemplate(p.each) : undefined,
      type: p.type,
      omitEmpty: p.omitEmpty,
      inQuery: p.inQuery,
    })),
    headers: Object.entries(spec.headers).map(([name, t]) => [name, parseTemplate(t)]),
  };
}

function typed(value: string, type: CompiledParam['type']): unknown {
  if (type === 'number') return value === '' ? null : Number(value);
  if (type === 'boolean') return value === 'true' || value === '1';
  return value;
}

/** Sets `a.b.c` in a JSON object. */
function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

export interface BuiltRequest extends VendorRequest {
  headers: Record<string, string>;
}

/** Renders a request's parameters and headers: the pure half of a vendor call. */
export function buildRequest(req: CompiledRequest, values: Values, eachMobile: string[], timeoutMs: number): BuiltRequest {
  const ctx: RenderContext = { values, charset: req.charset };
  const query: [string, string][] = [];
  const body: [string, string][] = [];
  const json: Record<string, unknown> = {};
  for (const p of req.params) {
    const target = p.inQuery || req.body === 'query' ? query : req.body === 'form' ? body : null;
    if (p.each) {
      const list = eachMobile.map((mobile) => render(p.each!, { ...ctx, values: { ...values, mobile } }));
      if (target) for (const v of list) target.push([p.name, v]);
      else
        setPath(
          json,
          p.name,
          list.map((v) => typed(v, p.type)),
        );
      continue;
    }
    const v = render(p.value!, ctx);
    if (v === '' && p.omitEmpty) continue;
    if (target) target.push([p.name, v]);
    else setPath(json, p.name, typed(v, p.type));
  }
  return {
    method: req.method,
    url: req.url,
    charset: req.charset,
    timeoutMs,
    ...(query.length ? { query } : {}),
    ...(req.body === 'form' ? { form: body } : {}),
    ...(req.body === 'json' ? { json } : {}),
    headers: Object.fromEntries(req.headers.map(([name, t]) => [name, render(t, ctx)])),
  };
}

class HttpVendor implements Vendor {
  readonly name: string;
  readonly push?: Vendor['push'];
  readonly polls?: VendorPoll[];
  readonly balance?: () => Promise<VendorBalance>;
  private readonly utcOffsetMin: number;
  private readonly vars: [string, Template][];
  private readonly sendRequest: CompiledRequest;

  constructor(
    private readonly settings: HttpSettings,
    private readonly context: VendorContext,
  ) {
    this.name = context.name;
    this.utcOffsetMin = offsetMinutes(settings.utcOffset);
    this.vars = Object.entries(settings.vars).map(([name, t]) => [name, parseTemplate(t)]);
    this.sendRequest = compileRequest(settings.send, settings);
    const push: NonNullable<Vendor['push']> = {};
    const polls: VendorPoll[] = [];
    for (const kind of ['reports', 'replies'] as const) {
      const spec = settings[kind];
      if (spec?.push) push[kind] = this.pushHandler(kind, spec.push);
      if (spec?.poll) polls.push(this.poll(kind, spec.poll));
    }
    if (Object.keys(push).length > 0) this.push = push;
    if (polls.length > 0) this.polls = polls;
    if (settings.balance) this.balance = () => this.askBalance();
  }

  /** The variables of one request or push: ours, the time, the message's, then `vars` in order. */
  private values(extra: Values, charset: Charset): Values {
    const values: Values = {
      username: this.settings.username,
      password: this.settings.password,
      mobiles: '',
      mobile: '',
      count: '0',
      content: '',
      signature: '',
      extNo: '',
      sendTime: '',
      ...timeValues(new Date(), this.utcOffsetMin),
      ...extra,
    };
    // A var is rendered once, so {timestamp} or {random} inside it is the same wherever the var is used.
    for (const [name, t] of this.vars) values[name] = render(t, { values, charset });
    return values;
  }

  async send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const limits = {
      maxNumbers: this.settings.send.maxNumbers,
      concurrency: this.settings.concurrency,
      charset: this.settings.send.charset ?? this.settings.charset,
    };
    return sendInRequests(this.name, batch, limits, (group) => this.sendGroup(group));
  }

  private async sendGroup(group: OutboundMessage[]): Promise<SendOutcome[]> {
    const first = group[0]!;
    const prefixed = group.map((m) => this.settings.mobilePrefix + m.mobile);
    const values = this.values(
      {
        mobiles: prefixed.join(this.settings.send.mobileSeparator),
        mobile: prefixed[0]!,
        count: String(group.length),
        content: first.content,
        signature: first.signature ?? '',
        extNo: first.extNo ?? '',
      },
      this.sendRequest.charset,
    );
    const res = await vendorRequest(buildRequest(this.sendRequest, values, prefixed, this.settings.timeoutMs));
    const reading = readSendAnswer(
      res.status,
      res.text,
      group.map((m) => m.mobile),
      this.settings.send.answer,
      (m) => localMobile(m, this.settings.mobilePrefix),
      () => `gw-${randomUUID()}`,
    );
    if (reading.warning) this.context.log.warn({ vendor: this.name, numbers: group.length }, reading.warning);
    return group.map((m, i): SendOutcome => {
      const o = reading.outcomes[i]!;
      return o.ok
        ? { id: m.id, ok: true, vendorMsgId: o.vendorMsgId }
        : { id: m.id, ok: false, retryable: o.retryable, error: `${this.name}: ${o.error}` };
    });
  }

  private recordOptions(reader: RecordOptions['reader'], charset: Charset): RecordOptions {
    return {
      vendor: this.name,
      charset,
      mobilePrefix: this.settings.mobilePrefix,
      utcOffsetMin: this.utcOffsetMin,
      now: new Date(),
      reader,
    };
  }

  /** Records → news; `skip` (polls) logs and leaves out a bad record instead of refusing all. */
  private news(kind: 'reports' | 'replies', records: RawRecord[], opts: RecordOptions, skip?: (err: Error) => void): VendorNews {
    const reports: DeliveryReport[] = [];
    const replies: InboundReply[] = [];
    for (const record of records) {
      try {
        if (kind === 'reports') reports.push(...recordToReports(record, opts, this.settings.reports!));
        else replies.push(recordToReply(record, opts));
      } catch (err) {
        if (!skip) throw err;
        skip(err as Error);
      }
    }
    return kind === 'reports' ? { reports } : { replies };
  }

  private pushHandler(kind: 'reports' | 'replies', spec: PushSpec): PushHandler {
    const charset = spec.charset ?? this.settings.charset;
    const verify = Object.entries(spec.verify).map(([key, t]) => [key, parseTemplate(t)] as const);
    return {
      parse: (push) => {
        let params = new URLSearchParams();
        let json: unknown;
        if (spec.format === 'json') {
          json = readAnswer(iconv.decode(push.body, charset), 'json').json;
          if (json === undefined || typeof json !== 'object' || json === null) throw new Error('push body is not a JSON object or array');
          if (!Array.isArray(json)) for (const [k, v] of Object.entries(json)) params.set(k, scalarText(v));
        } else {
          params = pushForm(push, charset);
        }
        if (verify.length > 0) {
          const pushed: Values = {};
          for (const [k, v] of params) pushed[`push.${k}`] = v;
          const values = this.values(pushed, charset);
          for (const [key, t] of verify) {
            const got = spec.format === 'json' ? scalarText(jsonPathGet(json, key)[0]) : (params.get(key) ?? '');
            if (got !== render(t, { values, charset })) throw new Error(`push check failed: ${key}`);
          }
        }
        let records: RawRecord[];
        if (spec.text) {
          const source =
            spec.text.param === undefined
              ? iconv.decode(push.body, charset)
              : spec.format === 'json'
                ? scalarText(jsonPathGet(json, spec.text.param)[0])
                : (params.get(spec.text.param) ?? '');
          records = parseTextRecords(source, spec.text);
        } else if (spec.format === 'json') {
          records = jsonRecords(json, spec.list, spec.fields!);
        } else {
          records = [formRecord(params, spec.fields!)];
        }
        return this.news(kind, records, this.recordOptions(spec, charset));
      },
      answer: (applied) => ({
        ...(applied || spec.answer.failureStatus === undefined ? {} : { status: spec.answer.failureStatus }),
        contentType: spec.answer.contentType,
        body: applied ? spec.answer.success : spec.answer.failure,
      }),
    };
  }

  private poll(kind: 'reports' | 'replies', spec: PollSpec): VendorPoll {
    const req = compileRequest(spec, this.settings);
    return {
      name: kind,
      intervalMs: spec.intervalMs,
      fetch: async () => {
        const { answer } = await this.ask(req, spec, kind);
        const skip = (err: Error) => this.context.log.warn({ vendor: this.name, kind, reason: err.message }, 'polled record skipped');
        const records = spec.text
          ? parseTextRecords(answer.text, spec.text, skip)
          : answer.json === undefined
            ? []
            : jsonRecords(answer.json, spec.list, spec.fields!);
        return this.news(kind, records, this.recordOptions(spec, req.charset), skip);
      },
    };
  }

  /** A poll or balance call: HTTP 2xx and the success check, or it throws with the raw answer. */
  private async ask(
    req: CompiledRequest,
    spec: { format: 'text' | 'json'; success?: Parameters<typeof checkAnswer>[1] },
    what: string,
  ): Promise<{ answer: Answer }> {
    const res = await vendorRequest(buildRequest(req, this.values({}, req.charset), [], this.settings.timeoutMs));
    const raw = res.text.trim().slice(0, 300);
    if (res.status < 200 || res.status >= 300) throw new Error(`${this.name} ${what}: HTTP ${res.status} ${raw}`);
    const answer = readAnswer(res.text, spec.format);
    if (spec.format === 'json' && answer.json === undefined && res.text.trim() !== '')
      throw new Error(`${this.name} ${what}: not JSON: ${raw}`);
    if (spec.success && !checkAnswer(answer, spec.success)) throw new Error(`${this.name} ${what}: ${raw}`);
    return { answer };
  }

  private async askBalance(): Promise<VendorBalance> {
    const spec = this.settings.balance!;
    const { answer } = await this.ask(compileRequest(spec, this.settings), spec, 'balance');
    const value = pickOne(answer, spec.value);
    const balance = value === undefined ? Number.NaN : Number(value);
    if (!Number.isFinite(balance)) throw new Error(`${this.name} balance: no number in ${answer.text.trim().slice(0, 300)}`);
    return { balance, raw: answer.text };
  }
}

export const configuredHttp = defineVendor({
  type: 'http',
  settings: httpSettings,
  create: (settings, context) => new HttpVendor(settings, context),
});
