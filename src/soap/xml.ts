import { SaxesParser } from 'saxes';

/** A parsed element, namespace-resolved. Text is the concatenated character data of the element itself. */
export interface XmlElement {
  local: string;
  ns: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {}

/** Attribute key in XmlElement.attrs: `{namespace}local`, or just `local` for an unqualified attribute. */
export function attrKey(ns: string, local: string): string {
  return ns ? `{${ns}}${local}` : local;
}

/**
 * Parses a document into a small tree. Any DOCTYPE is refused outright: SOAP forbids DTDs, and
 * refusing them closes the door on external entities and entity-expansion bombs alike (saxes
 * itself never fetches or expands declared entities).
 */
export function parseXml(text: string): XmlElement {
  const parser = new SaxesParser({ xmlns: true, position: false });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let failure: Error | null = null;
  parser.on('error', (err) => {
    failure ??= err;
  });
  parser.on('doctype', () => {
    failure ??= new XmlError('DOCTYPE is not allowed in a SOAP message');
  });
  parser.on('opentag', (tag) => {
    const el: XmlElement = { local: tag.local ?? tag.name, ns: tag.uri ?? '', attrs: new Map(), children: [], text: '' };
    for (const attr of Object.values(tag.attributes)) {
      const a = attr as { local: string; uri: string; value: string; prefix: string };
      if (a.prefix === 'xmlns' || (a.prefix === '' && a.local === 'xmlns')) continue;
      el.attrs.set(attrKey(a.uri, a.local), a.value);
    }
    stack[stack.length - 1]?.children.push(el);
    if (!root) root = el;
    stack.push(el);
  });
  parser.on('text', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('cdata', (t) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  try {
    parser.write(text).close();
  } catch (err) {
    failure ??= err as Error;
  }
  if (failure) throw new XmlError(failure.message.replace(/^undefined:/, '').trim());
  if (!root) throw new XmlError('empty document');
  return root;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text or attribute values, and drops the control characters XML 1.0 cannot carry at all. */
export function escapeXml(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters, so they are removed
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}
