import { createHash, createHmac, randomInt } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { formPairs, percentBytes, type ReceivedRequest, startFakeServer } from '../support';

/**
 * A simulated Aliyun 短信服务 (Dysmsapi 2017-05-25), written from Aliyun's documentation, not from the adapter:
 *
 * - V3 request signature (ACS3-HMAC-SHA256): CanonicalRequest = method \n "/" \n canonical query (parameters sorted
 *   by name, names and values RFC 3986 percent-encoded, `k=v` joined by `&`) \n canonical headers (`name:value\n`,
 *   lower-case names, trimmed values, sorted) \n SignedHeaders \n hex SHA-256 of the body; StringToSign =
 *   "ACS3-HMAC-SHA256\n" + hex SHA-256 of it; Signature = hex HMAC-SHA256(AccessKey Secret, StringToSign). host and
 *   every `x-acs-*` header must be signed; x-acs-content-sha256 must be the body's hash; x-acs-date within 15
 *   minutes; a nonce is used once. Refusals as the platform words them: HTTP 400 `SignatureDoesNotMatch`, 404
 *   `InvalidAccessKeyId.NotFound`, 400 `InvalidTimeStamp.Expired`, 400 `SignatureNonceUsed`.
 * - Parameters in the query or a form body. `SendSms`: PhoneNumbers (≤ 1000, comma list), SignName (an approved
 *   signature, else isv.SMS_SIGNATURE_ILLEGAL), TemplateCode (an approved template, else isv.SMS_TEMPLATE_ILLEGAL),
 *   TemplateParam (a JSON object with exactly the template's `${…}` variables: isv.INVALID_JSON_PARAM,
 *   isv.TEMPLATE_MISSING_PARAMETERS); a malformed number isv.MOBILE_NUMBER_ILLEGAL. Answer `{Code:"OK", Message,
 *   BizId, RequestId}`. `SendBatchSms`: PhoneNumberJson (≤ 100), SignNameJson and TemplateParamJson, JSON arrays of the
 *   same length (isv.INVALID_PARAMETERS otherwise), each entry checked as above; the same answer.
 * - `QuerySmsTemplateList` (PageIndex from 1, PageSize 1–50, default 10): `{Code, Message, TotalCount,
 *   CurrentPage, PageSize, SmsTemplateList[{TemplateCode, TemplateName, TemplateContent, AuditStatus
 *   (AUDIT_STATE_INIT, AUDIT_STATE_PASS, AUDIT_STATE_NOT_PASS, AUDIT_SATE_CANCEL: the API's own spelling),
 *   TemplateType (0 notification, 1 promotion, 2 verification code), OuterTemplateType (0 code, 1 notification,
 *   2 promotion), CreateDate}]}`.
 * - SmsReport pushed as a JSON array to the console's report URL, `sms_size` counted as Aliyun bills (the text with
 *   its 【signature】: 70 characters one message, else 67 a part); SmsUp (replies) the same way, `sequence_id` a
 *   number. Both expect the answer `{"code":0,"msg":"接收成功"}`; `accepted` on each push says whether code was 0.
 */

export const ALIYUN_KEY_ID = 'LTAI5tSimulatorKeyId';
export const ALIYUN_KEY_SECRET = 'simulator-access-key-secret';
export const ALIYUN_SIGN = '测试';

export interface AliyunTemplate {
  code: string;
  content: string;
  status?: 'AUDIT_STATE_PASS' | 'AUDIT_STATE_INIT' | 'AUDIT_STATE_NOT_PASS' | 'AUDIT_SATE_CANCEL';
}

/** The templates the account has: the brief's verification code, a long notice, a shorter code text, one pending. */
export const ALIYUN_TEMPLATES: AliyunTemplate[] = [
  { code: 'SMS_228533331', content: '您的验证码是${code}，5分钟内有效，请勿泄露。' },
  { code: 'SMS_228533332', content: '您的验证码是${code}' },
  {
    code: 'SMS_228533340',
    content:
      '尊敬的${name}：您的订单${order}已由顺丰速运发出，预计两天内送达，请保持电话畅通；如有疑问请回复本短信或拨打客服热线，我们将竭诚为您服务。',
  },
  { code: 'SMS_228533399', content: '活动${name}即将开始', status: 'AUDIT_STATE_INIT' },
];

