import { SaxesParser } from 'saxes';

/** A parsed element, namespace-resolved. Text is the concatenated character data of the element itself. */
export interface XmlElement {
  local: string;
  ns: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  text: string;
}

/** An attribute, namespace-resolved. Namespace declarations (xmlns, xmlns:p) are not attributes here. */
export interface XmlAttribute {
  ns: string;
  local: string;
  value: string;
}

/**
 * What reads a document, told in document order: an element opens (`open`), its character data
 * (`text`, from text and CDATA sections alike: consecutive calls are to be concatenated, however
 * the data was split) and its end (`close`). Character data outside the root is never passed on.
 */
export interface XmlHandler {
  open(local: string, ns: string, attrs: readonly XmlAttribute[]): void;
  text(data: string): void;
  close(): void;
}

export class XmlError extends Error {}

/** Attribute key in XmlElement.attrs: `{namespace}local`, or just `local` for an unqualified attribute. */
export function attrKey(ns: string, local: string): string {
  return ns ? `{${ns}}${local}` : local;
}

/** The value of the attribute `{ns}local` in `attrs`, if there is one. */
export function attributeValue(attrs: readonly XmlAttribute[], ns: string, local: string): string | undefined {
  for (const attr of attrs) if (attr.local === local && attr.ns === ns) return attr.value;
  return undefined;
}

/**
 * Reads a document into a handler made for it with `new Handler()`. Any DOCTYPE is refused
 * outright: SOAP forbids DTDs, and refusing them closes the door on external entities and
 * entity-expansion bombs alike. Throws XmlError for a document that is not well-formed XML 1.x
 * with namespaces.
 *
 * The common case, a plain XML 1.0 document with ASCII names, is read by scanXml in one pass.
 * Whatever it does not judge itself (a DOCTYPE, a processing instruction, XML 1.1, a non-ASCII
 * name, and every error) is read again from the start, into a new handler, by saxes, the parser
 * of record: so every refusal, its message, and every tolerance are saxes's.
 */
export function readXml<H extends XmlHandler>(text: string, Handler: new () => H): H {
  const fast = new Handler();
  if (scanXml(text, fast)) return fast;
  const handler = new Handler();
  parseWithSaxes(text, handler);
  return handler;
}

/** Builds the XmlElement tree of a document. */
export class TreeBuilder implements XmlHandler {
  root: XmlElement | null = null;
  private readonly stack: XmlElement[] = [];

  open(local: string, ns: string, attrs: readonly XmlAttribute[]): void {
    const el: XmlElement = { local, ns, attrs: new Map(), children: [], text: '' };
    for (const attr of attrs) el.attrs.set(attrKey(attr.ns, attr.local), attr.value);
    this.stack[this.stack.length - 1]?.children.push(el);
    this.root ??= el;
    this.stack.push(el);
  }

  text(data: string): void {
    this.stack[this.stack.length - 1]!.text += data;
  }

  close(): void {
    this.stack.pop();
  }
}

/** Parses a document into a small tree (see readXml for what is refused). */
export function parseXml(text: string): XmlElement {
  const { root } = readXml(text, TreeBuilder);
  if (!root) throw new XmlError('empty document');
  return root;
}

/** Reads a document with saxes. Events stop at the first error; the error is thrown once the document is read. */
export function parseWithSaxes(text: string, handler: XmlHandler): void {
  const parser = new SaxesParser({ xmlns: true, position: false });
  let failure: Error | null = null;
  let depth = 0;
  parser.on('error', (err) => {
    failure ??= err;
  });
  // saxes itself never fetches or expands declared entities; the DOCTYPE is refused all the same.
  parser.on('doctype', () => {
    failure ??= new XmlError('DOCTYPE is not allowed in a SOAP message');
  });
  parser.on('opentag', (tag) => {
    if (failure) return;
    const attrs: XmlAttribute[] = [];
    for (const attr of Object.values(tag.attributes)) {
      const a = attr as { local: string; uri: string; value: string; prefix: string };
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
      attrs.push({ ns: a.uri, local: a.local, value: a.value });
    }
    depth++;
    handler.open(tag.local ?? tag.name, tag.uri ?? '', attrs);
  });
  const onText = (data: string) => {
    if (!failure && depth > 0) handler.text(data);
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    if (failure) return;
    depth--;
    handler.close();
  });
  try {
    parser.write(text).close();
  } catch (err) {
    failure ??= err as Error;
  }
  if (failure) throw new XmlError((failure as Error).message.replace(/^undefined:/, '').trim());
}

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';
const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';

