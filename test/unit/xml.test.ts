/**
 * The one-pass scanner (scanXml) against saxes, the parser of record: on every document it reads
 * itself it must build the very tree saxes builds, and it must never read one saxes refuses.
 * Documents come from hand-written seeds (envelopes as stubs send them, and every construct the
 * scanner handles), from random documents, and from seeded mutations of both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWithSaxes, parseXml, readXml, scanXml, TreeBuilder, type XmlElement, XmlError } from '../../src/soap/xml';

const ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
const ENC = 'http://schemas.xmlsoap.org/soap/encoding/';
const XSI_DECL = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"';

const SEEDS = [
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${ENV}" xmlns:tns="http://userapi.ws.smsgateway"><soap:Body><tns:sendSms><tns:username>demo</tns:username><tns:password>ZGVtbzEyMw==</tns:password><tns:smstype>1</tns:smstype><tns:content>【基准】您的验证码是123456，5分钟内有效。</tns:content><tns:mobile>13800138000</tns:mobile><tns:isLongSms>0</tns:isLongSms></tns:sendSms></soap:Body></soap:Envelope>`,
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${ENV}" ${XSI_DECL}><soapenv:Body><ns1:sendSms soapenv:encodingStyle="${ENC}" xmlns:ns1="http://webservice.sms.oldvendor"><in0 xsi:type="xsd:string">demo</in0><in2 href="#id0"/></ns1:sendSms><multiRef id="id0" soapenc:root="0" soapenv:encodingStyle="${ENC}" xsi:type="xsd:int" xmlns:soapenc="${ENC}">1</multiRef></soapenv:Body></soapenv:Envelope>`,
  '<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Header/><e:Body><t:getRestMoney xmlns:t="urn:x"><t:username>demo</t:username><t:password xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/></t:getRestMoney></e:Body></e:Envelope>',
  `<soap:Envelope xmlns:soap="${ENV}"><soap:Body><getRestMoney xmlns="http://userapi.ws.smsgateway"><in0>demo</in0><in1 xmlns="">x</in1></getRestMoney></soap:Body></soap:Envelope>`,
  '\uFEFF<?xml version=\'1.0\' encoding=\'GBK\' standalone=\'yes\' ?>\r\n<!-- a stub --><a:b xmlns:a="urn:a" a:x="1" x="2">\r\n <c>&lt;&gt;&amp;&quot;&apos;&#65;&#x4e2d;&#x1F600;</c><![CDATA[<not> & ]] markup]]><d e="tab\there&#9;and\nline&#10;&amp;&lt;" f=\'"\'/></a:b>\n<!-- after -->\n',
  '<r xmlns:p=" urn:trimmed "><p:s xml:lang="zh" p:t="v">text 😀 é 中</p:s><u></u ><v/><w   a = "1"   b=\'2\'  /></r>',
  '<r><a>1</a><!----><b>]] ]>&#93;]></b><c>x<![CDATA[]]>y</c></r>',
  '<?xml version="1.0"?><r xmlns="urn:d"><s xmlns="urn:e"><t/></s><x:y xmlns:x="urn:d"/></r>',
];

// Refusals and deferrals the mutations might miss: each must go to saxes, and stay refused there.
const REFUSED = [
  '<!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>',
  '<x>&undeclared;</x>',
  '<x>&#0;</x>',
  '<x>&#xD800;</x>',
  '<x>&#X41;</x>',
  '<x>&#;</x>',
  '<x>]]></x>',
  '<x a="<"/>',
  '<x a="1" a="2"/>',
  '<x xmlns:p="u" xmlns:q="u" p:a="1" q:a="2"/>',
  '<p:x/>',
  '<x p:a="1"/>',
  '<x xmlns:p=""/>',
  '<xmlns:x/>',
  '<x xmlns:xml="urn:not-xml"/>',
  '<x xmlns:p="http://www.w3.org/XML/1998/namespace"/>',
  '<x xmlns:xmlns="urn:x"/>',
  '<x xmlns="http://www.w3.org/2000/xmlns/"/>',
  '<x></y>',
  '<x><y></x></y>',
  '<x/><y/>',
  '<x/>text',
  'text<x/>',
  ' <?xml version="1.0"?><x/>',
  '<?xml version="1.0"?><?xml version="1.0"?><x/>',
  '<?xml encoding="utf-8"?><x/>',
  '<?xml version="2.0"?><x/>',
  '<x><!-- a -- b --></x>',
  '<x><!-- a ---></x>',
  '<![CDATA[x]]><x/>',
  '<x>\u0001</x>',
  '<x>\uFFFE</x>',
  '<x>\uD800</x>',
  '<x a=b/>',
  '<x a="1"b="2"/>',
  '<x/ >',
  '<a:b:c xmlns:a="u"/>',
  '<x>',
  '',
];

// Well-formed documents the scanner leaves to saxes: saxes reads them as it always did.
const LEFT_TO_SAXES = [
  '<?xml version="1.1"?><x>\u0085</x>',
  '<?pi data?><x/>',
  '<x><?pi data?></x>',
  '<中文><名字>值</名字></中文>',
  '<x a\u00B7b="1"/>',
];

type Outcome = { tree: XmlElement } | { error: string };

function bySaxes(text: string): Outcome {
  const tree = new TreeBuilder();
  try {
    parseWithSaxes(text, tree);
  } catch (err) {
    assert.ok(err instanceof XmlError);
    return { error: err.message };
  }
  return tree.root ? { tree: tree.root } : { error: 'empty document' };
}

function byScanner(text: string): XmlElement | null {
  const tree = new TreeBuilder();
  return scanXml(text, tree) ? tree.root : null;
}

/** The scanner's verdict must be saxes's; returns whether the scanner read the document itself. */
function check(text: string): boolean {
  const expected = bySaxes(text);
  const scanned = byScanner(text);
  if (scanned) {
    assert.ok(
      'tree' in expected,
      `scanner accepted what saxes refuses (${'error' in expected && expected.error}): ${JSON.stringify(text)}`,
    );
    assert.deepEqual(scanned, expected.tree, JSON.stringify(text));
  }
  let viaReadXml: Outcome;
  try {
    viaReadXml = { tree: parseXml(text) };
  } catch (err) {
    viaReadXml = { error: (err as Error).message };
  }
  assert.deepEqual(viaReadXml, expected, JSON.stringify(text));
  return scanned !== null;
}