/** One number of a send, and the text its handset gets: 【signature】 and the template with its parameters. */
export interface AliyunEntry {
  phoneNumber: string;
  signName: string;
  templateParam: Record<string, string>;
  text: string;
}

export interface AliyunSend {
  action: 'SendSms' | 'SendBatchSms';
  templateCode: string;
  entries: AliyunEntry[];
  bizId: string;
}

export interface AliyunRefusal {
  action: string;
  code: string;
  status: number;
}

export interface FakeAliyun {
  url: string;
  received: ReceivedRequest[];
  sends: AliyunSend[];
  refusals: AliyunRefusal[];
  /** Pushes made (reports and replies) and the answers they got. */
  pushes: { kind: 'reports' | 'replies'; body: unknown; status: number; answer: string; accepted: boolean }[];
  reportUrl: string | null;
  replyUrl: string | null;
  /** Whether the number's message is delivered (err_code DELIVERED) or not (err_code given). */
  reportFor: (mobile: string) => { success: true } | { success: false; errCode: string };
  reportDelayMs: number;
  pushReply(reply: { mobile: string; content: string; destCode?: string }): Promise<number>;
  stop(): Promise<void>;
}

/** RFC 3986 percent-encoding as the documentation gives it (UTF-8; unreserved `A-Za-z0-9-_.~` kept). */
export function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** The billable parts of a text, as Aliyun counts them: 70 characters one message, longer ones 67 a part. */
export function aliyunParts(text: string): number {
  return text.length <= 70 ? 1 : Math.ceil(text.length / 67);
}

/** Decoded name/value pairs of the query and (form) body, as the platform reads RPC parameters. */
function parameters(req: ReceivedRequest): [string, string][] {
  const decode = (v: string) => percentBytes(v).toString('utf8');
  const pairs = formPairs(req.rawQuery).map(([k, v]): [string, string] => [decode(k), decode(v)]);
  if (/x-www-form-urlencoded/.test(String(req.headers['content-type'] ?? ''))) {
    pairs.push(...formPairs(req.body.toString('latin1')).map(([k, v]): [string, string] => [decode(k), decode(v)]));
  }
  return pairs;
}

