/** The requests the bench sends, and the answer bytes a gateway success carries. */
import { parseSoapCall } from '../src/soap/envelope';
import { renderResponse } from '../src/soap/render';
import { DEMO_AUTH, docLiteral } from '../test/support/soap';

export const PATH = '/services/userApi';
export const CONTENT = '【基准】您的验证码是123456，5分钟内有效。';
export const MOBILE = '13800138000';

/** A userApi sendSms of CONTENT to these numbers: SOAP 1.1 document/literal, pool 1 (网关), the demo credentials. */
export function sendSmsBody(mobiles: readonly string[]): string {
  return docLiteral('sendSms', { ...DEMO_AUTH, smstype: 1, content: CONTENT, mobile: mobiles.join(','), isLongSms: 0 });
}

/** The single-recipient call every sendSms target (Koa ceiling, gateway) is loaded with. */
export const BODY = sendSmsBody([MOBILE]);
export const HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' };
export const FIXED_BATCH_ID = '20261124004810000000';
/** What the gateway answers to BODY, built by the gateway's own renderer so the bytes match exactly. */
export const ANSWER = renderResponse(parseSoapCall(BODY, '1.1'), 'sendSmsReturn', `success;${FIXED_BATCH_ID}`);

/** `count` distinct mobile numbers, for a backlog of single-recipient messages. */
export function mobiles(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `139${String(i).padStart(8, '0')}`);
}
