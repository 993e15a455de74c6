import type { ServerResponse } from 'node:http';
import { formPairs, percentBytes, type ReceivedRequest, startFakeServer } from '../support';

/**
 * A simulated 聚合数据 短信API, written from its documentation (seed 000 and juhe's API page), not from the adapter:
 * `GET /sms/send?mobile&tpl_id&tpl_value&key` (UTF-8 query, one number), `tpl_value` the URL-encoded string
 * `#name#=value&…` whose names and values holding `#&=` are URL-encoded once more; answers `{reason, result,
 * error_code}` with `result{count, fee, sid}` on success (fee: parts of the text with its 【signature】, 70 one
 * message, else 67 a part). Refusals: 10001 错误的请求KEY, 205401 错误的手机号码, 205402 错误的短信模板ID, 205404
 * (variables the template lacks or misses), 205405 the documented rule for one number and signature: 1 in 30 s,
 * 2 a minute, 3 in 30 minutes.
 */

export const JUHE_KEY = 'simulatorjuheappkey0123456789abcd';
export const JUHE_SIGN = '聚合数据';

export const JUHE_TEMPLATES: Record<string, string> = {
  '261000': '【聚合数据】您的验证码是#code#，如非本人操作，请忽略本短信',
  '261001':
    '【聚合数据】尊敬的#name#，您在#shop#的订单已签收，感谢您的支持与信任；若对商品或服务有任何疑问，请在七天内联系在线客服，我们将第一时间为您处理。',
};

export interface JuheSend {
  mobile: string;
  tplId: string;
  params: Record<string, string>;
  text: string;
  sid: string;
  fee: number;
}

export interface FakeJuhe {
  url: string;
  received: ReceivedRequest[];
  sends: JuheSend[];
  refusals: { code: number; reason: string }[];
  stop(): Promise<void>;
}

const WINDOWS: [number, number][] = [
  [30_000, 1],
  [60_000, 2],
  [30 * 60_000, 3],
];

export async function startFakeJuhe(): Promise<FakeJuhe> {
  const sends: JuheSend[] = [];
  const refusals: FakeJuhe['refusals'] = [];
  const history = new Map<string, number[]>();
  let sid = 2029865577;

  const answer = (res: ServerResponse, errorCode: number, reason: string, result: unknown = []) => {
    if (errorCode !== 0) refusals.push({ code: errorCode, reason });
    res.setHeader('content-type', 'application/json;charset=utf-8');
    res.end(JSON.stringify({ reason, result, error_code: errorCode }));
  };

  const server = await startFakeServer((req, res) => {
    if (req.path !== '/sms/send') {
      res.statusCode = 404;
      res.end();
      return;
    }
    const q = new Map(formPairs(req.rawQuery).map(([k, v]) => [k, percentBytes(v).toString('utf8')]));
    if (q.get('key') !== JUHE_KEY) return answer(res, 10001, '错误的请求KEY');
    const mobile = q.get('mobile') ?? '';
    if (!/^1\d{10}$/.test(mobile)) return answer(res, 205401, '错误的手机号码');
    const template = JUHE_TEMPLATES[q.get('tpl_id') ?? ''];
    if (!template) return answer(res, 205402, '错误的短信模板ID,请通过后台确认!!!');
    const params: Record<string, string> = {};
    for (const part of (q.get('tpl_value') ?? '').split('&').filter(Boolean)) {
      const m = /^#([^#]+)#=(.*)$/s.exec(part);
      if (!m) return answer(res, 205404, `发送失败,变量格式错误: ${part}`);
      params[decodeURIComponent(m[1]!)] = decodeURIComponent(m[2]!);
    }
    const names = [...template.matchAll(/#(\w+)#/g)].map((m) => m[1]!);
    if (names.some((n) => !(n in params)) || Object.keys(params).some((n) => !names.includes(n))) {
      return answer(res, 205404, '发送失败,模板变量与传入变量不一致');
    }
    const now = Date.now();
    const times = (history.get(mobile) ?? []).filter((t) => now - t < 30 * 60_000);
    if (WINDOWS.some(([window, max]) => times.filter((t) => now - t < window).length >= max)) {
      return answer(res, 205405, '号码异常/同一号码发送次数过于频繁');
    }
    history.set(mobile, [...times, now]);
    const text = template.replace(/#(\w+)#/g, (_, n: string) => params[n]!);
    const fee = text.length <= 70 ? 1 : Math.ceil(text.length / 67);
    const send = { mobile, tplId: q.get('tpl_id')!, params, text, sid: String(++sid), fee };
    sends.push(send);
    answer(res, 0, '短信发送成功', { count: 1, fee, sid: Number(send.sid) });
  });
  return { url: server.url, received: server.received, sends, refusals, stop: () => server.stop() };
}