/** An XML 1.0 declaration as saxes accepts one (line ends already normalized): version, then encoding, then standalone. */
const XML_DECLARATION =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.0\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][\w.-]*\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/y;
const NO_ATTRIBUTES: readonly XmlAttribute[] = Object.freeze([]);
const MAX_ATTRIBUTES = 64;

const TAB = 0x09;
const LF = 0x0a;
const SPACE = 0x20;
const BANG = 0x21;
const DQUOTE = 0x22;
const HASH = 0x23;
const AMP = 0x26;
const SQUOTE = 0x27;
const SLASH = 0x2f;
const COLON = 0x3a;
const LT = 0x3c;
const EQUALS = 0x3d;
const GT = 0x3e;
const RBRACKET = 0x5d;
const LOWER_X = 0x78;

/** Whitespace in markup; a CR never gets here, line ends being normalized first. */
function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB;
}

/** The start of an NCName, within ASCII: a name in other characters is left to saxes. */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}

/**
 * Whether the UTF-16 unit c = text[i], 0xD800 or above, begins an XML character: a surrogate pair,
 * or a BMP character other than U+FFFE and U+FFFF. (Units below are checked where they are read.)
 */
function isCharAt(text: string, i: number, c: number): boolean {
  if (c <= 0xdbff) {
    const low = text.charCodeAt(i + 1);
    return low >= 0xdc00 && low <= 0xdfff;
  }
  return c > 0xdfff && c < 0xfffe;
}

