import { join } from 'node:path';
import type { Core } from '../core';
import type { SoapServiceDefinition } from '../soap/service';
import { INTERNAL_ERROR_ANSWER, userApiOperations } from './userApiOperations';

const CREDENTIALS = ['username', 'password'] as const;

/**
 * The 嘉之元 `userApi` web service (seed 001, 第二部分): sendSms, getRestMoney, getSmsReport,
 * getRecvSMS. Every answer is a string; a refusal is `failure;<reason>`. What each operation does
 * is the contract's (src/faces/userApiOperations.ts), shared with the HTTP twin; this face only
 * names the parameters of the WSDL.
 */
export function userApiService(core: Core, wsdlDir: string): SoapServiceDefinition {
  const ops = userApiOperations(core, 'userApi');
  return {
    paths: ['/services/userApi'],
    wsdlFile: join(wsdlDir, 'userApi.wsdl'),
    internalErrorAnswer: INTERNAL_ERROR_ANSWER,
    operations: {
      sendSms: { params: [...CREDENTIALS, 'smstype', 'content', 'mobile', 'isLongSms'], handle: ops.sendSms },
      getRestMoney: { params: CREDENTIALS, handle: ops.getRestMoney },
      getSmsReport: { params: CREDENTIALS, handle: ops.getSmsReport },
      getRecvSMS: { params: CREDENTIALS, handle: ops.getRecvSMS },
    },
  };
}
