import type * as DysmsapiSdk from '@alicloud/dysmsapi20170525';
import type Dysmsapi from '@alicloud/dysmsapi20170525';
import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile, parseVendorTime, type ErrorKind, errorClassifier } from '../common';
import { httpUrl, vendorSettings } from '../settings';
import {
  allPages,
  type ListedTemplate,
  TemplateBook,
  type TemplateMatch,
  TemplateVendor,
  templateListSettings,
  templateSettings,
} from '../templates';
import { defineVendor, type OutboundMessage, type PushAnswer, type PushRequest, type SendOutcome, type VendorContext } from '../types';

/**
 * Aliyun 短信服务, Dysmsapi 2017-05-25, through the official SDK (`@alicloud/dysmsapi20170525`), which signs every
 * call with ACS3-HMAC-SHA256 and can be pointed at any endpoint (host and protocol of `url`). `SendSms` takes up
 * to 1000 numbers with one template, its parameters (JSON) and one signature; reports and replies come as the
 * HTTP batch pushes SmsReport and SmsUp (JSON arrays), answered `{"code":0,"msg":"成功"}`.
 */
export const settings = vendorSettings.extend({
  url: httpUrl.default('https://dysmsapi.aliyuncs.com'),
  /** `username` is the AccessKey ID, `password` the AccessKey Secret. */
  ...templateSettings,
  ...templateListSettings,
  /** PhoneNumbers of one SendSms: at most 1000. */
  maxNumbersPerRequest: z.int().min(1).max(1000).default(1000),
});
export type AliyunSettings = z.infer<typeof settings>;

/** PhoneNumberJson of one SendBatchSms: at most 100. */
const BATCH_NUMBERS = 100;

/**
 * The SendSms error codes of Dysmsapi's error list (isv.*, isp.*) and the OpenAPI gateway's common ones
 * (Throttling*, SignatureDoesNotMatch, InvalidAccessKeyId.*, InvalidTimeStamp.Expired, SignatureNonceUsed,
 * ServiceUnavailable, InternalError). Permanent: the number or the content is refused (a bad number, the
 * per-number limit control, a blacklisted word, parameters the template refuses). Retryable: our account, the
 * platform, throttling, and codes about our templates and signatures at Aliyun, which another vendor does not share.
 */
const ERROR_CODES: Record<string, ErrorKind> = {
  'isv.MOBILE_NUMBER_ILLEGAL': 'permanent',
  'isv.BUSINESS_LIMIT_CONTROL': 'permanent',
  'isv.TEMPLATE_PARAMS_ILLEGAL': 'permanent',
  'isv.INVALID_PARAMETERS': 'permanent',
  'isv.INVALID_JSON_PARAM': 'permanent',
  'isv.BLACK_KEY_CONTROL_LIMIT': 'permanent',
  'isv.PARAM_LENGTH_LIMIT': 'permanent',
  'isv.PARAM_NOT_SUPPORT_URL': 'permanent',
  'isv.SMS_CONTENT_ILLEGAL': 'permanent',
  'isv.DOMESTIC_NUMBER_NOT_SUPPORTED': 'permanent',
  'isv.SECURITY_FROZEN_ACCOUNT': 'permanent',
  'isv.SMS_TEMPLATE_ILLEGAL': 'retryable',
  'isv.TEMPLATE_MISSING_PARAMETERS': 'retryable',
  'isv.SMS_SIGNATURE_ILLEGAL': 'retryable',
  'isv.SMS_SIGN_ILLEGAL': 'retryable',
  'isv.SMS_SIGNATURE_SCENE_ILLEGAL': 'retryable',
  'isv.EXTEND_CODE_ERROR': 'retryable',
  'isv.MOBILE_COUNT_OVER_LIMIT': 'retryable',
  'isv.DAY_LIMIT_CONTROL': 'retryable',
  'isv.AMOUNT_NOT_ENOUGH': 'retryable',
  'isv.OUT_OF_SERVICE': 'retryable',
  'isv.PRODUCT_UN_SUBSCRIPT': 'retryable',
  'isv.PRODUCT_UNSUBSCRIBE': 'retryable',
  'isv.ACCOUNT_NOT_EXISTS': 'retryable',
  'isv.ACCOUNT_ABNORMAL': 'retryable',
  'isv.DENY_IP_RANGE': 'retryable',
  'isp.RAM_PERMISSION_DENY': 'retryable',
  'isp.SYSTEM_ERROR': 'retryable',
  'isv.SYSTEM_ERROR': 'retryable',
  Throttling: 'retryable',
  'Throttling.User': 'retryable',
  'Throttling.Api': 'retryable',
  SignatureDoesNotMatch: 'retryable',
  'InvalidAccessKeyId.NotFound': 'retryable',
  'InvalidAccessKeyId.Inactive': 'retryable',
  'InvalidTimeStamp.Expired': 'retryable',
  SignatureNonceUsed: 'retryable',
  ServiceUnavailable: 'retryable',
  InternalError: 'retryable',
};

export const classifyError = errorClassifier(ERROR_CODES);

