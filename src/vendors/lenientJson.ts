/**
 * JSON, or what vendors write for it. HI8D's manual shows `{status:1,msg:\u7528\u6237…,"guid":"1234567890"}`, with
 * bare keys and a bare, \u-escaped text value; other vendors' "JSON" has curly or single quotes or a trailing comma.
 * What a server really sends is most likely strict JSON, so that is tried first; only when it fails does this reader
 * accept:
 * - keys bare (`status:`, an identifier) or quoted;
 * - values as in JSON (strings, numbers, true/false/null, objects, arrays), or bare text running up to the next `,`
 *   that starts another member (a quote, or `key:`) or to the closing `}`/`]`, with its backslash escapes (`\u7528`)
 *   decoded; bare text that reads as a number is a number;
 * - strings in 'single' quotes, or in typographic ones (“ ” „, as copies of manuals have them) closed by any double quote;
 * - a trailing comma before `}` or `]`.
 * The document must be an object or an array. Anything else (a key without `:`, as in the manual's mangled
 * `"guid""sms":"0"`, an HTML error page) is a SyntaxError saying "not JSON" and where.
 */
export function parseLenientJson(text: string): unknown {
  const source = text.replace(/^\uFEFF/, '').trim();
  try {
    return JSON.parse(source);
  } catch {
    return new LenientReader(source).document();
  }
}

const DOUBLE_QUOTES = '"\u201C\u201D\u201E';
const QUOTES = `${DOUBLE_QUOTES}'`;
const BARE_KEY = /^[A-Za-z_$][\w$]*/;
/** After a bare value's comma: another member (quoted, or a bare key and its colon), or the end of a trailing comma. */
const NEXT_MEMBER = /^,\s*(["'\u201C\u201D\u201E}\]]|[A-Za-z_$][\w$]*\s*:)/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

class LenientReader {
  private at = 0;

  constructor(private readonly s: string) {}

  document(): unknown {
    this.space();
    if (this.s[this.at] !== '{' && this.s[this.at] !== '[') this.fail('an object or an array');
    const value = this.value('top');
    this.space();
    if (this.at < this.s.length) this.fail('text after the value');
    return value;
  }

  private value(context: 'top' | 'object' | 'array'): unknown {
    this.space();
    const c = this.s[this.at];
    if (c === undefined) this.fail('a value');
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (QUOTES.includes(c!)) return this.string();
    return this.bare(context);
  }

  private object(): Record<string, unknown> {
    this.at++;
    const out: Record<string, unknown> = {};
    for (;;) {
      this.space();
      // An empty object, or a trailing comma.
      if (this.s[this.at] === '}') {
        this.at++;
        return out;
      }
      const key = this.key();
      this.space();
      if (this.s[this.at] !== ':') this.fail(`":" after the key "${key}"`);
      this.at++;
      out[key] = this.value('object');
      this.space();
      const c = this.s[this.at++];
      if (c === '}') return out;
      if (c !== ',') this.fail('"," or "}"');
    }
  }

  private array(): unknown[] {
    this.at++;
    const out: unknown[] = [];
    for (;;) {
      this.space();
      // An empty array, or a trailing comma.
      if (this.s[this.at] === ']') {
        this.at++;
        return out;
      }
      out.push(this.value('array'));
      this.space();
      const c = this.s[this.at++];
      if (c === ']') return out;
      if (c !== ',') this.fail('"," or "]"');
    }
  }

  private key(): string {
    if (QUOTES.includes(this.s[this.at] ?? '')) return this.string();
    const m = BARE_KEY.exec(this.s.slice(this.at));
    if (!m) this.fail('a key');
    this.at += m![0].length;
    return m![0];
  }

  /** A quoted string: an ASCII quote closes at the same quote, a typographic one at any double quote. */
  private string(): string {
    const open = this.s[this.at]!;
    const closers = open === '"' || open === "'" ? open : DOUBLE_QUOTES;
    const start = ++this.at;
    while (this.at < this.s.length) {
      const c = this.s[this.at]!;
      if (c === '\\') this.at += 2;
      else if (closers.includes(c)) {
        const inner = this.s.slice(start, this.at++);
        return decodeEscapes(inner);
      } else this.at++;
    }
    return this.fail('a closing quote');
  }

  /** Bare text up to the next member (in an object), the next item (in an array) or the end. */
  private bare(context: 'top' | 'object' | 'array'): unknown {
    const start = this.at;
    while (this.at < this.s.length) {
      const c = this.s[this.at]!;
      if (c === '}' || c === ']') break;
      if (c === ',' && (context !== 'object' || NEXT_MEMBER.test(this.s.slice(this.at)))) break;
      this.at++;
    }
    const raw = this.s.slice(start, this.at).trim();
    if (raw === '') this.fail('a value');
    if (NUMBER.test(raw)) return Number(raw);
    if (raw === 'true' || raw === 'false') return raw === 'true';
    if (raw === 'null') return null;
    return decodeEscapes(raw);
  }

  private space(): void {
    while (/\s/.test(this.s[this.at] ?? '')) this.at++;
  }

  private fail(expected: string): never {
    throw new SyntaxError(`not JSON: expected ${expected} at position ${this.at} of ${JSON.stringify(this.s.slice(0, 120))}`);
  }
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** JSON's backslash escapes; an unknown escape (`\'`) keeps its character. */
function decodeEscapes(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
    e.length === 5 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  );
}
