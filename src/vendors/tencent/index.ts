import { createHash, createHmac } from 'node:crypto';
import { z } from 'zod';
import type { DeliveryReport, DeliveryStatus } from '../../core/reports';
import type { InboundReply } from '../../core/replies';
import { localMobile, parseVendorTime, type ErrorKind, errorClassifier } from '../common';
import { vendorRequest } from '../request';
import { httpUrl, pollSettings, vendorSettings } from '../settings';
import { allPages, type ListedTemplate, TemplateBook, TemplateVendor, templateListSettings, templateSettings } from '../templates';
import {
  defineVendor,
  type OutboundMessage,
  type PushAnswer,
  type PushHandler,
  type PushRequest,
  type SendOutcome,
  type VendorContext,
  type VendorPoll,
} from '../types';

/**
 * Tencent Cloud SMS 2021-01-11: JSON POSTs signed with TC3-HMAC-SHA256, signed here rather than through
 * `tencentcloud-sdk-nodejs-sms`: the SDK takes the signing service from the endpoint's first label (`127` for a
 * loopback endpoint, where the platform requires `sms`), and sends through its own HTTP client instead of the
 * gateway's one pool and call timeout. `SendSms` takes up to 200 `+86…` numbers with one template and one
 * signature and answers per number; reports and replies are polled (`PullSmsSendStatus`, `PullSmsReplyStatus`) or
 * come as its JSON callbacks (`callbacks: true`).
 */
const SERVICE = 'sms';
const VERSION = '2021-01-11';

export const settings = vendorSettings.extend({
  url: httpUrl.default('https://sms.tencentcloudapi.com'),
  /** `username` is the SecretId, `password` the SecretKey. SmsSdkAppId: the SMS application (1400…). */
  sdkAppId: z.union([z.string().regex(/^\d+$/), z.int().transform(String)]),
  region: z.string().min(1).default('ap-guangzhou'),
  ...templateSettings,
  ...templateListSettings,
  /** PhoneNumberSet of one SendSms: at most 200. */
  maxNumbersPerRequest: z.int().min(1).max(200).default(200),
  /**
   * true: reports and replies come as Tencent's JSON callbacks (set `/callbacks/<name>/reports` and `…/replies` in
   * the console); false: they are polled with PullSmsSendStatus and PullSmsReplyStatus every pollIntervalMs.
   */
  callbacks: z.boolean().default(false),
  ...pollSettings,
});
export type TencentSettings = z.infer<typeof settings>;