/** A SendSms answer (or the error the SDK threw for it) → one outcome per message of the request. */
export function sendOutcomes(
  vendor: string,
  group: Pick<OutboundMessage, 'id'>[],
  code: string,
  bizId: string | undefined,
  raw: string,
): SendOutcome[] {
  return group.map((m): SendOutcome => {
    if (code === 'OK' && bizId) return { id: m.id, ok: true, vendorMsgId: bizId };
    return {
      id: m.id,
      ok: false,
      retryable: code === 'OK' || classifyError(code) === 'retryable',
      error: `${vendor}: ${raw}`.slice(0, 255),
    };
  });
}

/** A report's err_code: DELIVERED delivered; EXPIRED, REJECT…/BLACK… and the rest as the carrier names them. */
export function reportStatus(success: boolean, errCode: string): DeliveryStatus {
  if (success) return 'delivered';
  const c = errCode.toUpperCase();
  if (c.includes('EXPIRED')) return 'expired';
  if (c.includes('REJECT') || c.includes('BLACK')) return 'rejected';
  if (c === 'UNKNOWN' || c === '') return 'unknown';
  return 'undelivered';
}

function pushItems(push: Pick<PushRequest, 'body'>): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(push.body.toString('utf8'));
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (items.length === 0 || !items.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i))) {
    throw new Error('the push is not a JSON array of objects');
  }
  return items as Record<string, unknown>[];
}

const field = (item: Record<string, unknown>, name: string) =>
  item[name] === undefined || item[name] === null ? '' : String(item[name]).trim();

/** SmsReport: `[{phone_number, send_time, report_time, success, err_code, err_msg, sms_size, biz_id, out_id}]`. */
export function parseReportPush(vendor: string, push: Pick<PushRequest, 'body'>, now = new Date()): DeliveryReport[] {
  return pushItems(push).map((item) => {
    const bizId = field(item, 'biz_id');
    const mobile = localMobile(field(item, 'phone_number'));
    if (!bizId || !mobile) throw new Error(`a report without biz_id or phone_number: ${JSON.stringify(item)}`);
    const errCode = field(item, 'err_code');
    const success = item.success === true || field(item, 'success') === 'true';
    return {
      vendor,
      vendorMsgId: bizId,
      mobile,
      status: reportStatus(success, errCode),
      code: errCode || (success ? 'DELIVERED' : 'UNKNOWN'),
      at: parseVendorTime(field(item, 'report_time')) ?? now,
    };
  });
}

/** SmsUp: `[{phone_number, send_time, content, sign_name, dest_code, sequence_id (a number)}]`; dest_code is the extension written to. */
export function parseReplyPush(vendor: string, push: Pick<PushRequest, 'body'>, now = new Date()): InboundReply[] {
  return pushItems(push).map((item) => {
    const mobile = localMobile(field(item, 'phone_number'));
    if (!mobile || typeof item.content !== 'string') throw new Error(`a reply without phone_number or content: ${JSON.stringify(item)}`);
    const sequence = field(item, 'sequence_id');
    return {
      vendor,
      mobile,
      content: item.content,
      extNo: field(item, 'dest_code') || null,
      at: parseVendorTime(field(item, 'send_time')) ?? now,
      vendorKey: sequence ? `sequence_id:${sequence}` : JSON.stringify([mobile, field(item, 'send_time'), item.content]),
    };
  });
}

/** What Aliyun expects to a push (SmsReport and SmsUp alike): `{"code":0,"msg":"接收成功"}` taken; any other code and it pushes again. */
export function pushAnswer(applied: boolean): PushAnswer {
  return {
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(applied ? { code: 0, msg: '接收成功' } : { code: 1, msg: '未接收' }),
  };
}

/** The SDK's error for an answer the platform gave (HTTP 4xx/5xx with a Code), or null for a network failure. */
function answeredError(err: unknown): { code: string; raw: string } | null {
  const e = err as { code?: unknown; data?: Record<string, unknown>; statusCode?: number; message?: string };
  if (!e?.data || typeof e.data !== 'object') return null;
  const code = String(e.data.Code ?? e.code ?? 'unknown');
  return { code, raw: `HTTP ${e.statusCode ?? '?'} ${code}: ${String(e.data.Message ?? e.message ?? '')}` };
}

interface AliyunClient {
  sdk: typeof DysmsapiSdk;
  client: Dysmsapi;
}

async function connect(s: AliyunSettings): Promise<AliyunClient> {
  const [sdk, { Config }] = await Promise.all([import('@alicloud/dysmsapi20170525'), import('@alicloud/openapi-client')]);
  const url = new URL(s.url);
  const client = new sdk.default(
    new Config({
      accessKeyId: s.username,
      accessKeySecret: s.password,
      endpoint: url.host,
      protocol: url.protocol.replace(':', ''),
      // The SDK bounds connect and read apart; together they stay inside the call's timeoutMs as vendorRequest does.
      connectTimeout: Math.ceil(s.timeoutMs / 2),
      readTimeout: Math.ceil(s.timeoutMs / 2),
    }),
  );
  return { sdk, client };
}