/** mulberry32: a small seeded generator, so that every run checks the same documents. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '<',
  '>',
  '/',
  '&',
  ';',
  '"',
  "'",
  '=',
  ':',
  '!',
  '?',
  '[',
  ']',
  '-',
  '#',
  'x',
  ' ',
  '\t',
  '\r',
  '\n',
  'a',
  'p',
  '0',
  '_',
  '.',
  '&amp;',
  '&#10;',
  '&#x41;',
  ']]>',
  '<!--',
  '-->',
  '<![CDATA[',
  'xmlns',
  'xmlns:p="urn:p"',
  'p:',
  '\u0001',
  '\uFFFF',
  '\uD83D',
  '\uDE00',
  'é',
  '中',
];

function mutate(text: string, next: () => number): string {
  const at = Math.floor(next() * (text.length + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  switch (Math.floor(next() * 5)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(next() * 3));
    case 1:
      return text.slice(0, at) + pick(PIECES) + text.slice(at);
    case 2:
      return text.slice(0, at) + pick(PIECES) + text.slice(at + 1);
    case 3: {
      const from = Math.floor(next() * text.length);
      return text.slice(0, at) + text.slice(from, from + 1 + Math.floor(next() * 12)) + text.slice(at);
    }
    default:
      return text.slice(0, at);
  }
}

/** A random well-formed document: nested elements under a few prefixes, attributes, text, references, CDATA, comments. */
function randomDocument(next: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const texts = ['', 'v', ' ', '\n  ', '&lt;&amp;&gt;', '&#x4e2d;&#20013;', '中文', '😀', 'a]b]]c', '\r\n', '\t'];
  const element = (depth: number, prefixes: string[]): string => {
    const declared = [...prefixes];
    let attrs = '';
    if (next() < 0.3) {
      const p = pick(['p', 'q', 'ns1']);
      attrs += ` xmlns:${p}="${pick(['urn:a', 'urn:b', ' urn:c '])}"`;
      declared.push(p);
    }
    if (next() < 0.2) attrs += ` xmlns="${pick(['', 'urn:d'])}"`;
    const used = new Set<string>();
    for (let n = Math.floor(next() * 3); n > 0; n--) {
      const prefix = next() < 0.4 && declared.length > 0 ? `${pick(declared)}:` : '';
      const name = `${prefix}${pick(['id', 'href', 'type', 'a-b', 'c.d'])}`;
      if (used.has(name)) continue;
      used.add(name);
      const q = pick(['"', "'"]);
      attrs += `${pick([' ', '\n', '\t '])}${name}${pick(['=', ' = '])}${q}${pick(texts)}${q}`;
    }
    const prefix = next() < 0.5 && declared.length > 0 ? `${pick(declared)}:` : '';
    const name = `${prefix}${pick(['e', 'Envelope', 'Body', 'x_1', 'in0'])}`;
    if (depth > 3 || next() < 0.2) return `<${name}${attrs}${pick(['/', ' /'])}>`;
    let content = '';
    for (let n = Math.floor(next() * 4); n > 0; n--) {
      const r = next();
      if (r < 0.4) content += element(depth + 1, declared);
      else if (r < 0.8) content += pick(texts);
      else if (r < 0.9) content += `<![CDATA[${pick(['', '<x>&', ']] >'])}]]>`;
      else content += `<!--${pick(['', ' c ', '- x'])}-->`;
    }
    return `<${name}${attrs}>${content}</${name}${pick(['', ' '])}>`;
  };
  const prefixes = next() < 0.5 ? ['p'] : [];
  const root = element(0, []);
  const withPrefix = prefixes.length ? root.replace(/^<([^\s/>]+)/, '<$1 xmlns:p="urn:root"') : root;
  return `${pick(['', '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-8"?>\n'])}${pick(['', '<!-- c -->', ' '])}${withPrefix}${pick(['', '\n', '<!-- end -->'])}`;
}

