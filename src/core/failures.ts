/**
 * Why the core refused a request, as a reason every face words in its own contract (userApi:
 * `failure;<Chinese text>`; other contracts: their codes). The English text is for logs and
 * operators only; no caller ever sees it.
 */
export const FailureReasons = {
  badCredentials: 'unknown user or wrong password',
  accountDisabled: 'the account is disabled',
  ipNotAllowed: "the caller's address is not in the account's allow-list",
  badSmsType: 'the message type (balance pool) is not 0, 1 or 2',
  badLongSms: 'the long-message flag is not 0 or 1',
  emptyContent: 'the text is empty',
  contentTooLong: 'the text is too long',
  noMobile: 'no number given',
  noValidMobile: 'not one valid number',
  invalidMobile: 'a number is invalid and the caller asked for all or nothing',
  tooManyMobiles: 'more than 20,000 numbers',
  insufficientBalance: 'the pool holds less than the cost',
  badSerial: 'the serial number is not 1 to 32 digits',
  duplicateSerial: 'the serial number was used before for another request',
  forbiddenWord: 'the text holds a forbidden word',
  sqlContent: 'the text looks like an SQL statement',
  missingSignature: 'the account must sign its texts 【…】 and this one is not signed',
  badNewPassword: 'the new password is empty or not acceptable',
  badSchedule: "the schedule time is not a time in the contract's format",
  tooFrequent: "the number has had as many messages as the account's per-number limits allow for now",
  internal: 'the gateway failed; try later',
} as const;

export type FailureCode = keyof typeof FailureReasons;

export class Failure extends Error {
  /** What the refusal is about, where the contracts name it (the forbidden word). */
  constructor(
    readonly code: FailureCode,
    readonly detail?: string,
  ) {
    super(detail ? `${FailureReasons[code]}: ${detail}` : FailureReasons[code]);
  }
}
