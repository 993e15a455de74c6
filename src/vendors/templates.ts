import { z } from 'zod';
import type { Logger } from '../logger';
import { splitSignature } from '../core/signature';
import { sendInRequests } from './request';
import type { OutboundMessage, SendOutcome, Vendor } from './types';

/**
 * Free text into templates, for vendors that send only pre-approved templates (Aliyun, Tencent Cloud, 聚合数据).
 * Legacy callers send free text; a template vendor is given a template code and its parameters. Two sources of
 * templates, tried in this order:
 *
 * 1. hand-written rules in the vendor's settings: a regex over the text with named groups → template + parameters;
 * 2. the vendor's own list of approved templates (where it has a list call), each template text turned into a
 *    pattern whose placeholders capture the parameters, the most specific (most literal characters) first.
 *
 * The signature is taken from 【…】 at the start or end of the text (and cut from what the patterns see), else the
 * account's, else the vendor's `signName`. A text no template matches is not sent to that vendor (see `refusal`).
 */

/** `params`: template parameter → the rule's named group whose text it takes (by default each named group under its own name). */
export const templateRule = z.strictObject({
  pattern: z.string().superRefine((source, ctx) => {
    try {
      new RegExp(source, 'u');
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not a regular expression: ${(err as Error).message}` });
    }
  }),
  template: z.union([z.string().min(1), z.int().transform(String)]),
  params: z.record(z.string(), z.string()).optional(),
  /** The signature to send with this template, over the text's and the account's. */
  signName: z.string().min(1).optional(),
});
export type TemplateRule = z.infer<typeof templateRule>;

/** Settings every template vendor takes. */
export const templateSettings = {
  templates: z.array(templateRule).default([]),
  /** The signature when neither the text nor the account has one. */
  signName: z.string().min(1).optional(),
};

/** Settings of a template vendor that lists its approved templates. */
export const templateListSettings = {
  /** Fetch the vendor's approved templates and match free text against them too. */
  templateList: z.boolean().default(true),
  /** How often the list is fetched again, after the fetch at start. */
  templateRefreshMs: z.int().min(1000).max(86_400_000).default(600_000),
};

/** One approved template as the vendor lists it: its code and its text with placeholders. */
export interface ListedTemplate {
  code: string;
  content: string;
}

/** What a text became: the template, its parameters in the template's order, the signature, and what matched. */
export interface TemplateMatch {
  template: string;
  params: [string, string][];
  signName: string | null;
  /** `rule <n>` or `list <code>`, for logs and the CLI. */
  source: string;
}

/** A template's placeholders as a vendor writes them: Aliyun `${code}`, Tencent `{1}`, 聚合数据 `#code#`. */
export type PlaceholderStyle = 'dollar-braces' | 'braces' | 'hashes';
const PLACEHOLDER: Record<PlaceholderStyle, RegExp> = {
  'dollar-braces': /\$\{([^}]+)\}/g,
  braces: /\{(\d+)\}/g,
  hashes: /#(\w+)#/g,
};

interface CompiledPattern {
  regex: RegExp;
  template: string;
  /** Parameter name → group name. */
  params: [string, string][];
  signName: string | null;
  source: string;
  /** Literal characters of a listed template: more is more specific. */
  literal: number;
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A listed template's text as a pattern over the whole (signature-less) text: literal parts escaped and whitespace
 * runs matched by any whitespace, each placeholder a lazy capture of at least one character, named `p<i>`.
 */
export function listedPattern(content: string, style: PlaceholderStyle): { regex: RegExp; params: [string, string][]; literal: number } {
  const params: [string, string][] = [];
  let source = '';
  let literal = 0;
  let last = 0;
  const literalPart = (text: string) => {
    literal += text.replace(/\s+/g, '').length;
    return text.split(/\s+/).map(escapeRegex).join(String.raw`\s+`);
  };
  for (const m of content.trim().matchAll(PLACEHOLDER[style])) {
    source += literalPart(content.trim().slice(last, m.index));
    const name = m[1]!;
    const seen = params.find(([param]) => param === name);
    if (seen) source += `\\k<${seen[1]}>`;
    else {
      const group = `p${params.length}`;
      params.push([name, group]);
      source += `(?<${group}>.+?)`;
    }
    last = m.index + m[0].length;
  }
  source += literalPart(content.trim().slice(last));
  return { regex: new RegExp(`^${source}$`, 'su'), params, literal };
}

const bare = (signature: string | null | undefined) => signature?.trim().replace(/^【/, '').replace(/】$/, '') || null;

/** A vendor's templates: its hand-written rules, then its listed templates, most specific first. */
export class TemplateBook {
  private readonly rules: CompiledPattern[];
  private listed: CompiledPattern[] = [];
  private listedAt: Date | null = null;
  private listExpected = false;

  /**
   * `defaultSign`: the signature when neither the text nor the account has one; `signatureRequired`: false for a
   * vendor whose signature is part of each approved template (聚合数据), which is then sent without one.
   */
  constructor(
    rules: TemplateRule[],
    private readonly style: PlaceholderStyle,
    private readonly options: { defaultSign?: string; signatureRequired?: boolean } = {},
  ) {
    this.rules = rules.map((rule, i) => {
      const regex = new RegExp(rule.pattern, 'su');
      const groups = [...rule.pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]!);
      const params = rule.params ? Object.entries(rule.params) : groups.map((g): [string, string] => [g, g]);
      return { regex, template: rule.template, params, signName: rule.signName ?? null, source: `rule ${i + 1}`, literal: 0 };
    });
  }

  /** Replaces the listed templates (a fresh fetch of the vendor's list). */
  setListed(templates: ListedTemplate[], at = new Date()): void {
    this.listed = templates
      .map(
        (t): CompiledPattern => ({ ...listedPattern(t.content, this.style), template: t.code, signName: null, source: `list ${t.code}` }),
      )
      .sort((a, b) => b.literal - a.literal || a.params.length - b.params.length);
    this.listedAt = at;
  }

  /** What the CLI shows: each pattern in the order it is tried. */
  describe(): { source: string; template: string; pattern: string; params: string[] }[] {
    return [...this.rules, ...this.listed].map((p) => ({
      source: p.source,
      template: p.template,
      pattern: p.regex.source,
      params: p.params.map(([param]) => param),
    }));
  }

  /** The template a text goes out as, or null. Hand-written rules see the text as sent (signature included), listed ones without it. */
  match(content: string, accountSignature: string | null): TemplateMatch | null {
    const { body, signName: fromText } = splitSignature(content);
    for (const p of this.rules) {
      const m = p.regex.exec(content.trim()) ?? p.regex.exec(body);
      if (m) return this.found(p, m, p.signName ?? fromText ?? bare(accountSignature) ?? this.options.defaultSign ?? null);
    }
    for (const p of this.listed) {
      const m = p.regex.exec(body);
      if (m) return this.found(p, m, fromText ?? bare(accountSignature) ?? this.options.defaultSign ?? null);
    }
    return null;
  }

  /**
   * Why a text cannot go to this vendor: no template, or no signature to send it with; null when it can. While a
   * template list is expected but was never fetched, a text no rule matches is not refused: it waits (retried) for
   * the list rather than fail for a network blip at start.
   */
  refusal(message: Pick<OutboundMessage, 'content' | 'signature'>): string | null {
    const why = this.unsendable(message);
    return why === null || (this.awaitingList && why.startsWith('no template')) ? null : why;
  }

  /** Like refusal, but also while the list is awaited: what send() tells a row it cannot send now. */
  unsendable(message: Pick<OutboundMessage, 'content' | 'signature'>): string | null {
    const m = this.match(message.content, message.signature);
    if (!m) {
      const listed = this.listedAt
        ? `, nor any of the ${this.listed.length} listed templates`
        : this.awaitingList
          ? '; the template list is not fetched yet'
          : '';
      return `no template matches the text (none of the ${this.rules.length} template rules${listed})`;
    }
    if (!m.signName && this.options.signatureRequired !== false)
      return `template ${m.template}: no signature (none in the text, none for the account, no signName)`;
    return null;
  }

  /** Set by a TemplateList: the vendor lists its templates, and until the first fetch succeeds the book is incomplete. */
  expectList(): void {
    this.listExpected = true;
  }

  private get awaitingList(): boolean {
    return this.listExpected && this.listedAt === null;
  }

  private found(p: CompiledPattern, m: RegExpExecArray, signName: string | null): TemplateMatch {
    return {
      template: p.template,
      params: p.params.map(([param, group]) => [param, m.groups?.[group] ?? '']),
      signName,
      source: p.source,
    };
  }
}

/** A batch's messages as their templates, and the outcomes of those no template carries (the next vendor of the route takes them). */
export function matchBatch(
  vendor: string,
  book: TemplateBook,
  batch: OutboundMessage[],
): { matched: { message: OutboundMessage; match: TemplateMatch }[]; refused: SendOutcome[] } {
  const matched: { message: OutboundMessage; match: TemplateMatch }[] = [];
  const refused: SendOutcome[] = [];
  for (const message of batch) {
    const why = book.unsendable(message);
    if (why) refused.push({ id: message.id, ok: false, retryable: true, error: `${vendor}: ${why}` });
    else matched.push({ message, match: book.match(message.content, message.signature)! });
  }
  return { matched, refused };
}

/**
 * Keeps a vendor's listed templates fresh: fetched at start and every `refreshMs`; a failed fetch keeps the list
 * it had and is logged. `ready` settles once the first fetch did, so sends wait for it rather than refuse texts
 * only the list would match.
 */
export class TemplateList {
  /** The first fetch: settles (never rejects) with its error or null. */
  readonly ready: Promise<Error | null>;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly book: TemplateBook,
    private readonly fetchList: () => Promise<ListedTemplate[]>,
    refreshMs: number,
    private readonly log: Logger,
  ) {
    book.expectList();
    // After the adapter's constructor has finished: the fetch uses the adapter's client.
    this.ready = Promise.resolve().then(() => this.refresh());
    this.timer = setInterval(() => void this.refresh(), refreshMs);
    this.timer.unref();
  }

  /** Fetches the list again; the error when it could not (the templates known so far stay). */
  async refresh(): Promise<Error | null> {
    try {
      const templates = await this.fetchList();
      this.book.setListed(templates);
      this.log.info({ templates: templates.length }, 'template list fetched');
      return null;
    } catch (err) {
      this.log.warn({ err }, 'template list not fetched; keeping the templates known so far');
      return err as Error;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

/** Every page of a vendor's paged list call: pages are fetched until one comes back short. */
export async function allPages<T>(pageSize: number, fetchPage: (index: number) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let index = 0; ; index++) {
    const page = await fetchPage(index);
    out.push(...page);
    if (page.length < pageSize) return out;
  }
}

/**
 * What every template-only adapter shares: its book (and list), the refusal the dispatcher asks, and sending only
 * what a template carries, in requests of messages that share the text (so the template, parameters and signature).
 */
export abstract class TemplateVendor implements Vendor {
  readonly templates: { book: TemplateBook; list?: TemplateList };

  constructor(
    readonly name: string,
    book: TemplateBook,
    listing?: { fetch: () => Promise<ListedTemplate[]>; refreshMs: number; log: Logger },
  ) {
    this.templates = { book, list: listing ? new TemplateList(book, listing.fetch, listing.refreshMs, listing.log) : undefined };
  }

  abstract send(batch: OutboundMessage[]): Promise<SendOutcome[]>;

  refusal(message: OutboundMessage): string | null {
    return this.templates.book.refusal(message);
  }

  /**
   * The batch's templated messages sent by `sendGroup` (given each message's match, in order), one request per
   * group; the others refused (retryable). Messages share a request when they share the text, or, with
   * `requestKey`, when their matches share that key (a vendor whose one request carries several texts of a template).
   */
  protected async sendMatched(
    batch: OutboundMessage[],
    limits: { maxNumbers: number; concurrency: number },
    sendGroup: (group: OutboundMessage[], matches: TemplateMatch[]) => Promise<SendOutcome[]>,
    requestKey?: (match: TemplateMatch) => string,
  ): Promise<SendOutcome[]> {
    await this.templates.list?.ready;
    const { matched, refused } = matchBatch(this.name, this.templates.book, batch);
    if (matched.length === 0) return refused;
    const byId = new Map(matched.map((m) => [m.message.id, m]));
    // groupForRequests groups on the text: with a requestKey the key stands in for it.
    const keyed = matched.map(({ message, match }) => (requestKey ? { ...message, content: requestKey(match), signature: null } : message));
    const sent = await sendInRequests(this.name, keyed, limits, (group) => {
      const originals = group.map((m) => byId.get(m.id)!);
      return sendGroup(
        originals.map((o) => o.message),
        originals.map((o) => o.match),
      );
    });
    return [...refused, ...sent];
  }

  async stop(): Promise<void> {
    this.templates.list?.stop();
  }
}
