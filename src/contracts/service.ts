import { basename } from 'node:path';
import type { Account, Reply } from '../../entities';
import { AccountError, balanceOf } from '../core/accounts';
import type { Core } from '../core';
import { Failure, type FailureCode } from '../core/failures';
import { ReportStatus } from '../core/reports';
import { decodeBase64Password } from '../faces/legacyPassword';
import { type ContractMetrics, contractMetrics } from '../metrics';
import type { SoapElement } from '../soap/render';
import type { Caller } from '../callerIp';
import type { SoapServiceDefinition } from '../soap/service';
import { escapeXml } from '../soap/xml';
import { formatTime, parseTime, type RenderContext, render, type Template } from '../vendors/http/template';
import type { Contract, PreparedAnswer, PreparedOperation } from './contract';
import type { InputName } from './mapping';
import type { DeclaredElement } from './wsdl';

/** What a template reads: a call's own values, and each report's or reply's. */
export interface CallResult {
  top: RenderContext['values'];
  items: RenderContext['values'][];
}

/** Times in templates are China time, as the legacy vendors wrote them; `{sendTime}` alone is `yyyy-MM-dd HH:mm:ss`. */
const CHINA_OFFSET_MIN = 480;
export const templateTime = (at: Date) => (format: string | undefined) => formatTime(at, format || 'yyyy-MM-dd HH:mm:ss', CHINA_OFFSET_MIN);

const INTEGER_TYPES = new Set(['int', 'integer', 'long', 'short', 'byte', 'unsignedInt', 'unsignedLong', 'unsignedShort']);
const DECIMAL_TYPES = new Set(['double', 'float', 'decimal']);