test('the scanner reads the seed envelopes itself, as saxes does', () => {
  for (const seed of SEEDS) assert.ok(check(seed), `left to saxes: ${seed}`);
});

test('what saxes refuses is refused with its message; what the scanner leaves to saxes reads as before', () => {
  for (const text of REFUSED) {
    assert.equal(check(text), false, JSON.stringify(text));
    assert.throws(() => parseXml(text), XmlError, JSON.stringify(text));
  }
  assert.throws(() => parseXml(REFUSED[0]!), /^Error: DOCTYPE is not allowed in a SOAP message$/);
  for (const text of LEFT_TO_SAXES) {
    assert.equal(check(text), false, JSON.stringify(text));
    assert.ok(parseXml(text));
  }
});

test('mutated and random documents: the scanner never disagrees with saxes', () => {
  const next = random(13);
  let scanned = 0;
  let total = 0;
  const documents = [...SEEDS, ...Array.from({ length: 300 }, () => randomDocument(next))];
  for (const doc of documents) {
    if (check(doc)) scanned++;
    total++;
    for (let i = 0; i < 40; i++) {
      let text = mutate(doc, next);
      if (next() < 0.3) text = mutate(text, next);
      if (check(text)) scanned++;
      total++;
    }
  }
  // The comparison means something only if the scanner reads a good share itself.
  assert.ok(scanned > total / 10, `scanner read ${scanned} of ${total}`);
});

test('readXml hands a document the scanner leaves to a fresh handler', () => {
  const seen: string[] = [];
  let made = 0;
  class Recorder {
    readonly id = made++;
    open(local: string) {
      seen.push(`${this.id}:${local}`);
    }
    text() {}
    close() {}
  }
  // The scanner reads <a> and <b>, then meets the processing instruction and gives up.
  const reader = readXml('<a><b/><?pi?><c/></a>', Recorder);
  assert.equal(reader.id, 1);
  assert.deepEqual(seen, ['0:a', '0:b', '1:a', '1:b', '1:c']);
});

test('deep nesting is read in one pass; a tag with more attributes than the scanner takes is left to saxes, read the same', () => {
  const deep = `${'<a xmlns:p="urn:p" p:x="1">'.repeat(300)}<p:b/>${'</a>'.repeat(300)}`;
  assert.equal(check(deep), true);
  const wide = `<op ${Array.from({ length: 100 }, (_, i) => `a${i}="${i}"`).join(' ')}/>`;
  assert.equal(check(wide), false);
  assert.equal(parseXml(wide).attrs.get('a99'), '99');
});
