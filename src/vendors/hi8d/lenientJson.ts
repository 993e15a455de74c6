/**
 * The JSON HI8D's manual shows is not JSON: `{status:1,msg:\u7528\u6237…,"guid":"1234567890"}`, with bare
 * keys and a bare, \u-escaped text value. What a PHP server really sends is most likely strict
 * `json_encode` output, so strict JSON is tried first; only when that fails does this reader accept:
 * - keys bare (`status:`) or quoted;
 * - values as in JSON (strings, numbers, true/false/null, objects, arrays), or bare text running up
 *   to the next `,` that starts another member (a quote, or `key:`) or to the closing `}`/`]`, with its backslash
 *   escapes (`\u7528`) decoded; bare text that reads as a number is a number;
 * - typographic quotes (“ ”), as the manual's copy has them, as ASCII quotes.
 * Anything else (a key without `:`, as in the manual's mangled `"guid""sms":"0"`) is a SyntaxError.
 */
export function parseLenientJson(text: string): unknown {
  const source = text.replace(/^\uFEFF/, '').trim();
  try {
    return JSON.parse(source);
  } catch {
    return new LenientReader(source).document();
  }
}

const QUOTES = '"\u201C\u201D';
const BARE_KEY = /^[A-Za-z_$][\w$]*/;
/** After a bare value's comma: another member, quoted or a bare key and its colon. */
const NEXT_MEMBER = /^,\s*(["\u201C\u201D]|[A-Za-z_$][\w$]*\s*:)/;

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
    this.space();
    if (this.s[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.space();
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
    this.space();
    if (this.s[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
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

  /** A quoted string: an ASCII quote closes at an ASCII quote, a typographic one at any quote. */
  private string(): string {
    const closers = this.s[this.at] === '"' ? '"' : QUOTES;
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
    if (/^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
    if (raw === 'true' || raw === 'false') return raw === 'true';
    if (raw === 'null') return null;
    return decodeEscapes(raw);
  }

  private space(): void {
    while (/\s/.test(this.s[this.at] ?? '')) this.at++;
  }

  private fail(expected: string): never {
    throw new SyntaxError(`expected ${expected} at position ${this.at} of ${JSON.stringify(this.s.slice(0, 120))}`);
  }
}

const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** JSON's backslash escapes; an unknown escape keeps its character. */
function decodeEscapes(text: string): string {
  return text.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) =>
    e.length === 5 ? String.fromCharCode(Number.parseInt(e.slice(1), 16)) : (ESCAPES[e] ?? e),
  );
}
