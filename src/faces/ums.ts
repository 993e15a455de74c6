import { join } from 'node:path';
import type { Core } from '../core';
import type { SoapElement } from '../soap/render';
import type { SoapServiceDefinition } from '../soap/service';
import { INTERNAL_ERROR, pairsText, type UmsArgs, umsOperations } from './umsOperations';

/** Where UMS callers find the service: the seed's `…/sms_hb/services/Sms?wsdl`, and the shorter path other deployments used. */
export const UMS_PATHS = ['/sms_hb/services/Sms', '/services/Sms'] as const;

const CREDENTIALS = ['spCode', 'username', 'password'] as const;

/**
 * The 一信通 UMS `Sms` web service (seed 000, 2.2): document/literal, parameters in0…inN by
 * position, answers in `out` (Sms, Report, Auditing) or as the response's children (SearchSmsNum).
 * What each operation does is the contract's (src/faces/umsOperations.ts), shared with Send.do.
 */
export function umsService(core: Core, wsdlDir: string): SoapServiceDefinition {
  const ops = umsOperations(core, 'ums');
  const args = (a: Record<string, string | null>): UmsArgs => ({
    spCode: a.spCode ?? null,
    username: a.username ?? null,
    password: a.password ?? null,
    ...a,
  });
  return {
    paths: UMS_PATHS,
    wsdlFile: join(wsdlDir, 'ums.wsdl'),
    internalErrorAnswer: pairsText(INTERNAL_ERROR),
    operations: {
      Sms: {
        params: [...CREDENTIALS, 'content', 'mobiles', 'serial', 'scheduleTime', 'checkMode'],
        aliases: ['SmsRequest'],
        handle: async (a, call) => pairsText(await ops.sms(args(a), call)),
      },
      Report: { params: CREDENTIALS, aliases: ['ReportRequest'], handle: (a, call) => ops.report(args(a), call) },
      SearchSmsNum: {
        params: CREDENTIALS,
        aliases: ['SearchSmsNumRequest'],
        handle: async (a, call): Promise<SoapElement[]> => {
          const balance = await ops.searchSmsNum(args(a), call);
          return [
            { name: 'result', value: Number(balance.result) },
            { name: 'number', value: balance.number },
          ];
        },
        internalErrorAnswer: [
          { name: 'result', value: Number(INTERNAL_ERROR[0]![1]) },
          { name: 'number', value: null },
        ],
      },
      Reply: {
        params: CREDENTIALS,
        aliases: ['ReplyRequest'],
        handle: async (a, call): Promise<SoapElement[]> => {
          const answer = await ops.reply(args(a), call);
          return [
            { name: 'result', value: Number(answer.result) },
            { name: 'confirm_time', value: answer.confirmTime },
            { name: 'id', value: answer.id },
            ...answer.replys.map((r) => ({
              name: 'replys',
              value: [
                { name: 'callMdn', value: r.callMdn },
                { name: 'mdn', value: r.mdn },
                { name: 'content', value: r.content },
                { name: 'reply_time', value: r.replyTime },
              ],
            })),
          ];
        },
        internalErrorAnswer: [{ name: 'result', value: Number(INTERNAL_ERROR[0]![1]) }],
      },
      ReplyConfirm: {
        // in3 is not read: the public client code fills the confirmed id into in4.
        params: [...CREDENTIALS, 'unused', 'replyId'],
        aliases: ['ReplyConfirmRequest'],
        handle: async (a, call): Promise<SoapElement[]> => [
          { name: 'result', value: Number((await ops.replyConfirm(args(a), call)).result) },
        ],
        internalErrorAnswer: [{ name: 'result', value: Number(INTERNAL_ERROR[0]![1]) }],
      },
      Auditing: {
        params: [...CREDENTIALS, 'content'],
        aliases: ['AuditingRequest'],
        handle: async (a, call) => pairsText(await ops.auditing(args(a), call)),
      },
    },
  };
}
