import type { DataSource } from 'typeorm';
import { Account, AuditRule } from '../../entities';
import { isDuplicateKey } from '../db/transaction';
import { AccountError } from './accounts';
import { Failure } from './failures';
import { characterCount } from './segments';
import { signatureOf } from './signature';

/** Longest text accepted: 15 parts of a concatenated message, far beyond what carriers deliver reliably. */
export const MAX_CONTENT_CHARS = 15 * 67;

/** How old the rules a node checks against may be: a word an operator adds applies everywhere within this. */
const RULES_MAX_AGE_MS = 1000;
export const MAX_WORD_CHARS = 64;

/**
 * What a word is compared on: lower case, without the spaces and separators that are put between
 * the characters of a forbidden word to slip it past a filter (发 票, 发*票, ｆａ).
 */
export function normalizeForAudit(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s*·.\-_|/\\,，。、~～'"`^]+/gu, '');
}

/**
 * Text shaped like an SQL statement (seed 003's vendor refuses these with a code of its own): the
 * statement shapes, not their words alone, so "select a gift from our shop" still goes out.
 */
const SQL_SHAPES = [
  /\bselect\s+(?:\*|count\s*\(|[\w.`"]+(?:\s*,\s*[\w.`"]+)+)\s+from\s+[\w.`"]+/i,
  /\bselect\s+[\w.`"]+\s+from\s+[\w.`"]+\s+where\b/i,
  /\binsert\s+into\s+[\w.`"]+\s*(?:\(|values\b|select\b)/i,
  /\bupdate\s+[\w.`"]+\s+set\s+[\w.`"]+\s*=/i,
  /\bdelete\s+from\s+[\w.`"]+\s*(?:where\b|;|$)/im,
  /\b(?:drop|truncate|alter)\s+(?:table|database|schema|view|procedure|function|trigger)\s+[\w.`"]+/i,
  /\bcreate\s+(?:table|database|schema|procedure|function|trigger)\s+[\w.`"]+/i,
  /\bunion\s+(?:all\s+)?select\b/i,
  /\bexec(?:ute)?\s+(?:xp_|sp_)\w+/i,
  /'\s*or\s+'?(\w+)'?\s*=\s*'?\1'?/i,
];

export function looksLikeSql(text: string): boolean {
  return SQL_SHAPES.some((shape) => shape.test(text));
}

/** A signature as the seeds' vendors require it: 【…】 at the start or the end of the text. */
export function hasSignature(text: string): boolean {
  return signatureOf(text) !== '';
}

interface Rules {
  loadedAt: number;
  /** Normalized forbidden words by account id; 0 holds those of every account. */
  words: Map<number, { word: string; normalized: string }[]>;
}

/**
 * The content audit every send passes, on every face and the database path, and the UMS
 * `Auditing` operation asks for alone: forbidden words (the refusal names the word, as the
 * seeds' `-3|禁发词` does), SQL statements, the signature an account must carry, and empty or
 * over-long texts. Rules live in the database, managed with smsgw and the admin API.
 */
export class Audit {
  private rules: Rules | null = null;
  private loading: Promise<Rules> | null = null;
  /** Bumped by every change made here, so that a load begun before it cannot install the old rules. */
  private generation = 0;

  constructor(private readonly db: DataSource) {}

  /** Throws the Failure that refuses this text for this account; returns if it may be sent. */
  async check(content: string, account: Pick<Account, 'id' | 'requireSignature'>): Promise<void> {
    if (!content || content.trim() === '') throw new Failure('emptyContent');
    if (characterCount(content) > MAX_CONTENT_CHARS) throw new Failure('contentTooLong');
    const rules = await this.current();
    const text = normalizeForAudit(content);
    for (const key of [0, Number(account.id)]) {
      const hit = rules.words.get(key)?.find((w) => text.includes(w.normalized));
      if (hit) throw new Failure('forbiddenWord', hit.word);
    }
    if (looksLikeSql(content)) throw new Failure('sqlContent');
    if (account.requireSignature && !hasSignature(content)) throw new Failure('missingSignature');
  }

  /** Adds a forbidden word for every account (no username) or one; false if it was there already. */
  async addWord(word: string, username?: string): Promise<boolean> {
    const trimmed = checkWord(word);
    const accountId = await this.accountId(username);
    try {
      await this.db.getRepository(AuditRule).insert({ word: trimmed, accountId, accountKey: accountId ?? 0, createdAt: new Date() });
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
    this.changed();
    return true;
  }

  /** Removes a forbidden word of every account (no username) or of one; false if there was no such rule. */
  async removeWord(word: string, username?: string): Promise<boolean> {
    const accountKey = (await this.accountId(username)) ?? 0;
    const removed = await this.db.getRepository(AuditRule).delete({ word: checkWord(word), accountKey });
    this.changed();
    return (removed.affected ?? 0) > 0;
  }

  /** Every forbidden word, with the account it belongs to (null: every account). */
  async listWords(): Promise<{ word: string; username: string | null }[]> {
    const rules = await this.db.getRepository(AuditRule).find({ order: { accountKey: 'ASC', word: 'ASC' } });
    const names = new Map(
      (await this.db.getRepository(Account).find({ select: { id: true, username: true } })).map((a) => [a.id, a.username]),
    );
    return rules.map((r) => ({ word: r.word, username: r.accountId === null ? null : (names.get(r.accountId) ?? null) }));
  }

  /** The audit as an operator asks for it: the refusal for this text (and account, if named), or null. */
  async verdict(content: string, username?: string): Promise<Failure | null> {
    const account = username ? await this.db.getRepository(Account).findOneBy({ username }) : null;
    if (username && !account) throw new AccountError(`no account ${username}`, 'missing');
    try {
      await this.check(content, account ?? { id: 0, requireSignature: 0 });
      return null;
    } catch (err) {
      if (err instanceof Failure) return err;
      throw err;
    }
  }

  private async accountId(username?: string): Promise<number | null> {
    if (!username) return null;
    const account = await this.db.getRepository(Account).findOneBy({ username });
    if (!account) throw new AccountError(`no account ${username}`, 'missing');
    return account.id;
  }

  private changed(): void {
    this.generation++;
    this.rules = null;
    this.loading = null;
  }

  private current(): Promise<Rules> | Rules {
    if (this.rules && Date.now() - this.rules.loadedAt < RULES_MAX_AGE_MS) return this.rules;
    if (!this.loading) {
      const loading = this.load();
      this.loading = loading;
      loading.then(
        () => {
          if (this.loading === loading) this.loading = null;
        },
        () => {
          if (this.loading === loading) this.loading = null;
        },
      );
    }
    return this.loading;
  }

  private async load(): Promise<Rules> {
    const generation = this.generation;
    const loadedAt = Date.now();
    const words = new Map<number, { word: string; normalized: string }[]>();
    for (const rule of await this.db.getRepository(AuditRule).find()) {
      const normalized = normalizeForAudit(rule.word);
      if (!normalized) continue;
      const key = Number(rule.accountKey);
      words.set(key, [...(words.get(key) ?? []), { word: rule.word, normalized }]);
    }
    const rules = { loadedAt, words };
    if (generation === this.generation) this.rules = rules;
    return rules;
  }
}

function checkWord(word: string): string {
  const trimmed = word.trim();
  if (!normalizeForAudit(trimmed) || [...trimmed].length > MAX_WORD_CHARS) {
    throw new AccountError(`a forbidden word is 1 to ${MAX_WORD_CHARS} characters, not only spaces or separators`, 'invalid');
  }
  return trimmed;
}