const sha256hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** The TC3-HMAC-SHA256 Authorization of a JSON POST to `/` (Tencent Cloud API 3.0, 签名方法 v3). */
export function tc3Authorization(options: { secretId: string; secretKey: string; host: string; body: string; timestamp: number }): string {
  const { secretId, secretKey, host, body, timestamp } = options;
  const date = new Date(timestamp * 1000).toISOString().slice(0, 10);
  const signedHeaders = 'content-type;host';
  const canonicalRequest = [
    'POST',
    '/',
    '',
    `content-type:application/json; charset=utf-8\nhost:${host}\n`,
    signedHeaders,
    sha256hex(body),
  ].join('\n');
  const scope = `${date}/${SERVICE}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(`TC3${secretKey}`, date), SERVICE), 'tc3_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return `TC3-HMAC-SHA256 Credential=${secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

/**
 * The documented SendSms codes (per number in SendStatusSet, or for the request in Response.Error; the SMS codes as
 * the SDKs' sms/v20210111 error lists name them, AuthFailure.* and RequestLimitExceeded the API's common codes).
 * Permanent: the number or the content (a bad or blacklisted number, per-number frequency limits and the console's
 * frequency policy, sensitive words, parameters the template refuses). Retryable: our credentials and account, the
 * platform, and our templates and signatures there.
 */
const ERROR_CODES: Record<string, ErrorKind> = {
  'InvalidParameterValue.IncorrectPhoneNumber': 'permanent',
  'FailedOperation.PhoneNumberParseFail': 'permanent',
  'FailedOperation.PhoneNumberInBlacklist': 'permanent',
  'FailedOperation.ContainSensitiveWord': 'permanent',
  'InvalidParameterValue.ContentLengthLimit': 'permanent',
  'InvalidParameterValue.TemplateParameterFormatError': 'permanent',
  'InvalidParameterValue.TemplateParameterLengthLimit': 'permanent',
  'InvalidParameterValue.ProhibitedUseUrlInTemplateParameter': 'permanent',
  'LimitExceeded.PhoneNumberDailyLimit': 'permanent',
  'LimitExceeded.PhoneNumberOneHourLimit': 'permanent',
  'LimitExceeded.PhoneNumberSameContentDailyLimit': 'permanent',
  'LimitExceeded.PhoneNumberThirtySecondLimit': 'permanent',
  'LimitExceeded.DeliveryFrequencyLimit': 'permanent',
  'FailedOperation.PhoneNumberOnBlacklist': 'permanent',
  'InvalidParameter.DirtyWordFound': 'permanent',
  'UnsupportedOperation.UnsupportedRegion': 'permanent',
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate': 'retryable',
  'FailedOperation.TemplateIncorrectOrUnapproved': 'retryable',
  'FailedOperation.TemplateUnapprovedOrNotExist': 'retryable',
  'FailedOperation.TemplateIdNotExist': 'retryable',
  'FailedOperation.SignatureIncorrectOrUnapproved': 'retryable',
  'FailedOperation.InsufficientBalanceInSmsPackage': 'retryable',
  'FailedOperation.MarketingSendTimeConstraint': 'retryable',
  'LimitExceeded.DailyLimit': 'retryable',
  'LimitExceeded.AppDailyLimit': 'retryable',
  'LimitExceeded.PhoneNumberCountLimit': 'retryable',
  'UnauthorizedOperation.SmsSdkAppIdVerifyFail': 'retryable',
  'UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny': 'retryable',
  'UnauthorizedOperation.RequestIpNotInWhitelist': 'retryable',
  'UnauthorizedOperation.ServiceSuspendDueToArrears': 'retryable',
  'UnauthorizedOperation.SdkAppIdIsDisabled': 'retryable',
  'AuthFailure.SignatureFailure': 'retryable',
  'AuthFailure.SignatureExpire': 'retryable',
  'AuthFailure.SecretIdNotFound': 'retryable',
  'InternalError.Timeout': 'retryable',
  'InternalError.RequestTimeException': 'retryable',
  'InternalError.SendAndRecvFail': 'retryable',
  RequestLimitExceeded: 'retryable',
};

export const classifyError = errorClassifier(ERROR_CODES);

/** `+86` and the 11 digits: the form PhoneNumberSet takes (E.164). */
export const toVendorNumber = (mobile: string) => `+86${mobile}`;

interface SendStatus {
  SerialNo?: string;
  PhoneNumber?: string;
  Code?: string;
  Message?: string;
}

interface ApiAnswer {
  Response?: { Error?: { Code?: string; Message?: string }; RequestId?: string } & Record<string, unknown>;
}

/** One SendSms answer → one outcome per message: each number's SendStatus, or the request's Error for all. */
export function sendOutcomes(vendor: string, group: Pick<OutboundMessage, 'id' | 'mobile'>[], status: number, text: string): SendOutcome[] {
  const all = (retryable: boolean, error: string): SendOutcome[] =>
    group.map((m) => ({ id: m.id, ok: false, retryable, error: error.slice(0, 255) }));
  let answer: ApiAnswer;
  try {
    answer = JSON.parse(text);
  } catch {
    return all(true, `${vendor}: HTTP ${status} unreadable answer ${text.slice(0, 160)}`);
  }
  const error = answer.Response?.Error;
  if (error)
    return all(
      classifyError(error.Code ?? '') === 'retryable',
      `${vendor}: ${error.Code}: ${error.Message} (RequestId ${answer.Response?.RequestId})`,
    );
  const statuses = (answer.Response?.SendStatusSet ?? []) as SendStatus[];
  const byMobile = new Map(statuses.map((s) => [localMobile(s.PhoneNumber ?? ''), s]));
  return group.map((m): SendOutcome => {
    const s = byMobile.get(m.mobile);
    if (!s) return { id: m.id, ok: false, retryable: true, error: `${vendor}: no SendStatus for ${toVendorNumber(m.mobile)}` };
    if (s.Code === 'Ok' && s.SerialNo) return { id: m.id, ok: true, vendorMsgId: s.SerialNo };
    return {
      id: m.id,
      ok: false,
      retryable: classifyError(s.Code ?? '') === 'retryable',
      error: `${vendor}: ${s.Code}: ${s.Message}`.slice(0, 255),
    };
  });
}

/** ReportStatus SUCCESS delivered; FAIL by its Description (the carrier's code): EXPIRED, REJECT…/BLACK…, else undelivered. */
export function reportStatus(reportStatus: string, description: string): DeliveryStatus {
  if (reportStatus === 'SUCCESS') return 'delivered';
  const d = description.toUpperCase();
  if (d.includes('EXPIRED')) return 'expired';
  if (d.includes('REJECT') || d.includes('BLACK')) return 'rejected';
  return 'undelivered';
}

/** A time 2021-01-11 gives as UNIX seconds (PullSmsSendStatus UserReceiveTime, PullSmsReplyStatus ReplyTime, the reply callback's time). */
function unixSeconds(value: unknown): Date | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? new Date(value * 1000) : null;
}

/**
 * PullSmsSendStatusSet → reports: SerialNo names the row, SubscriberNumber (or PhoneNumber) its number,
 * UserReceiveTime in UNIX seconds (the callback's user_receive_time, China time, is read the same way).
 */
export function parseReports(vendor: string, set: Record<string, unknown>[], now = new Date()): DeliveryReport[] {
  return set.flatMap((r): DeliveryReport[] => {
    const serial = String(r.SerialNo ?? '');
    if (!serial) return [];
    const description = String(r.Description ?? '');
    return [
      {
        vendor,
        vendorMsgId: serial,
        mobile: localMobile(String(r.SubscriberNumber || r.PhoneNumber || '')) || undefined,
        status: reportStatus(String(r.ReportStatus ?? ''), description),
        code: description || String(r.ReportStatus ?? 'UNKNOWN'),
        at: unixSeconds(r.UserReceiveTime) ?? parseVendorTime(String(r.UserReceiveTime ?? '')) ?? now,
      },
    ];
  });
}

/** PullSmsReplyStatusSet → replies; ExtendCode is the extension written to, ReplyTime UNIX seconds. */
export function parseReplies(vendor: string, set: Record<string, unknown>[], now = new Date()): InboundReply[] {
  return set.flatMap((r): InboundReply[] => {
    const mobile = localMobile(String(r.SubscriberNumber || r.PhoneNumber || ''));
    if (!mobile || typeof r.ReplyContent !== 'string') return [];
    return [
      {
        vendor,
        mobile,
        content: r.ReplyContent,
        extNo: String(r.ExtendCode ?? '') || null,
        at: unixSeconds(r.ReplyTime) ?? now,
        vendorKey: JSON.stringify([mobile, r.ReplyTime, r.ReplyContent]),
      },
    ];
  });
}

function callbackItems(push: Pick<PushRequest, 'body'>): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(push.body.toString('utf8'));
  const items = (Array.isArray(parsed) ? parsed : [parsed]) as unknown[];
  if (items.length === 0 || !items.every((i) => typeof i === 'object' && i !== null && !Array.isArray(i))) {
    throw new Error('the callback is not a JSON object or array of objects');
  }
  return items as Record<string, unknown>[];
}

