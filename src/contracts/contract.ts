import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../configError';
import { checkTimeFormat, DEFAULT_TIME_FORMAT, parseTemplate, type Template, templateVars } from '../vendors/http/template';
import { type AnswerValue, type CallKind, type ContractMapping, contractMapping, type InputName, type InputSpec } from './mapping';
import { type DeclaredElement, readWsdl, type WsdlContract, type WsdlOperation } from './wsdl';

/** A contract folder's two files. */
export const WSDL_FILE = 'service.wsdl';
export const MAPPING_FILE = 'contract.yaml';

/** Where an input is read from: a request parameter by its WSDL name, and how. */
export interface PreparedInput {
  param: string;
  transform: 'plain' | 'base64' | 'md5' | 'md5upper';
  separator: string | undefined;
  /** schedule: the time format. */
  format: string;
}

/** A response child's answer, its templates parsed. */
export type PreparedAnswer =
  | { kind: 'text'; element: DeclaredElement; template: Template }
  | { kind: 'joined'; element: DeclaredElement; each: Template; separator: string; before: string; after: string; escapeXml: boolean }
  /**
   * `wrapper`: the ArrayOf… child the items go into, or null when the response child itself
   * repeats; each item has `fields` for its children, or its `text` when it is a simple element.
   */
  | {
      kind: 'items';
      element: DeclaredElement;
      wrapper: DeclaredElement | null;
      fields: { element: DeclaredElement; template: Template }[];
      text: Template | null;
    };

export interface PreparedOperation {
  wsdl: WsdlOperation;
  call: CallKind;
  pool: 0 | 1 | 2;
  inputs: Partial<Record<InputName, PreparedInput>>;
  handOut: 'once' | 'untilConfirmed';
  statuses: { delivered: string; failed: string; unknown: string };
  answer: PreparedAnswer[];
  /** The refusal's answer: response child → template over `{code}`. */
  refused: { element: DeclaredElement; template: Template }[];
  /** Whether a template names `{taskId}`, which costs a lookup (src/core/tasks.ts). */
  usesTaskId: boolean;
  /** Parameters that carry lists (repeated, or an ArrayOf… element), read whole. */
  lists: string[];
}

export interface Contract {
  dir: string;
  wsdlFile: string;
  wsdl: WsdlContract;
  codes: ContractMapping['codes'];
  operations: PreparedOperation[];
}

/** The values each call's templates may use; `items` are those of each report or reply. */
export const CALL_VARS: Record<CallKind, { top: string[]; items: string[] }> = {
  send: { top: ['batchId', 'taskId', 'serial', 'serialOrTaskId', 'accepted', 'charged', 'invalid', 'count'], items: [] },
  balance: { top: ['balance'], items: [] },
  reports: { top: ['count'], items: ['mobile', 'batchId', 'taskId', 'serial', 'status', 'code', 'sendTime', 'reportTime'] },
  replies: { top: ['count', 'confirmId', 'lastConfirmedAt'], items: ['mobile', 'content', 'receiver', 'extNo', 'receivedAt'] },
  confirm: { top: ['confirmed'], items: [] },
  audit: { top: [], items: [] },
  login: { top: [], items: [] },
  password: { top: [], items: [] },
  fixed: { top: [], items: [] },
};

/** The inputs a call cannot do without. */
const REQUIRED_INPUTS: Record<CallKind, InputName[]> = {
  send: ['account', 'password', 'mobiles', 'content'],
  balance: ['account', 'password'],
  reports: ['account', 'password'],
  replies: ['account', 'password'],
  confirm: ['account', 'password', 'confirmId'],
  audit: ['account', 'password', 'content'],
  login: ['account', 'password'],
  password: ['account', 'password', 'newPassword'],
  fixed: [],
};

/** Inputs read as a password: an MD5 of one cannot be undone, so only they may be compared as one. */
const PASSWORD_INPUTS: readonly InputName[] = ['password', 'newPassword'];

const DEFAULT_STATUSES = { delivered: '0', failed: '1', unknown: '2' };

/**
 * Loads a contract folder: `service.wsdl` as the vendor published it and `contract.yaml`, the
 * mapping, checked against its schema and against the WSDL. Every mistake is one ConfigError
 * naming the file, the operation and the key.
 */
