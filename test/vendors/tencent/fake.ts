import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type ReceivedRequest, startFakeServer } from '../support';

/**
 * A simulated Tencent Cloud SMS (API 3.0, version 2021-01-11), written from Tencent Cloud's documentation, not from
 * the adapter:
 *
 * - 签名方法 v3 (TC3-HMAC-SHA256): CanonicalRequest = method \n "/" \n query \n the signed headers as
 *   `name:value\n` (names and values lower-case, trimmed) \n SignedHeaders \n hex SHA-256 of the payload; the
 *   credential scope `<UTC date of X-TC-Timestamp>/sms/tc3_request`; StringToSign = "TC3-HMAC-SHA256" \n timestamp
 *   \n scope \n hex SHA-256 of the canonical request; the key HMAC chain "TC3"+SecretKey → date → service →
 *   "tc3_request". content-type and host must be signed. Refusals in the platform's words, HTTP 200 with
 *   `Response.Error`: AuthFailure.SignatureFailure, AuthFailure.SecretIdNotFound, AuthFailure.SignatureExpire (more
 *   than 5 minutes off).
 * - Parameters typed as the API takes them (strings stay strings: TemplateId "449739", SmsSdkAppId "1400…"),
 *   else `InvalidParameter`.
 * - `SendSms`: SmsSdkAppId, SignName (approved), TemplateId (approved), TemplateParamSet (exactly as many as the
 *   template's `{n}`: FailedOperation.TemplateParamSetNotMatchApprovedTemplate), PhoneNumberSet (none:
 *   MissingParameter.EmptyPhoneNumberSet; ≤ 200, else LimitExceeded.PhoneNumberCountLimit; E.164 `+86…`;
 *   another form InvalidParameterValue.IncorrectPhoneNumber for that number). Answers `SendStatusSet[{SerialNo,
 *   PhoneNumber, Fee, SessionContext, Code:"Ok", Message, IsoCode}]`, Fee counted 70 / 67 a part with the 【signature】.
 * - `PullSmsSendStatus` / `PullSmsReplyStatus` (Limit 1–100, else InvalidParameterValue.LimitVerifyFail;
 *   SmsSdkAppId) hand each report or reply out once:
 *   `PullSmsSendStatusSet[{UserReceiveTime (UNIX seconds), CountryCode, SubscriberNumber, PhoneNumber, SerialNo,
 *   ReportStatus, Description, SessionContext}]`, `PullSmsReplyStatusSet[{ExtendCode, CountryCode, PhoneNumber,
 *   SignName, ReplyContent, ReplyTime (UNIX seconds), SubscriberNumber}]` (2021-01-11: 2019-07-11's string times and
 *   ReplyUnixTime are gone). `DescribeSmsTemplateList` (International, Limit ≤ 100, Offset) lists templates with
 *   StatusCode 0 approved.
 * - With callback URLs set (the console's 回调配置), reports and replies are POSTed there instead, as the callbacks'
 *   JSON: `[{user_receive_time ("2015-10-17 08:03:04"), nationcode, mobile, report_status, errmsg (the carrier's
 *   code, DELIVRD when delivered), description, sid}]` and `{extend, mobile, nationcode, sign, text, time (UNIX
 *   seconds)}`; the answer must be `{"result":0,…}`.
 */

export const TENCENT_SECRET_ID = 'AKIDsimulatorSecretId';
export const TENCENT_SECRET_KEY = 'simulator-secret-key';
export const TENCENT_APP_ID = '1400006666';
export const TENCENT_SIGN = '测试';

export interface TencentTemplate {
  id: number;
  content: string;
  status?: 0 | 1 | -1;
}

export const TENCENT_TEMPLATES: TencentTemplate[] = [
  { id: 449739, content: '您的验证码是{1}，请于{2}分钟内填写，如非本人操作请忽略本短信。' },
  { id: 449740, content: '您的验证码是{1}' },
  {
    id: 449741,
    content:
      '尊敬的{1}：您预约的{2}已经确认，请于预约时间前十五分钟到达服务大厅，携带身份证件及预约短信；如需改期请提前一天回复本短信或致电客服中心。',
  },
  { id: 449799, content: '活动{1}即将开始', status: 1 },
];