/** The 状态报告 callback `[{user_receive_time, nationcode, mobile, report_status, errmsg, description, sid}]`, read as PullSmsSendStatus items. */
export function parseReportCallback(vendor: string, push: Pick<PushRequest, 'body'>): DeliveryReport[] {
  const items = callbackItems(push).map((c) => ({
    SerialNo: c.sid,
    SubscriberNumber: c.mobile,
    ReportStatus: c.report_status,
    Description: c.errmsg || c.description,
    UserReceiveTime: c.user_receive_time,
  }));
  const reports = parseReports(vendor, items);
  if (reports.length !== items.length) throw new Error('a report callback without sid');
  return reports;
}

/** The 短信回复 callback `{extend, mobile, nationcode, sign, text, time}` (time in Unix seconds), read as PullSmsReplyStatus items. */
export function parseReplyCallback(vendor: string, push: Pick<PushRequest, 'body'>): InboundReply[] {
  const items = callbackItems(push).map((c) => ({
    ExtendCode: c.extend,
    SubscriberNumber: c.mobile,
    ReplyContent: c.text,
    ReplyTime: c.time,
  }));
  const replies = parseReplies(vendor, items);
  if (replies.length !== items.length) throw new Error('a reply callback without mobile or text');
  return replies;
}

/** What Tencent expects to a callback: result 0 taken, anything else and it calls again. */
export function callbackAnswer(applied: boolean): PushAnswer {
  return {
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(applied ? { result: 0, errmsg: 'OK' } : { result: 1, errmsg: 'not stored' }),
  };
}

class TencentVendor extends TemplateVendor {
  readonly polls: VendorPoll[];
  readonly push?: { reports: PushHandler; replies: PushHandler };

