import type { z } from 'zod';
import { type ErrorKind, errorClassifier } from '../common';
import { vendorRequest } from '../request';
import { httpUrl, vendorSettings } from '../settings';
import { TemplateBook, TemplateVendor, templateSettings } from '../templates';
import { defineVendor, type OutboundMessage, type SendOutcome, type VendorContext } from '../types';

/**
 * 聚合数据 短信API (seed 000): `GET /sms/send?mobile&tpl_id&tpl_value&key`, one number a request, a template of
 * the account's (its signature is part of the approved template) and its variables as `tpl_value`
 * `#name#=value&#name#=value`, the whole string URL-encoded. Answers JSON `{reason, result{count, fee, sid},
 * error_code}`. Juhe lists no templates and documents no report or reply interface: rows wait for
 * REPORT_TIMEOUT_MS and are reported unknown.
 */
export const settings = vendorSettings.omit({ username: true }).extend({
  /** The one documented URL. `password` is the application's AppKey (`key`). */
  url: httpUrl.default('http://v.juhe.cn/sms/send'),
  templates: templateSettings.templates,
});
export type JuheSettings = z.infer<typeof settings>;

/**
 * Juhe's codes (its API documentation): 2054xx the SMS service's, 100xx the platform's. Permanent: the number (bad,
 * or refused by the per-number frequency rule) and the template's variables. Retryable: our key, account and
 * quota, the network and the platform, and a template id the account lacks (another vendor may carry the text).
 */
const ERROR_CODES: Record<string, ErrorKind> = {
  '205401': 'permanent',
  '205402': 'retryable',
  '205403': 'retryable',
  '205404': 'permanent',
  '205405': 'permanent',
  '205406': 'retryable',
  '205407': 'retryable',
  '205408': 'retryable',
  '10001': 'retryable',
  '10002': 'retryable',
  '10003': 'retryable',
  '10004': 'retryable',
  '10005': 'retryable',
  '10007': 'retryable',
  '10008': 'retryable',
  '10009': 'retryable',
  '10011': 'retryable',
  '10012': 'retryable',
  '10013': 'retryable',
  '10014': 'retryable',
  '10020': 'retryable',
  '10021': 'retryable',
};

export const classifyError = errorClassifier(ERROR_CODES);

/**
 * tpl_value before the request's own URL-encoding: `#name#=value` joined by `&`, a name or value holding `#`, `&`,
 * `=` (or `%`, which the platform's decoding would read as an escape) URL-encoded first, as the documentation asks.
 */
export function tplValue(params: [string, string][]): string {
  const part = (text: string) => (/[#&=%]/.test(text) ? encodeURIComponent(text) : text);
  return params.map(([name, value]) => `#${part(name)}#=${part(value)}`).join('&');
}

/** One answer → the message's outcome: error_code 0 with result.sid accepted; otherwise by the code's kind. */
export function sendOutcome(vendor: string, message: Pick<OutboundMessage, 'id'>, status: number, text: string): SendOutcome {
  let answer: { error_code?: unknown; reason?: unknown; result?: { sid?: unknown } };
  try {
    answer = JSON.parse(text);
  } catch {
    return { id: message.id, ok: false, retryable: true, error: `${vendor}: HTTP ${status} unreadable answer ${text.slice(0, 160)}` };
  }
  const code = String(answer.error_code ?? '');
  const sid = answer.result?.sid;
  if (code === '0' && sid !== undefined && sid !== null && String(sid) !== '')
    return { id: message.id, ok: true, vendorMsgId: String(sid) };
  return {
    id: message.id,
    ok: false,
    retryable: code === '0' || classifyError(code) === 'retryable',
    error: `${vendor}: ${code} ${String(answer.reason ?? '')} | ${text.slice(0, 160)}`.slice(0, 255),
  };
}

class JuheVendor extends TemplateVendor {
  constructor(
    private readonly s: JuheSettings,
    context: VendorContext,
  ) {
    super(context.name, new TemplateBook(s.templates, 'hashes', { signatureRequired: false }));
  }

  send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    // One number a request: `mobile` takes one.
    return this.sendMatched(batch, { maxNumbers: 1, concurrency: this.s.concurrency }, async ([message], [match]) => {
      const res = await vendorRequest({
        method: 'GET',
        url: this.s.url,
        query: [
          ['mobile', message!.mobile],
          ['tpl_id', match!.template],
          ['tpl_value', tplValue(match!.params)],
          ['key', this.s.password],
        ],
        charset: 'utf-8',
        timeoutMs: this.s.timeoutMs,
      });
      return [sendOutcome(this.name, message!, res.status, res.text)];
    });
  }
}

export const juhe = defineVendor({
  type: 'juhe',
  settings,
  create: (s, context) => new JuheVendor(s, context),
});