export function loadContract(dir: string): Contract {
  const wsdlFile = join(dir, WSDL_FILE);
  const mappingFile = join(dir, MAPPING_FILE);
  let wsdl: WsdlContract;
  try {
    wsdl = readWsdl(readText(wsdlFile));
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${wsdlFile}: ${(err as Error).message}`);
  }
  const doc = parseDocument(readText(mappingFile), { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new ConfigError(`${mappingFile}: line ${first.linePos?.[0]?.line ?? '?'}: ${first.message.split('\n')[0]}`);
  }
  const parsed = contractMapping.safeParse(doc.toJS() ?? {});
  if (!parsed.success) throw new ConfigError(`${mappingFile}: ${describe(parsed.error)}`);
  const mapping = parsed.data;

  const fail = (path: string, message: string): never => {
    throw new ConfigError(`${mappingFile}: ${path}: ${message}`);
  };
  const declared = new Map(wsdl.operations.map((op) => [op.name, op]));
  for (const name of Object.keys(mapping.operations)) {
    if (!declared.has(name)) fail(`operations.${name}`, `the WSDL has no such operation (it has ${[...declared.keys()].join(', ')})`);
  }
  const operations = wsdl.operations.map((op): PreparedOperation => {
    const m = mapping.operations[op.name];
    if (!m)
      return fail(
        `operations.${op.name}`,
        'the WSDL declares this operation and the mapping does not map it (map it, or answer it with call: fixed)',
      );
    const at = `operations.${op.name}`;
    if (m.handOut !== 'once' && m.call !== 'replies') fail(`${at}.handOut`, 'applies to call: replies only');
    // A reply handed out once needs no confirming: the values that confirm are only an untilConfirmed call's.
    const vars = m.call === 'replies' && m.handOut === 'once' ? { ...CALL_VARS.replies, top: ['count'] } : CALL_VARS[m.call];
    const inputs: PreparedOperation['inputs'] = {};
    for (const [key, spec] of Object.entries(m.inputs) as [InputName, InputSpec][]) {
      const prepared = prepareInput(op, spec, (msg) => fail(`${at}.inputs.${key}`, msg));
      if (!PASSWORD_INPUTS.includes(key) && prepared.transform.startsWith('md5'))
        fail(`${at}.inputs.${key}.transform`, `${prepared.transform} applies to passwords only`);
      if (typeof spec === 'object' && spec.format !== undefined) {
        if (key !== 'schedule') fail(`${at}.inputs.${key}.format`, 'a time format applies to schedule only');
        try {
          checkTimeFormat(prepared.format);
        } catch (err) {
          fail(`${at}.inputs.${key}.format`, (err as Error).message);
        }
      }
      inputs[key] = prepared;
    }
    for (const key of REQUIRED_INPUTS[m.call]) if (!inputs[key]) fail(`${at}.inputs.${key}`, `is required for call: ${m.call}`);
    const template = (path: string, text: string, allowed: string[]): Template => {
      let parsedTemplate: Template;
      try {
        parsedTemplate = parseTemplate(text);
      } catch (err) {
        return fail(path, (err as Error).message);
      }
      const unknown = templateVars(parsedTemplate).find((v) => !allowed.includes(v));
      if (unknown) fail(path, `{${unknown}} is not a value of call: ${m.call} here (known: ${allowed.join(', ') || 'none'})`);
      return parsedTemplate;
    };
    const responseChild = (path: string, name: string) =>
      op.response.children.find((c) => c.name === name) ??
      fail(
        path,
        `the WSDL's ${op.response.element} has no child ${name} (it has ${op.response.children.map((c) => c.name).join(', ') || 'none'})`,
      );
    const answer = Object.entries(m.answer).map(([name, value]) =>
      prepareAnswer(`${at}.answer.${name}`, responseChild(`${at}.answer.${name}`, name), value, vars, template, fail),
    );
    const refusedSpec =
      m.refused ?? Object.fromEntries(answer.filter((a) => a.kind !== 'items').map((a) => [a.element.name, '{code}'] as const));
    const refused = Object.entries(refusedSpec).map(([name, text]) => ({
      element: responseChild(`${at}.refused.${name}`, name),
      template: template(`${at}.refused.${name}`, text, ['code']),
    }));
    const templates = answer.flatMap((a) =>
      a.kind === 'text' ? [a.template] : a.kind === 'joined' ? [a.each] : [...a.fields.map((f) => f.template), ...(a.text ? [a.text] : [])],
    );
    return {
      wsdl: op,
      call: m.call,
      pool: m.pool,
      inputs,
      handOut: m.handOut,
      statuses: m.statuses ?? DEFAULT_STATUSES,
      answer: inOrder(op, answer),
      refused: inOrder(op, refused),
      usesTaskId: templates.some((t) => templateVars(t).some((v) => v === 'taskId' || v === 'serialOrTaskId')),
      lists: op.request.params.filter(carriesList).map((p) => p.name),
    };
  });
  return { dir, wsdlFile, wsdl, codes: mapping.codes, operations };
}