/** XML 1.0's Char production, for character references. */
function isXmlChar(code: number): boolean {
  return (
    (code >= 0x20 && code <= 0xd7ff) ||
    code === TAB ||
    code === LF ||
    code === 0x0d ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/** The value of a decimal digit, or a hexadecimal one in either case; -1 for any other character. */
function digitValue(c: number, hex: boolean): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return hex && lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** What `&name;` stands for, name being text[start, end): a predefined entity or a character reference; null for anything else. */
function reference(text: string, start: number, end: number): string | null {
  if (text.charCodeAt(start) !== HASH) {
    switch (text.slice(start, end)) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return null;
    }
  }
  const hex = text.charCodeAt(start + 1) === LOWER_X;
  let i = start + (hex ? 2 : 1);
  if (i === end) return null;
  let code = 0;
  for (; i < end; i++) {
    const digit = digitValue(text.charCodeAt(i), hex);
    if (digit < 0) return null;
    code = code * (hex ? 16 : 10) + digit;
    if (code > 0x10ffff) return null;
  }
  return isXmlChar(code) ? String.fromCodePoint(code) : null;
}

/**
 * The prefix/URI pairs XML Namespaces refuses: `xml` bound elsewhere than its namespace or that
 * namespace to another prefix, `xmlns` declared, or the xmlns namespace bound at all.
 */
function isForbiddenBinding(prefix: string, uri: string): boolean {
  return prefix === 'xmlns' || uri === XMLNS_NAMESPACE || (prefix === 'xml') !== (uri === XML_NAMESPACE);
}

/**
 * One pass over a document that is plain XML 1.0 with namespaces and ASCII names, the shape every
 * SOAP stub sends, telling the handler as it goes. It returns false as soon as it meets anything
 * else, well-formed or not (see readXml): it never refuses a document itself, so what it accepts
 * it must accept exactly as saxes would, with the same values (line ends normalized, attribute
 * whitespace normalized, references decoded, namespace names trimmed as saxes trims them).
 */
export function scanXml(input: string, handler: XmlHandler): boolean {
  // Line ends are normalized on input (XML 1.0 §2.11), as saxes does character by character.
  const text = input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input;
  return new Scanner(text, handler).document();
}

class Scanner {
  private pos: number;
  /** The colon of the name qname() last read, or -1. */
  private colon = -1;
  /** Open elements' qualified names, for their end tags, and how many namespace bindings each declared. */
  private readonly names: string[] = [];
  private readonly declared: number[] = [];
  /** For each prefix, the namespaces it is bound to by the open elements, innermost last; and the prefixes as declared, in order. */
  private readonly scopes = new Map<string, string[]>([
    ['xml', [XML_NAMESPACE]],
    ['xmlns', [XMLNS_NAMESPACE]],
  ]);
  private readonly bound: string[] = [];
  /** The attributes of the tag being read, reused from tag to tag. */
  private readonly attrPrefixes: string[] = [];
  private readonly attrLocals: string[] = [];
  private readonly attrValues: string[] = [];
  private readonly attrNamespaces: string[] = [];

  constructor(
    private readonly text: string,
    private readonly handler: XmlHandler,
  ) {
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  document(): boolean {
    const { text } = this;
    if (text.startsWith('<?xml', this.pos)) {
      XML_DECLARATION.lastIndex = this.pos;
      if (!XML_DECLARATION.test(text)) return false;
      this.pos = XML_DECLARATION.lastIndex;
    }
    let sawRoot = false;
    while (this.pos < text.length) {
      const lt = this.pos;
      if (text.charCodeAt(lt) !== LT) {
        if (!this.characterData()) return false;
        continue;
      }
      const next = text.charCodeAt(lt + 1);
      if (next === SLASH) {
        if (!this.endTag(lt)) return false;
      } else if (next === BANG) {
        if (!this.commentOrCdata(lt)) return false;
      } else {
        if (sawRoot && this.names.length === 0) return false; // a second root
        if (!this.startTag(lt)) return false;
        sawRoot = true;
      }
    }
    return sawRoot && this.names.length === 0;
  }

  /** Character data from pos to the next '<' or the end: only whitespace outside the root. */
  private characterData(): boolean {
    if (this.names.length === 0) {
      this.pos = this.skipSpaces(this.pos);
      return this.pos === this.text.length || this.text.charCodeAt(this.pos) === LT;
    }
    const data = this.chars(this.pos, LT);
    if (data === null) return false;
    this.handler.text(data);
    return true;
  }

  /**
   * The characters from `start` up to the first `stop` (a '<' after character data, the closing
   * quote of an attribute value), where pos is left; with references decoded and, in an attribute
   * value, tabs and line ends made spaces. Null for what this scanner does not judge: a character
   * XML does not allow, a reference other than a character or predefined one, "]]>" in character
   * data, a '<' or no closing quote in an attribute value.
   */
  private chars(start: number, stop: number): string | null {
    const { text } = this;
    const inAttribute = stop !== LT;
    let out = '';
    let from = start;
    let i = start;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === stop) break;
      if (c === AMP) {
        const semicolon = text.indexOf(';', i + 1);
        const decoded = semicolon < 0 ? null : reference(text, i + 1, semicolon);
        if (decoded === null) return null;
        out += text.slice(from, i) + decoded;
        i = semicolon;
        from = semicolon + 1;
      } else if (c < SPACE) {
        if (c !== TAB && c !== LF) return null;
        if (inAttribute) {
          out += `${text.slice(from, i)} `;
          from = i + 1;
        }
      } else if (c >= 0xd800) {
        if (!isCharAt(text, i, c)) return null;
        if (c <= 0xdbff) i++;
      } else if (
        inAttribute ? c === LT : c === GT && i >= start + 2 && text.charCodeAt(i - 1) === RBRACKET && text.charCodeAt(i - 2) === RBRACKET
      ) {
        return null;
      }
    }
    if (inAttribute && i === text.length) return null;
    this.pos = i;
    return from === start ? text.slice(start, i) : out + text.slice(from, i);
  }

  /** Whether text[start, end) is all XML characters. */
  private allChars(start: number, end: number): boolean {
    const { text } = this;
    for (let i = start; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < SPACE) {
        if (c !== TAB && c !== LF) return false;
      } else if (c >= 0xd800) {
        if (!isCharAt(text, i, c)) return false;
        if (c <= 0xdbff) i++;
      }
    }
    return true;
  }

  /** The end of the name (NCName or NCName:NCName) at `start`, setting `colon`; `start` itself if there is none. */
  private qname(start: number): number {
    const { text } = this;
    this.colon = -1;
    if (!isNameStart(text.charCodeAt(start))) return start;
    let i = start + 1;
    for (;;) {
      const c = text.charCodeAt(i);
      if (isNameChar(c)) i++;
      else if (c === COLON && this.colon < 0 && isNameStart(text.charCodeAt(i + 1))) {
        this.colon = i;
        i += 2;
      } else return i;
    }
  }

  private skipSpaces(i: number): number {
    while (isSpace(this.text.charCodeAt(i))) i++;
    return i;
  }

  private resolve(prefix: string): string | undefined {
    const uris = this.scopes.get(prefix);
    return uris?.[uris.length - 1];
  }

  private startTag(lt: number): boolean {
    const { text } = this;
    const nameEnd = this.qname(lt + 1);
    if (nameEnd === lt + 1) return false;
    const name = text.slice(lt + 1, nameEnd);
    const prefix = this.colon < 0 ? '' : text.slice(lt + 1, this.colon);
    const local = this.colon < 0 ? name : text.slice(this.colon + 1, nameEnd);
    // Attributes as written, resolved once the tag is read: a declaration applies to the whole tag.
    let count = 0;
    let bindings = 0;
    let i = nameEnd;
    let selfClosing = false;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === GT) break;
      if (c === SLASH) {
        if (text.charCodeAt(i + 1) !== GT) return false;
        selfClosing = true;
        i++;
        break;
      }
      if (!isSpace(c)) return false;
      i = this.skipSpaces(i);
      const after = text.charCodeAt(i);
      if (after === GT || after === SLASH) continue;
      const attrEnd = this.qname(i);
      if (attrEnd === i) return false;
      const attrPrefix = this.colon < 0 ? '' : text.slice(i, this.colon);
      const attrLocal = this.colon < 0 ? text.slice(i, attrEnd) : text.slice(this.colon + 1, attrEnd);
      i = this.skipSpaces(attrEnd);
      if (text.charCodeAt(i) !== EQUALS) return false;
      i = this.skipSpaces(i + 1);
      const quote = text.charCodeAt(i);
      if (quote !== DQUOTE && quote !== SQUOTE) return false;
      const value = this.chars(i + 1, quote);
      if (value === null) return false;
      i = this.pos + 1;
      if (attrPrefix === 'xmlns' || (attrPrefix === '' && attrLocal === 'xmlns')) {
        // saxes trims namespace names; an empty one for a prefix is refused in XML 1.0.
        const declaredPrefix = attrPrefix === '' ? '' : attrLocal;
        const uri = value.trim();
        if ((declaredPrefix !== '' && uri === '') || isForbiddenBinding(declaredPrefix, uri)) return false;
        this.bind(declaredPrefix, uri);
        bindings++;
      }
      // The duplicate test is quadratic: a tag with this many attributes, which no stub writes, is saxes's.
      if (count === MAX_ATTRIBUTES) return false;
      this.attrPrefixes[count] = attrPrefix;
      this.attrLocals[count] = attrLocal;
      this.attrValues[count] = value;
      count++;
    }
    this.pos = i + 1;

    const ns = prefix === '' ? (this.resolve('') ?? '') : this.resolve(prefix);
    if (ns === undefined || prefix === 'xmlns') return false;
    const attrs = count === 0 ? NO_ATTRIBUTES : this.resolveAttributes(count);
    if (attrs === null) return false;
    this.handler.open(local, ns, attrs);
    if (selfClosing) {
      this.unbind(bindings);
      this.handler.close();
    } else {
      this.names.push(name);
      this.declared.push(bindings);
    }
    return true;
  }

  /** The tag's `count` attributes with their namespaces, less the declarations; null for an unbound prefix or a duplicate. */
  private resolveAttributes(count: number): XmlAttribute[] | null {
    const { attrPrefixes, attrLocals, attrNamespaces } = this;
    const attrs: XmlAttribute[] = [];
    for (let i = 0; i < count; i++) {
      const prefix = attrPrefixes[i]!;
      const local = attrLocals[i]!;
      const ns = prefix === '' ? (local === 'xmlns' ? XMLNS_NAMESPACE : '') : this.resolve(prefix);
      if (ns === undefined) return null;
      // saxes's duplicate test: the name as written if unprefixed, {namespace}local if prefixed.
      for (let j = 0; j < i; j++) {
        if (attrLocals[j] === local && (attrPrefixes[j] === '') === (prefix === '') && attrNamespaces[j] === ns) return null;
      }
      attrNamespaces[i] = ns;
      if (ns !== XMLNS_NAMESPACE) attrs.push({ ns, local, value: this.attrValues[i]! });
    }
    return attrs;
  }

  private bind(prefix: string, uri: string): void {
    const uris = this.scopes.get(prefix);
    if (uris) uris.push(uri);
    else this.scopes.set(prefix, [uri]);
    this.bound.push(prefix);
  }

  /** Ends the last `bindings` bindings made. */
  private unbind(bindings: number): void {
    for (; bindings > 0; bindings--) this.scopes.get(this.bound.pop()!)!.pop();
  }

  private endTag(lt: number): boolean {
    const { text, names } = this;
    const name = names[names.length - 1];
    if (name === undefined) return false;
    // Compared in place: cheaper than startsWith for names this short.
    for (let i = 0; i < name.length; i++) if (text.charCodeAt(lt + 2 + i) !== name.charCodeAt(i)) return false;
    const gt = this.skipSpaces(lt + 2 + name.length);
    if (text.charCodeAt(gt) !== GT) return false;
    names.pop();
    this.unbind(this.declared.pop()!);
    this.pos = gt + 1;
    this.handler.close();
    return true;
  }

  /** A comment (anywhere) or a CDATA section (inside the root); any other `<!` (a DOCTYPE) is saxes's to judge. */
  private commentOrCdata(lt: number): boolean {
    const { text } = this;
    if (text.startsWith('<!--', lt)) {
      // The first "--" in a comment must be its end.
      const dashes = text.indexOf('--', lt + 4);
      if (dashes < 0 || text.charCodeAt(dashes + 2) !== GT || !this.allChars(lt + 4, dashes)) return false;
      this.pos = dashes + 3;
      return true;
    }
    if (text.startsWith('<![CDATA[', lt) && this.names.length > 0) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0 || !this.allChars(lt + 9, end)) return false;
      if (end > lt + 9) this.handler.text(text.slice(lt + 9, end));
      this.pos = end + 3;
      return true;
    }
    return false;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

// biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters, so they are looked for
const NEEDS_ESCAPING = /[\u0000-\u0008\u000b\u000c\u000e-\u001f&<>"']/;

/** Escapes text or attribute values, and drops the control characters XML 1.0 cannot carry at all. */
export function escapeXml(s: string): string {
  // Most values need nothing: one test is cheaper than two replacements.
  if (!NEEDS_ESCAPING.test(s)) return s;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters, so they are removed
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