  constructor(
    private readonly s: TencentSettings,
    context: VendorContext,
  ) {
    const book = new TemplateBook(s.templates, 'braces', { defaultSign: s.signName });
    super(
      context.name,
      book,
      s.templateList ? { fetch: () => this.listTemplates(), refreshMs: s.templateRefreshMs, log: context.log } : undefined,
    );
    if (s.callbacks) {
      this.polls = [];
      this.push = {
        reports: { parse: (push) => ({ reports: parseReportCallback(this.name, push) }), answer: callbackAnswer },
        replies: { parse: (push) => ({ replies: parseReplyCallback(this.name, push) }), answer: callbackAnswer },
      };
      return;
    }
    this.polls = [
      {
        name: 'reports',
        intervalMs: s.pollIntervalMs,
        fetch: async () => ({ reports: parseReports(this.name, await this.pull('PullSmsSendStatus', 'PullSmsSendStatusSet')) }),
      },
      {
        name: 'replies',
        intervalMs: s.pollIntervalMs,
        fetch: async () => ({ replies: parseReplies(this.name, await this.pull('PullSmsReplyStatus', 'PullSmsReplyStatusSet')) }),
      },
    ];
  }

  /** One signed API call: the HTTP status and the answer's text. */
  private async call(action: string, payload: Record<string, unknown>): Promise<{ status: number; text: string }> {
    const body = JSON.stringify(payload);
    const url = new URL(this.s.url);
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await vendorRequest({
      method: 'POST',
      url: `${url.origin}/`,
      body: Buffer.from(body, 'utf8'),
      headers: {
        'content-type': 'application/json; charset=utf-8',
        authorization: tc3Authorization({ secretId: this.s.username, secretKey: this.s.password, host: url.host, body, timestamp }),
        'x-tc-action': action,
        'x-tc-timestamp': String(timestamp),
        'x-tc-version': VERSION,
        'x-tc-region': this.s.region,
      },
      charset: 'utf-8',
      timeoutMs: this.s.timeoutMs,
    });
    return { status: res.status, text: res.text };
  }

  /** An answer's Response, or an error naming the platform's code. */
  private async expect(action: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { status, text } = await this.call(action, payload);
    const answer = JSON.parse(text) as ApiAnswer;
    if (!answer.Response || answer.Response.Error) {
      throw new Error(
        `${action}: HTTP ${status} ${answer.Response?.Error?.Code ?? ''}: ${answer.Response?.Error?.Message ?? text.slice(0, 160)}`,
      );
    }
    return answer.Response;
  }

  private async pull(action: string, setName: string): Promise<Record<string, unknown>[]> {
    const response = await this.expect(action, { Limit: 100, SmsSdkAppId: this.s.sdkAppId });
    return (response[setName] ?? []) as Record<string, unknown>[];
  }

  send(batch: OutboundMessage[]): Promise<SendOutcome[]> {
    const limits = { maxNumbers: this.s.maxNumbersPerRequest, concurrency: this.s.concurrency };
    return this.sendMatched(batch, limits, async (group, [match]) => {
      const { status, text } = await this.call('SendSms', {
        PhoneNumberSet: group.map((m) => toVendorNumber(m.mobile)),
        SmsSdkAppId: this.s.sdkAppId,
        SignName: match!.signName,
        TemplateId: match!.template,
        // {1}, {2} …: the parameters in their numbers' order.
        TemplateParamSet: [...match!.params].sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v),
        ...(group[0]!.extNo ? { ExtendCode: group[0]!.extNo } : {}),
        SessionContext: String(group[0]!.id),
      });
      return sendOutcomes(this.name, group, status, text);
    });
  }

  /** DescribeSmsTemplateList, 100 a page, the approved (StatusCode 0) domestic templates. */
  async listTemplates(): Promise<ListedTemplate[]> {
    const limit = 100;
    const all = await allPages(limit, async (index) => {
      const response = await this.expect('DescribeSmsTemplateList', { International: 0, Limit: limit, Offset: index * limit });
      return (response.DescribeTemplateStatusSet ?? []) as { TemplateId?: number; TemplateContent?: string; StatusCode?: number }[];
    });
    return all.flatMap((t) =>
      t.StatusCode === 0 && t.TemplateId !== undefined && t.TemplateContent
        ? [{ code: String(t.TemplateId), content: t.TemplateContent }]
        : [],
    );
  }
}

export const tencent = defineVendor({
  type: 'tencent',
  settings,
  create: (s, context) => new TencentVendor(s, context),
});