class AliyunVendor extends TemplateVendor {
  readonly push = {
    reports: { parse: (push: PushRequest) => ({ reports: parseReportPush(this.name, push) }), answer: pushAnswer },
    replies: { parse: (push: PushRequest) => ({ replies: parseReplyPush(this.name, push) }), answer: pushAnswer },
  };
  private connection: Promise<AliyunClient> | null = null;

  constructor(
    private readonly s: AliyunSettings,
    context: VendorContext,
  ) {
    const book = new TemplateBook(s.templates, 'dollar-braces', { defaultSign: s.signName });
    super(
      context.name,
      book,
      s.templateList ? { fetch: () => this.listTemplates(), refreshMs: s.templateRefreshMs, log: context.log } : undefined,
    );
  }

  /** The SDK and its client, made at the first call (the SDK is loaded then: about 24 MB a gateway without an Aliyun vendor does not carry). */
  private sdk(): Promise<AliyunClient> {
    this.connection ??= connect(this.s);
    return this.connection;
  }

  /**
   * Messages of one template and signature share a request: one text for all of them goes as `SendSms` (up to
   * maxNumbersPerRequest numbers), different parameters (one code per number) as `SendBatchSms`, which takes a
   * number, signature and parameters each, up to 100.
   */
  send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const limits = { maxNumbers: this.s.maxNumbersPerRequest, concurrency: this.s.concurrency };
    const requestKey = (m: TemplateMatch) => JSON.stringify([m.template, m.signName]);
    return this.sendMatched(
      batch,
      limits,
      async (group, matches) => {
        const params = matches.map((m) => (m.params.length > 0 ? JSON.stringify(Object.fromEntries(m.params)) : undefined));
        if (params.every((p) => p === params[0])) {
          const { sdk, client } = await this.sdk();
          return this.call(group, () =>
            client.sendSms(
              new sdk.SendSmsRequest({
                phoneNumbers: group.map((m) => m.mobile).join(','),
                signName: matches[0]!.signName!,
                templateCode: matches[0]!.template,
                templateParam: params[0],
                smsUpExtendCode: group[0]!.extNo ?? undefined,
                outId: String(group[0]!.id),
              }),
            ),
          );
        }
        const outcomes: SendOutcome[] = [];
        const { sdk, client } = await this.sdk();
        for (let i = 0; i < group.length; i += BATCH_NUMBERS) {
          const part = group.slice(i, i + BATCH_NUMBERS);
          const partMatches = matches.slice(i, i + BATCH_NUMBERS);
          const request = new sdk.SendBatchSmsRequest({
            phoneNumberJson: JSON.stringify(part.map((m) => m.mobile)),
            signNameJson: JSON.stringify(partMatches.map((m) => m.signName)),
            templateCode: partMatches[0]!.template,
            templateParamJson: JSON.stringify(partMatches.map((m) => Object.fromEntries(m.params))),
            ...(part.some((m) => m.extNo) ? { smsUpExtendCodeJson: JSON.stringify(part.map((m) => m.extNo ?? '')) } : {}),
            outId: String(part[0]!.id),
          });
          // A part that got no answer is retried alone; the parts already answered keep their outcomes.
          outcomes.push(
            ...(await this.call(part, () => client.sendBatchSms(request)).catch((err: Error) =>
              part.map((m): SendOutcome => ({ id: m.id, ok: false, retryable: true, error: `${this.name}: ${err.message}`.slice(0, 255) })),
            )),
          );
        }
        return outcomes;
      },
      requestKey,
    );
  }

  /** One SendSms or SendBatchSms call → its messages' outcomes; throws when the platform gave no answer. */
  private async call(
    group: OutboundMessage[],
    request: () => Promise<{ body?: { code?: string; message?: string; bizId?: string; requestId?: string } }>,
  ): Promise<SendOutcome[]> {
    try {
      const { body } = await request();
      return sendOutcomes(
        this.name,
        group,
        body?.code ?? '',
        body?.bizId,
        `${body?.code}: ${body?.message} (RequestId ${body?.requestId})`,
      );
    } catch (err) {
      const answered = answeredError(err);
      if (!answered) throw err;
      return sendOutcomes(this.name, group, answered.code, undefined, answered.raw);
    }
  }

  /** QuerySmsTemplateList, page by page (50 a page), the approved templates only. */
  async listTemplates(): Promise<ListedTemplate[]> {
    const pageSize = 50;
    const { sdk, client } = await this.sdk();
    const all = await allPages(pageSize, async (index) => {
      const { body } = await client.querySmsTemplateList(new sdk.QuerySmsTemplateListRequest({ pageIndex: index + 1, pageSize }));
      if (body?.code !== 'OK') throw new Error(`QuerySmsTemplateList: ${body?.code}: ${body?.message}`);
      return body.smsTemplateList ?? [];
    });
    return all.flatMap((t) =>
      t.auditStatus === 'AUDIT_STATE_PASS' && t.templateCode && t.templateContent
        ? [{ code: t.templateCode, content: t.templateContent }]
        : [],
    );
  }
}

export const aliyun = defineVendor({
  type: 'aliyun',
  settings,
  create: (s, context) => new AliyunVendor(s, context),
});
