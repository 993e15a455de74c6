/**
 * Why the core refused a request. The message is the legacy vendors' Chinese wording, which
 * faces put on the wire as `failure;<message>` (or their contract's equivalent).
 */
export const FailureMessages = {
  badCredentials: '用户名或密码错误',
  accountDisabled: '账号已停用',
  ipNotAllowed: 'IP地址不在白名单内',
  badSmsType: '短信类型错误',
  badLongSms: '长短信参数错误',
  emptyContent: '短信内容不能为空',
  contentTooLong: '短信内容过长',
  noMobile: '手机号码不能为空',
  noValidMobile: '没有有效的手机号码',
  tooManyMobiles: '手机号码数量超过20000个',
  insufficientBalance: '余额不足',
  internal: '系统繁忙,请稍后再试',
} as const;

export type FailureCode = keyof typeof FailureMessages;

export class Failure extends Error {
  constructor(readonly code: FailureCode) {
    super(FailureMessages[code]);
  }
}