/** The signature check: null when the request is signed right, else the platform's refusal. */
function checkSignature(req: ReceivedRequest, usedNonces: Set<string>): { status: number; code: string; message: string } | null {
  const auth = String(req.headers.authorization ?? '');
  const m = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(auth);
  if (!m) return { status: 400, code: 'IncompleteSignature', message: 'The request signature does not conform to Aliyun standards.' };
  const [, keyId, signedHeaders, signature] = m as unknown as [string, string, string, string];
  if (keyId !== ALIYUN_KEY_ID) return { status: 404, code: 'InvalidAccessKeyId.NotFound', message: 'Specified access key is not found.' };
  const signed = signedHeaders.split(';');
  const required = ['host', ...Object.keys(req.headers).filter((h) => h.startsWith('x-acs-'))];
  if (required.some((h) => !signed.includes(h)) || signed.some((h) => req.headers[h] === undefined)) {
    return { status: 400, code: 'IncompleteSignature', message: 'The request signature does not conform to Aliyun standards.' };
  }
  const hashedPayload = sha256hex(req.body);
  if (req.headers['x-acs-content-sha256'] !== hashedPayload) {
    return { status: 400, code: 'SignatureDoesNotMatch', message: 'Specified signature does not match our calculation.' };
  }
  const canonicalQuery = parameters({ ...req, body: Buffer.alloc(0), headers: {} })
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = [...signed]
    .sort()
    .map((h) => `${h}:${String(req.headers[h]).trim()}\n`)
    .join('');
  const canonicalRequest = [req.method, req.path || '/', canonicalQuery, canonicalHeaders, signed.join(';'), hashedPayload].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${sha256hex(canonicalRequest)}`;
  const expected = createHmac('sha256', ALIYUN_KEY_SECRET).update(stringToSign).digest('hex');
  if (expected !== signature) {
    return {
      status: 400,
      code: 'SignatureDoesNotMatch',
      message: `Specified signature does not match our calculation. server string to sign is:${stringToSign}`,
    };
  }
  const date = Date.parse(String(req.headers['x-acs-date'] ?? ''));
  if (!Number.isFinite(date) || Math.abs(Date.now() - date) > 15 * 60_000) {
    return { status: 400, code: 'InvalidTimeStamp.Expired', message: 'Specified time stamp or date value is expired.' };
  }
  const nonce = String(req.headers['x-acs-signature-nonce'] ?? '');
  if (!nonce || usedNonces.has(nonce))
    return { status: 400, code: 'SignatureNonceUsed', message: 'Specified signature nonce was used already.' };
  usedNonces.add(nonce);
  return null;
}

const variables = (content: string) => [...content.matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1]!);

export async function startFakeAliyun(templates: AliyunTemplate[] = ALIYUN_TEMPLATES): Promise<FakeAliyun> {
  const usedNonces = new Set<string>();
  const sends: AliyunSend[] = [];
  const refusals: AliyunRefusal[] = [];
  const pushes: FakeAliyun['pushes'] = [];
  let counter = 0;
  const requestId = () => `${Date.now().toString(16)}-SIM-${String(++counter).padStart(6, '0')}`;

  const push = async (kind: 'reports' | 'replies', url: string | null, body: unknown): Promise<number> => {
    if (!url) return 0;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await res.text();
    let accepted = false;
    try {
      accepted = res.status === 200 && (JSON.parse(answer) as { code?: unknown }).code === 0;
    } catch {}
    pushes.push({ kind, body, status: res.status, answer, accepted });
    return res.status;
  };

  const chinaTime = () => new Date(Date.now() + 8 * 3600_000).toISOString().replace('T', ' ').slice(0, 19);

  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json;charset=utf-8');
    res.end(JSON.stringify({ RequestId: requestId(), ...body }));
  };

  /** SendSms (one signature and TemplateParam for every number) and SendBatchSms (a JSON array of each, ≤ 100). */
  const send = (action: 'SendSms' | 'SendBatchSms', params: Map<string, string>, res: ServerResponse) => {
    const refuse = (code: string, message: string) => {
      refusals.push({ action, code, status: 200 });
      answer(res, 200, { Code: code, Message: message });
    };
    let numbers: string[];
    let signs: unknown[];
    let rawParams: unknown[];
    if (action === 'SendSms') {
      numbers = (params.get('PhoneNumbers') ?? '').split(',').filter(Boolean);
      signs = numbers.map(() => params.get('SignName') ?? '');
      rawParams = numbers.map(() => params.get('TemplateParam'));
    } else {
      try {
        numbers = JSON.parse(params.get('PhoneNumberJson') ?? '[]');
        signs = JSON.parse(params.get('SignNameJson') ?? '[]');
        rawParams = (JSON.parse(params.get('TemplateParamJson') ?? '[]') as unknown[]).map((p) => JSON.stringify(p));
      } catch {
        return refuse('isv.INVALID_JSON_PARAM', 'JSON参数不合法');
      }
      if (!Array.isArray(numbers) || signs.length !== numbers.length || rawParams.length !== numbers.length) {
        return refuse('isv.INVALID_PARAMETERS', 'PhoneNumberJson、SignNameJson、TemplateParamJson 个数不一致');
      }
    }
    if (numbers.length === 0) return refuse('isv.INVALID_PARAMETERS', 'PhoneNumbers is mandatory for this action.');
    if (numbers.length > (action === 'SendSms' ? 1000 : 100)) return refuse('isv.MOBILE_COUNT_OVER_LIMIT', '手机号码数量超过限制');
    // Domestic numbers: 11 digits with no prefix or +, +86, 0086, 86 (SendSms's PhoneNumbers).
    if (numbers.some((n) => !/^(?:\+|\+86|0086|86)?1\d{10}$/.test(String(n)))) return refuse('isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    if (signs.some((sign) => sign !== ALIYUN_SIGN)) return refuse('isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
    const template = templates.find(
      (t) => t.code === params.get('TemplateCode') && (t.status ?? 'AUDIT_STATE_PASS') === 'AUDIT_STATE_PASS',
    );
    if (!template) return refuse('isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
    const vars = variables(template.content);
    const entries: AliyunEntry[] = [];
    for (const [i, raw] of rawParams.entries()) {
      let templateParam: Record<string, string> = {};
      if (raw !== undefined || vars.length > 0) {
        try {
          templateParam = JSON.parse(String(raw));
        } catch {
          return refuse('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
        }
        if (
          typeof templateParam !== 'object' ||
          templateParam === null ||
          Object.values(templateParam).some((v) => typeof v !== 'string')
        ) {
          return refuse('isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
        }
        if (vars.some((v) => !(v in templateParam))) return refuse('isv.TEMPLATE_MISSING_PARAMETERS', '模板缺少变量');
      }
      const text = `【${signs[i]}】${template.content.replace(/\$\{([^}]+)\}/g, (_, v: string) => templateParam[v]!)}`;
      entries.push({ phoneNumber: String(numbers[i]), signName: String(signs[i]), templateParam, text });
    }
    const bizId = `${randomInt(100_000, 999_999)}${Date.now()}^0`;
    sends.push({ action, templateCode: template.code, entries, bizId });
    answer(res, 200, { Code: 'OK', Message: 'OK', BizId: bizId });
    setTimeout(() => {
      const sendTime = chinaTime();
      const report = entries.map(({ phoneNumber, text }) => {
        const outcome = fake.reportFor(phoneNumber);
        return {
          phone_number: phoneNumber,
          send_time: sendTime,
          report_time: chinaTime(),
          success: outcome.success,
          err_code: outcome.success ? 'DELIVERED' : outcome.errCode,
          err_msg: outcome.success ? '用户接收成功' : '用户接收失败',
          sms_size: String(aliyunParts(text)),
          biz_id: bizId,
          out_id: params.get('OutId') ?? '',
        };
      });
      void push('reports', fake.reportUrl, report).catch(() => undefined);
    }, fake.reportDelayMs);
  };

  const queryTemplates = (params: Map<string, string>, res: ServerResponse) => {
    const pageIndex = Number(params.get('PageIndex') ?? '1');
    const pageSize = Math.min(Number(params.get('PageSize') ?? '10'), 50);
    const page = templates.slice((pageIndex - 1) * pageSize, pageIndex * pageSize);
    answer(res, 200, {
      Code: 'OK',
      Message: 'OK',
      TotalCount: templates.length,
      CurrentPage: pageIndex,
      PageSize: pageSize,
      SmsTemplateList: page.map((t) => ({
        TemplateCode: t.code,
        TemplateName: t.code,
        TemplateContent: t.content,
        AuditStatus: t.status ?? 'AUDIT_STATE_PASS',
        // Every simulated template with a ${code} is a verification-code template, the rest notifications.
        TemplateType: t.content.includes('${code}') ? 2 : 0,
        OuterTemplateType: t.content.includes('${code}') ? 0 : 1,
        CreateDate: '2024-01-01 00:00:00',
      })),
    });
  };

  const server = await startFakeServer((req, res) => {
    const refused = checkSignature(req, usedNonces);
    const action = String(req.headers['x-acs-action'] ?? '');
    if (refused) {
      refusals.push({ action, code: refused.code, status: refused.status });
      return answer(res, refused.status, { Code: refused.code, Message: refused.message, HostId: 'dysmsapi.aliyuncs.com' });
    }
    if (req.headers['x-acs-version'] !== '2017-05-25')
      return answer(res, 400, { Code: 'InvalidVersion', Message: 'Specified parameter Version is not valid.' });
    const params = new Map(parameters(req));
    if (action === 'SendSms' || action === 'SendBatchSms') return send(action, params, res);
    if (action === 'QuerySmsTemplateList') return queryTemplates(params, res);
    answer(res, 404, { Code: 'InvalidAction.NotFound', Message: `Specified api is not found, please check your url and method.` });
  });

  const fake: FakeAliyun = {
    url: server.url,
    received: server.received,
    sends,
    refusals,
    pushes,
    reportUrl: null,
    replyUrl: null,
    reportFor: () => ({ success: true }),
    reportDelayMs: 400,
    pushReply: ({ mobile, content, destCode = '' }) =>
      push('replies', fake.replyUrl, [
        { phone_number: mobile, send_time: chinaTime(), content, sign_name: ALIYUN_SIGN, dest_code: destCode, sequence_id: randomInt(1e9) },
      ]),
    stop: () => server.stop(),
  };
  return fake;
}