/** A repeated parameter, or an ArrayOf… one (one repeated child). */
function carriesList(param: DeclaredElement): boolean {
  return param.repeated || (param.children.length === 1 && param.children[0]!.repeated);
}

/** Answers in the order the WSDL's sequence declares their elements, whatever the order in the file. */
function inOrder<T extends { element: DeclaredElement }>(op: WsdlOperation, list: T[]): T[] {
  return [...list].sort((a, b) => op.response.children.indexOf(a.element) - op.response.children.indexOf(b.element));
}

function prepareInput(op: WsdlOperation, spec: InputSpec, fail: (message: string) => never): PreparedInput {
  const full = typeof spec === 'object' ? spec : { param: spec };
  const params = op.request.params.map((p) => p.name);
  const param =
    typeof full.param === 'number'
      ? (params[full.param] ?? fail(`position ${full.param} is past the last of ${op.request.element}'s ${params.length} parameters`))
      : params.includes(full.param)
        ? full.param
        : fail(`the WSDL's ${op.request.element} has no parameter ${full.param} (it has ${params.join(', ') || 'none'})`);
  return { param, transform: full.transform ?? 'plain', separator: full.separator, format: full.format ?? DEFAULT_TIME_FORMAT };
}

function prepareAnswer(
  path: string,
  element: DeclaredElement,
  value: AnswerValue,
  vars: { top: string[]; items: string[] },
  template: (path: string, text: string, allowed: string[]) => Template,
  fail: (path: string, message: string) => never,
): PreparedAnswer {
  if (typeof value === 'string') {
    if (element.children.length > 0) fail(path, `${element.name} is a complex element in the WSDL: give it items:`);
    return { kind: 'text', element, template: template(path, value, vars.top) };
  }
  if ('each' in value) {
    if (vars.items.length === 0) fail(`${path}.each`, 'this call has no items to join');
    return {
      kind: 'joined',
      element,
      each: template(`${path}.each`, value.each, vars.items),
      separator: value.separator,
      before: value.before,
      after: value.after,
      escapeXml: value.escape === 'xml',
    };
  }
  if (vars.items.length === 0) fail(`${path}.items`, 'this call has no items');
  // An ArrayOf… element (ASMX, CXF) holds one repeated child; otherwise the response child itself repeats.
  const arrayItem = !element.repeated && element.children.length === 1 && element.children[0]!.repeated ? element.children[0]! : null;
  const item = arrayItem ?? element;
  if (!arrayItem && !element.repeated)
    fail(`${path}.items`, `${element.name} does not repeat in the WSDL (no maxOccurs above 1, nor one repeated child)`);
  if (typeof value.items === 'string') {
    if (item.children.length > 0) fail(`${path}.items`, `${item.name} is a complex element in the WSDL: give its children`);
    return {
      kind: 'items',
      element,
      wrapper: arrayItem ? element : null,
      fields: [],
      text: template(`${path}.items`, value.items, vars.items),
    };
  }
  if (item.children.length === 0) fail(`${path}.items`, `${item.name} is a simple element in the WSDL: give one template for its text`);
  const fields = Object.entries(value.items).map(([name, text]) => ({
    element:
      item.children.find((c) => c.name === name) ??
      fail(
        `${path}.items.${name}`,
        `the WSDL's ${item.name} has no child ${name} (it has ${item.children.map((c) => c.name).join(', ') || 'none'})`,
      ),
    template: template(`${path}.items.${name}`, text, vars.items),
  }));
  fields.sort((a, b) => item.children.indexOf(a.element) - item.children.indexOf(b.element));
  return { kind: 'items', element, wrapper: arrayItem ? element : null, fields, text: null };
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** The first issue of a refusal as `key.path: message`, a misspelt key named as such. */
function describe(error: z.ZodError): string {
  const first = [...error.issues].sort((a, b) => Number(b.code === 'unrecognized_keys') - Number(a.code === 'unrecognized_keys'))[0]!;
  const issue = withinUnion(first);
  const path = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') return `${path ? `${path}.` : ''}${issue.keys[0]}: unknown key`;
  return `${path || '(top)'}: ${issue.message}`;
}

/**
 * For a value that fits no form of a union ("a name, or { param, transform }"), the issue of the
 * form it was written in (the mapping with a wrong transform, not "expected a string").
 */
function withinUnion(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== 'invalid_union') return issue;
  // The forms it was not written in fail at the value itself (path []) as a wrong type or a union of them.
  const branch = issue.errors.find(
    (b) => b.length > 0 && (b[0]!.path.length > 0 || !['invalid_type', 'invalid_union'].includes(b[0]!.code)),
  );
  if (!branch) return issue;
  const inner = withinUnion(branch[0]!);
  return { ...inner, path: [...issue.path, ...inner.path] };
}
