import { z } from 'zod';
import { FailureReasons } from '../core/failures';

/**
 * The schema of a contract's `contract.yaml`: per WSDL operation, the core call it is, where each
 * input comes from, and the answer's templates; for the whole contract, the vendor's code for each
 * of the core's refusal reasons. docs/contracts.md explains every key with a worked example.
 */

/**
 * What an operation does in the core. `audit` checks a text as a send would, without sending it;
 * `login` only checks the account and password (validateUser, registEx); `password` changes the
 * password; `fixed` answers its templates as they are (getVersion, or an operation the gateway refuses).
 */
export const CALLS = ['send', 'balance', 'reports', 'replies', 'confirm', 'audit', 'login', 'password', 'fixed'] as const;
export type CallKind = (typeof CALLS)[number];

/** How a sent password is read: as sent, BASE64 of it, or its MD5 hex (lower- or upper-case; see docs/contracts.md). */
export const PASSWORD_TRANSFORMS = ['plain', 'base64', 'md5', 'md5upper'] as const;

const param = z.union([z.string().min(1), z.number().int().min(0)]);

const input = z.union([
  param,
  z.strictObject({
    /** The request parameter by its WSDL name, or its position from 0. */
    param,
    transform: z.enum(PASSWORD_TRANSFORMS).optional(),
    /** The vendor's separator between numbers, when it is not a comma (the core reads , ; and spaces). */
    separator: z.string().min(1).optional(),
    /** schedule: the vendor's time format (yyyy MM dd HH mm ss SSS, unix, unixMs), China time; default yyyyMMddHHmmss. */
    format: z.string().min(1).optional(),
  }),
]);
export type InputSpec = z.infer<typeof input>;

/**
 * What each call reads from the request; account and password are every call's but `fixed`.
 * `schedule` (send): when to send, empty for now; `task` (reports): only that send's reports, by
 * the task id its send answered; `serialOrTask` (reports): the same by what a `{serialOrTaskId}`
 * send answered, the caller's serial number or else the task id; `newPassword` (password);
 * `confirmId` (confirm): the id a replies answer carried.
 */
export const INPUTS = [
  'account',
  'password',
  'mobiles',
  'content',
  'serial',
  'schedule',
  'task',
  'serialOrTask',
  'newPassword',
  'confirmId',
] as const;
export type InputName = (typeof INPUTS)[number];

/** One string made from every item (a delimited string, an XML document as a string). */
const joined = z.strictObject({
  each: z.string(),
  separator: z.string().default(''),
  before: z.string().default(''),
  after: z.string().default(''),
  /** `xml`: every value put into `each` is XML-escaped, as an XML string's text must be. */
  escape: z.enum(['none', 'xml']).default('none'),
});

/**
 * The response child repeated once per item (or, for an ArrayOf… child, its one repeated child),
 * with its children from these templates, or its text from one template when it is a simple
 * element (an `ArrayOfString`'s `string`).
 */
const items = z.strictObject({ items: z.union([z.record(z.string(), z.string()), z.string()]) });

const answerValue = z.union([z.string(), joined, items]);
export type AnswerValue = z.infer<typeof answerValue>;

const operation = z.strictObject({
  call: z.enum(CALLS),
  inputs: z.partialRecord(z.enum(INPUTS), input).default({}),
  /** The balance pool sends take from and balance counts: 0 会员, 1 网关 (default), 2 卡发. */
  pool: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(1),
  /**
   * replies: `once` hands each reply out once; `untilConfirmed` hands the oldest unconfirmed ones
   * out again on every call until a `confirm` operation is given the `{confirmId}` they came with.
   */
  handOut: z.enum(['once', 'untilConfirmed']).default('once'),
  /** reports: the vendor's word for each delivery status, as `{status}` gives it. */
  statuses: z.strictObject({ delivered: z.string(), failed: z.string(), unknown: z.string() }).optional(),
  /** The response's children by their WSDL names: a template, a joined string, or repeated items. */
  answer: z.record(z.string(), answerValue),
  /** The answer to a refusal, `{code}` being the vendor's code; by default every answer child not built from items gets the code. */
  refused: z.record(z.string(), z.string()).optional(),
});
export type OperationMapping = z.infer<typeof operation>;

const reasons = Object.keys(FailureReasons) as [keyof typeof FailureReasons, ...(keyof typeof FailureReasons)[]];

export const contractMapping = z.strictObject({
  /** The vendor's code for each core reason; `other` stands for every reason not listed. */
  codes: z.partialRecord(z.enum([...reasons, 'other']), z.union([z.string(), z.number()]).transform(String)).refine((c) => 'other' in c, {
    message: 'must give "other", the code for every reason not listed',
  }),
  operations: z.record(z.string(), operation),
});
export type ContractMapping = z.infer<typeof contractMapping>;