export interface TencentSend {
  numbers: string[];
  templateId: string;
  params: string[];
  signName: string;
  text: string;
  serials: Map<string, string>;
  fee: number;
}

export interface FakeTencent {
  url: string;
  received: ReceivedRequest[];
  sends: TencentSend[];
  /** Refused requests: their action and Error.Code. */
  refusals: { action: string; code: string }[];
  /** A number's report: ReportStatus, the carrier's code (the callback's errmsg) and the description of both. */
  reportFor: (mobile: string) => { status: 'SUCCESS' | 'FAIL'; errmsg: string; description: string };
  /** Where reports and replies are pushed instead of queued for the pull calls; null: queued. */
  callbacks: { reports: string; replies: string } | null;
  /** Callbacks made, and the answers they got. */
  pushes: { kind: 'reports' | 'replies'; body: unknown; status: number; answer: string }[];
  /** An inbound message: queued for PullSmsReplyStatus, or pushed to the reply callback. */
  addReply(mobile: string, content: string): Promise<void>;
  stop(): Promise<void>;
}

const sha256hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

/** The billable parts of a text, as Tencent counts them: 70 characters one message, longer ones 67 a part. */
export function tencentParts(text: string): number {
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
}

type Refusal = { code: string; message: string };

function verify(req: ReceivedRequest): Refusal | null {
  const m =
    /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      String(req.headers.authorization ?? ''),
    );
  if (!m) return { code: 'AuthFailure.InvalidAuthorization', message: 'Authorization header is not in the TC3-HMAC-SHA256 form.' };
  const [, secretId, date, service, signedHeaders, signature] = m as unknown as string[];
  if (secretId !== TENCENT_SECRET_ID)
    return { code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found, please ensure that your SecretId is correct.' };
  const timestamp = Number(req.headers['x-tc-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) {
    return {
      code: 'AuthFailure.SignatureExpire',
      message: 'Signature expired. Timestamp and server time cannot differ by more than 5 minutes.',
    };
  }
  const signed = signedHeaders!.split(';');
  const failure = {
    code: 'AuthFailure.SignatureFailure',
    message: 'The provided credentials could not be validated. Please check your signature is correct.',
  };
  if (!signed.includes('content-type') || !signed.includes('host')) return failure;
  if (service !== 'sms' || date !== new Date(timestamp * 1000).toISOString().slice(0, 10)) return failure;
  const canonicalHeaders = signed
    .map(
      (h) =>
        `${h}:${String(req.headers[h] ?? '')
          .trim()
          .toLowerCase()}\n`,
    )
    .join('');
  const canonicalRequest = [req.method, '/', req.rawQuery, canonicalHeaders, signedHeaders, sha256hex(req.body)].join('\n');
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(`TC3${TENCENT_SECRET_KEY}`, date!), service!), 'tc3_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex') === signature ? null : failure;
}

type ParamType = 'string' | 'integer' | 'strings' | 'integers';
/** Each action's parameters and their types (the SDK's v20210111 models); `!` marks a required one. */
const PARAMETERS: Record<string, Record<string, ParamType>> = {
  SendSms: {
    'PhoneNumberSet!': 'strings',
    'SmsSdkAppId!': 'string',
    'TemplateId!': 'string',
    SignName: 'string',
    TemplateParamSet: 'strings',
    ExtendCode: 'string',
    SessionContext: 'string',
    SenderId: 'string',
  },
  PullSmsSendStatus: { 'Limit!': 'integer', 'SmsSdkAppId!': 'string' },
  PullSmsReplyStatus: { 'Limit!': 'integer', 'SmsSdkAppId!': 'string' },
  DescribeSmsTemplateList: { 'International!': 'integer', TemplateIdSet: 'integers', Limit: 'integer', Offset: 'integer' },
};

