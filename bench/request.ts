/** The request both targets of the sendSms benchmark get, and the answer bytes a success carries. */
import { parseSoapCall } from '../src/soap/envelope';
import { renderResponse } from '../src/soap/render';
import { DEMO_AUTH, docLiteral } from '../test/support/soap';

export const PATH = '/services/userApi';
export const BODY = docLiteral('sendSms', {
  ...DEMO_AUTH,
  smstype: 1,
  content: '【基准】您的验证码是123456，5分钟内有效。',
  mobile: '13800138000',
  isLongSms: 0,
});
export const HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' };
export const FIXED_BATCH_ID = '20261124004810000000';
/** What the gateway answers to BODY, built by the gateway's own renderer so the bytes match exactly. */
export const ANSWER = renderResponse(parseSoapCall(BODY, '1.1'), 'sendSmsReturn', `success;${FIXED_BATCH_ID}`);