/** A rendered text as the element's value: a number where the WSDL declares a numeric type and the text is one. */
function typed(element: DeclaredElement, text: string): string | number {
  if (INTEGER_TYPES.has(element.type)) return /^-?\d+$/.test(text) ? Number(text) : text;
  return DECIMAL_TYPES.has(element.type) && /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

const fill = (template: Template, values: RenderContext['values']) => render(template, { values, charset: 'utf-8' });

/** The response's children from a call's result, in the WSDL's order. */
export function renderAnswer(op: PreparedOperation, result: CallResult): SoapElement[] {
  return op.answer.flatMap((a: PreparedAnswer): SoapElement[] => {
    if (a.kind === 'text') return [{ name: a.element.name, value: typed(a.element, fill(a.template, result.top)) }];
    if (a.kind === 'joined') {
      const escaped = (values: RenderContext['values']) =>
        a.escapeXml
          ? Object.fromEntries(
              Object.entries(values).map(([k, v]) => [
                k,
                typeof v === 'function' ? (f: string | undefined) => escapeXml(v(f)) : escapeXml(v),
              ]),
            )
          : values;
      const text = a.before + result.items.map((item) => fill(a.each, escaped(item))).join(a.separator) + a.after;
      return [{ name: a.element.name, value: text }];
    }
    const item = a.wrapper ? a.element.children[0]! : a.element;
    const rendered = result.items.map(
      (values): SoapElement => ({
        name: item.name,
        value: a.text
          ? typed(item, fill(a.text, values))
          : a.fields.map((f) => ({ name: f.element.name, value: typed(f.element, fill(f.template, values)) })),
      }),
    );
    return a.wrapper ? [{ name: a.element.name, value: rendered }] : rendered;
  });
}

/** The answer to a refusal: the vendor's code in the `refused` templates. */
export function renderRefusal(op: PreparedOperation, code: string): SoapElement[] {
  return op.refused.map((r) => ({ name: r.element.name, value: typed(r.element, fill(r.template, { code })) }));
}

/** The vendor's code for a core reason, `other` for a reason the contract does not list. */
export function vendorCode(contract: Contract, reason: FailureCode): string {
  return contract.codes[reason] ?? contract.codes.other!;
}

/** A sent password as the core checks it (see docs/contracts.md for MD5). */
function password(transform: string, sent: string): string {
  if (transform === 'base64') return decodeBase64Password(sent);
  if (transform === 'md5' || transform === 'md5upper') return sent.trim().toLowerCase();
  return sent;
}

/** The schedule input as a time: null (now) when empty, a refusal when it is not in the contract's format. */
function scheduleTime(op: PreparedOperation, sent: string): Date | null {
  if (sent.trim() === '') return null;
  const at = parseTime(sent, op.inputs.schedule!.format, CHINA_OFFSET_MIN);
  if (!at) throw new Failure('badSchedule');
  return at;
}

/** Runs one operation's core call on the request's arguments. */
async function perform(
  core: Core,
  counted: ContractMetrics,
  op: PreparedOperation,
  args: Record<string, string | null>,
  call: Caller,
): Promise<CallResult> {
  const input = (name: InputName): string => {
    const spec = op.inputs[name];
    if (!spec) return '';
    const sent = args[spec.param] ?? '';
    if (name === 'password' || name === 'newPassword') return password(spec.transform, sent);
    if (spec.transform === 'base64') return decodeBase64Password(sent);
    return spec.separator ? sent.split(spec.separator).join(',') : sent;
  };
  if (op.call === 'fixed') return { top: {}, items: [] };
  const account: Account = await core.accounts.authenticate(input('account'), input('password'), call.ip);
  switch (op.call) {
    case 'login':
      return { top: {}, items: [] };
    case 'password':
      // An MD5 contract's callers log in by the digest: a new password that is not one would lock them out.
      if (op.inputs.newPassword!.transform.startsWith('md5') && !/^[0-9a-f]{32}$/.test(input('newPassword')))
        throw new Failure('badNewPassword');
      try {
        if (!(await core.accounts.changePassword(account.id, input('newPassword'), account.passwordHash))) throw new Failure('internal');
      } catch (err) {
        if (err instanceof AccountError) throw new Failure('badNewPassword');
        throw err;
      }
      return { top: {}, items: [] };
    case 'send': {
      const serial = input('serial');
      const accepted = await core.sending.submit({
        account,
        pool: op.pool,
        content: input('content'),
        mobiles: input('mobiles'),
        isLong: true,
        hostname: call.ip,
        requestId: call.requestId,
        scheduledAt: op.inputs.schedule ? scheduleTime(op, input('schedule')) : null,
        ...(serial ? { serial } : {}),
      });
      counted.sent(op.pool, accepted);
      const taskId = op.usesTaskId ? (await core.sending.taskIdsOf(account.id, [accepted.batchId])).get(accepted.batchId) : undefined;
      return {
        top: {
          batchId: accepted.batchId,
          taskId: String(taskId ?? ''),
          serial,
          // The caller's own id when it gave one, else the gateway's: how entinfo's sends answer (its rrid).
          serialOrTaskId: serial || String(taskId ?? ''),
          accepted: String(accepted.accepted),
          charged: String(accepted.charged),
          invalid: [...accepted.invalid, ...accepted.limited].join(','),
          count: String(accepted.accepted),
        },
        items: [],
      };
    }
    case 'balance':
      return { top: { balance: String(balanceOf(account, op.pool)) }, items: [] };
    case 'reports': {
      let ofTask: string | undefined;
      if (op.inputs.task || op.inputs.serialOrTask) {
        const task = input(op.inputs.task ? 'task' : 'serialOrTask').trim();
        // The caller's own serial number names its send before a task id does: it is what that send answered.
        const bySerial = op.inputs.serialOrTask && task ? await core.sending.batchOfSerial(account.id, task) : null;
        const batchId = bySerial ?? (/^\d{1,10}$/.test(task) ? await core.sending.batchOfTask(account.id, Number(task)) : null);
        // A task id that names none of the account's sends has no reports.
        if (!batchId) return { top: { count: '0' }, items: [] };
        ofTask = batchId;
      }
      const reports = await core.reports.fetch(account.id, ofTask);
      const serials = await core.sending.serialsOf(reports.map((r) => Number(r.sendId)));
      const taskIds = op.usesTaskId
        ? await core.sending.taskIdsOf(
            account.id,
            reports.flatMap((r) => (r.batchId ? [r.batchId] : [])),
          )
        : null;
      const word = (status: number) =>
        status === ReportStatus.delivered
          ? op.statuses.delivered
          : status === ReportStatus.unknown
            ? op.statuses.unknown
            : op.statuses.failed;
      return {
        top: { count: String(reports.length) },
        items: reports.map((r) => ({
          mobile: r.mobile,
          batchId: r.batchId ?? '',
          taskId: String(taskIds?.get(r.batchId ?? '') ?? ''),
          serial: serials.get(Number(r.sendId)) ?? '',
          status: word(r.status),
          code: r.code ?? '',
          sendTime: templateTime(r.sendTime),
          reportTime: templateTime(r.reportTime),
        })),
      };
    }
    case 'audit':
      await core.audit.check(input('content'), account);
      return { top: {}, items: [] };
    case 'confirm': {
      const id = input('confirmId').trim();
      // Not an id a replies answer gave: nothing to confirm, as the UMS contract answers it.
      const confirmed = /^\d{1,15}$/.test(id) ? await core.confirmedReplies.confirm(account.id, Number(id)) : 0;
      return { top: { confirmed: String(confirmed) }, items: [] };
    }
    case 'replies': {
      let top: CallResult['top'];
      let replies: Reply[];
      if (op.handOut === 'untilConfirmed') {
        const pending = await core.confirmedReplies.pending(account.id);
        replies = pending.replies;
        const confirmedAt = pending.lastConfirmedAt;
        top = {
          count: String(replies.length),
          confirmId: pending.id ?? '',
          lastConfirmedAt: confirmedAt ? templateTime(confirmedAt) : '',
        };
      } else {
        replies = await core.replies.fetch(account.id);
        top = { count: String(replies.length) };
      }
      return {
        top,
        items: replies.map((r) => ({
          mobile: r.mobile,
          content: r.content,
          receiver: r.receiver,
          extNo: r.extNo ?? '',
          receivedAt: templateTime(r.receivedAt),
        })),
      };
    }
  }
}

/**
 * A contract as the SOAP layer serves it: one operation per WSDL operation, called by its request
 * wrapper's name, answered in the response element the WSDL declares, a refusal in the vendor's code.
 */
export function contractService(contract: Contract, core: Core, path: string): SoapServiceDefinition {
  // Counted under the contract's folder name (entinfo, …): a bounded label, unlike the path's caller-facing spelling.
  const counted = contractMetrics(basename(contract.dir));
  return {
    paths: [path],
    wsdlFile: contract.wsdlFile,
    internalErrorAnswer: vendorCode(contract, 'internal'),
    operations: Object.fromEntries(
      contract.operations.map((op) => [
        op.wsdl.name,
        {
          params: op.wsdl.request.params.map((p) => p.name),
          lists: op.lists,
          ...(op.wsdl.request.element !== op.wsdl.name ? { aliases: [op.wsdl.request.element] } : {}),
          response: {
            element: op.wsdl.response.element,
            namespace: op.wsdl.namespace,
            qualified: op.wsdl.qualified,
            encoded: op.wsdl.encoded,
          },
          internalErrorAnswer: renderRefusal(op, vendorCode(contract, 'internal')),
          async handle(args: Record<string, string | null>, call: Caller) {
            try {
              return renderAnswer(op, await perform(core, counted, op, args, call));
            } catch (err) {
              if (!(err instanceof Failure)) throw err;
              counted.refused(err.code);
              return renderRefusal(op, vendorCode(contract, err.code));
            }
          },
        },
      ]),
    ),
  };
}