/** The first parameter missing or of another type than the API takes (API 3.0 types are strict: "1400…" is no integer). */
function wrongTypes(action: string, body: Record<string, unknown>): string | null {
  const is: Record<ParamType, (v: unknown) => boolean> = {
    string: (v) => typeof v === 'string',
    integer: (v) => Number.isInteger(v),
    strings: (v) => Array.isArray(v) && v.every((e) => typeof e === 'string'),
    integers: (v) => Array.isArray(v) && v.every((e) => Number.isInteger(e)),
  };
  for (const [key, type] of Object.entries(PARAMETERS[action] ?? {})) {
    const name = key.replace('!', '');
    if (body[name] === undefined ? key.endsWith('!') : !is[type](body[name])) return name;
  }
  return null;
}

export async function startFakeTencent(templates: TencentTemplate[] = TENCENT_TEMPLATES): Promise<FakeTencent> {
  const sends: TencentSend[] = [];
  const refusals: FakeTencent['refusals'] = [];
  const reports: Record<string, unknown>[] = [];
  const replies: Record<string, unknown>[] = [];
  let serial = 0;
  const pushes: FakeTencent['pushes'] = [];
  const push = async (kind: 'reports' | 'replies', body: unknown) => {
    const res = await fetch(fake.callbacks![kind], {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    pushes.push({ kind, body, status: res.status, answer: await res.text() });
  };
  const chinaTime = () => new Date(Date.now() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);

  const respond = (res: ServerResponse, response: Record<string, unknown>) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ Response: { ...response, RequestId: randomUUID() } }));
  };
  const refuse = (res: ServerResponse, action: string, code: string, message: string) => {
    refusals.push({ action, code });
    respond(res, { Error: { Code: code, Message: message } });
  };
  const take = (queue: Record<string, unknown>[], limit: unknown) => queue.splice(0, Number(limit));

  const sendSms = (body: Record<string, unknown>, res: ServerResponse) => {
    const numbers = body.PhoneNumberSet as string[];
    if (numbers.length === 0) return refuse(res, 'SendSms', 'MissingParameter.EmptyPhoneNumberSet', '传入的号码列表为空');
    if (numbers.length > 200) return refuse(res, 'SendSms', 'LimitExceeded.PhoneNumberCountLimit', '单次提交号码数量超过上限');
    if (body.SignName !== TENCENT_SIGN)
      return refuse(res, 'SendSms', 'FailedOperation.SignatureIncorrectOrUnapproved', '签名未审批或格式错误');
    const template = templates.find((t) => String(t.id) === body.TemplateId && (t.status ?? 0) === 0);
    if (!template) return refuse(res, 'SendSms', 'FailedOperation.TemplateIncorrectOrUnapproved', '模板未审批或内容不匹配');
    const params = (body.TemplateParamSet ?? []) as string[];
    const placeholders = new Set([...template.content.matchAll(/\{(\d+)\}/g)].map((p) => p[1]));
    if (params.length !== placeholders.size) {
      return refuse(res, 'SendSms', 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate', '请求内容与审核通过的模板内容不匹配');
    }
    const text = `【${TENCENT_SIGN}】${template.content.replace(/\{(\d+)\}/g, (_, n: string) => params[Number(n) - 1]!)}`;
    const fee = tencentParts(text);
    const send: TencentSend = { numbers, templateId: String(template.id), params, signName: TENCENT_SIGN, text, serials: new Map(), fee };
    sends.push(send);
    const statuses = numbers.map((n) => {
      if (!/^\+861\d{10}$/.test(n))
        return {
          SerialNo: '',
          PhoneNumber: n,
          Fee: 0,
          SessionContext: body.SessionContext ?? '',
          Code: 'InvalidParameterValue.IncorrectPhoneNumber',
          Message: '手机号格式错误',
          // An unrecognised country or region: DEF, as the SendStatus model says.
          IsoCode: 'DEF',
        };
      const serialNo = `2028:${Date.now()}${String(++serial).padStart(6, '0')}`;
      send.serials.set(n, serialNo);
      const outcome = fake.reportFor(n.slice(3));
      if (fake.callbacks) {
        const callback = {
          user_receive_time: chinaTime(),
          nationcode: '86',
          mobile: n.slice(3),
          report_status: outcome.status,
          errmsg: outcome.errmsg,
          description: outcome.description,
          sid: serialNo,
        };
        setTimeout(() => void push('reports', [callback]).catch(() => undefined), 400);
      } else {
        reports.push({
          UserReceiveTime: Math.floor(Date.now() / 1000),
          CountryCode: '86',
          SubscriberNumber: n.slice(3),
          PhoneNumber: n,
          SerialNo: serialNo,
          ReportStatus: outcome.status,
          Description: outcome.description,
          SessionContext: body.SessionContext ?? '',
        });
      }
      return {
        SerialNo: serialNo,
        PhoneNumber: n,
        Fee: fee,
        SessionContext: body.SessionContext ?? '',
        Code: 'Ok',
        Message: 'send success',
        IsoCode: 'CN',
      };
    });
    respond(res, { SendStatusSet: statuses });
  };

  const server = await startFakeServer((req, res) => {
    const action = String(req.headers['x-tc-action'] ?? '');
    const refused = verify(req);
    if (refused) return refuse(res, action, refused.code, refused.message);
    if (req.headers['x-tc-version'] !== '2021-01-11') return refuse(res, action, 'InvalidParameterValue', 'X-TC-Version is not 2021-01-11');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return refuse(res, action, 'InvalidParameter', 'the body is not JSON');
    }
    const mistyped = wrongTypes(action, body);
    if (mistyped) return refuse(res, action, 'InvalidParameter', `the parameter ${mistyped} has the wrong type`);
    if (action !== 'DescribeSmsTemplateList' && body.SmsSdkAppId !== TENCENT_APP_ID) {
      return refuse(res, action, 'UnauthorizedOperation.SmsSdkAppIdVerifyFail', 'SmsSdkAppId 校验失败');
    }
    if (action === 'SendSms') return sendSms(body, res);
    if (action.startsWith('Pull') && ((body.Limit as number) < 1 || (body.Limit as number) > 100)) {
      return refuse(res, action, 'InvalidParameterValue.LimitVerifyFail', '参数 Limit 校验失败');
    }
    if (action === 'PullSmsSendStatus') return respond(res, { PullSmsSendStatusSet: take(reports, body.Limit) });
    if (action === 'PullSmsReplyStatus') return respond(res, { PullSmsReplyStatusSet: take(replies, body.Limit) });
    if (action === 'DescribeSmsTemplateList') {
      const offset = Number(body.Offset ?? 0);
      const limit = Math.min(Number(body.Limit ?? 0), 100);
      // Every simulated template is domestic: an international listing is empty.
      const page = body.International === 0 ? templates.slice(offset, offset + limit) : [];
      return respond(res, {
        DescribeTemplateStatusSet: page.map((t) => ({
          TemplateName: `template ${t.id}`,
          TemplateId: t.id,
          International: 0,
          StatusCode: t.status ?? 0,
          ReviewReply: '',
          CreateTime: 1700000000,
          TemplateContent: t.content,
        })),
      });
    }
    refuse(res, action, 'InvalidAction', `the action ${action} does not exist`);
  });

  const fake: FakeTencent = {
    url: server.url,
    received: server.received,
    sends,
    refusals,
    reportFor: () => ({ status: 'SUCCESS', errmsg: 'DELIVRD', description: '用户短信送达成功' }),
    callbacks: null,
    pushes,
    addReply: async (mobile, content) => {
      if (fake.callbacks) {
        await push('replies', {
          extend: '',
          mobile,
          nationcode: '86',
          sign: TENCENT_SIGN,
          text: content,
          time: Math.floor(Date.now() / 1000),
        });
        return;
      }
      replies.push({
        ExtendCode: '',
        CountryCode: '86',
        PhoneNumber: `+86${mobile}`,
        SignName: TENCENT_SIGN,
        ReplyContent: content,
        ReplyTime: Math.floor(Date.now() / 1000),
        SubscriberNumber: mobile,
      });
    },
    stop: () => server.stop(),
  };
  return fake;
}
