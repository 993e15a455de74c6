import { attributeValue, readXml, type XmlAttribute, type XmlError, type XmlHandler } from './xml';

export const SOAP11_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENV = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP_ENC = 'http://schemas.xmlsoap.org/soap/encoding/';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export type SoapVersion = '1.1' | '1.2';

export interface SoapParam {
  name: string;
  value: string | null;
  /** The text of each child element, for an array parameter (an ASMX/CXF `ArrayOf…`: `<tos><string>…</string>…</tos>`). */
  items: string[];
}

/** What a call says, in any of the styles legacy stubs use. */
export interface SoapCall {
  version: SoapVersion;
  operation: string;
  /** Namespace of the operation element, echoed on the answer so the caller's stub finds it. */
  operationNs: string;
  params: SoapParam[];
  /** rpc/encoded (Axis 1.x): xsi:type on values, soapenc encodingStyle, multiRef. */
  encoded: boolean;
  /** Whether the caller's parameter elements are namespace-qualified; the answer's accessor follows suit. */
  qualified: boolean;
}

export class SoapClientError extends Error {
  constructor(
    message: string,
    readonly version: SoapVersion,
  ) {
    super(message);
  }
}

/**
 * A Body descendant a call may read: a Body child (an operation or a multiRef), a child of one
 * (a parameter), or any deeper element with an id (an href target). Text is its own character data.
 */
interface Accessor {
  local: string;
  ns: string;
  text: string;
  id: string | undefined;
  href: string | undefined;
  /** soapenc:root */
  root: string | undefined;
  encodingStyle: string;
  typed: boolean;
  nil: string | undefined;
  children: Accessor[];
}

/** An accessor with the attributes a call reads, taken in one pass: `encodingStyle` is the one in the envelope's namespace. */
function accessor(local: string, ns: string, attrs: readonly XmlAttribute[], envelopeNs: string): Accessor {
  const el: Accessor = {
    local,
    ns,
    text: '',
    id: undefined,
    href: undefined,
    root: undefined,
    encodingStyle: '',
    typed: false,
    nil: undefined,
    children: [],
  };
  for (const attr of attrs) {
    if (attr.ns === '') {
      if (attr.local === 'id') el.id = attr.value;
      else if (attr.local === 'href') el.href = attr.value;
    } else if (attr.ns === XSI) {
      if (attr.local === 'type') el.typed = true;
      // xsi:nil, or xsi:null (its older name) when there is no xsi:nil
      else if (attr.local === 'nil') el.nil = attr.value;
      else if (attr.local === 'null') el.nil ??= attr.value;
    } else if (attr.ns === SOAP_ENC && attr.local === 'root') el.root = attr.value;
    if (attr.ns === envelopeNs && attr.local === 'encodingStyle') el.encodingStyle = attr.value;
  }
  return el;
}

/**
 * Reads an envelope as it streams past, keeping only what a call is made of: the Envelope, the
 * first Body in its namespace, and the Body's accessors. Nothing is judged until the whole
 * document has been read as well-formed XML: a malformed envelope is refused as malformed first.
 */
class EnvelopeReader implements XmlHandler {
  private depth = 0;
  private envelope: { local: string; ns: string; encodingStyle: string } | null = null;
  private body: { encodingStyle: string } | null = null;
  private inBody = false;
  private readonly bodyChildren: Accessor[] = [];
  private readonly ids = new Map<string, Accessor>();
  /** Ids referenced by href="#id" anywhere in the Body. */
  private readonly referenced = new Set<string>();
  /** The accessor of each open element, or null for one that is not kept. */
  private readonly kept: (Accessor | null)[] = [];

  open(local: string, ns: string, attrs: readonly XmlAttribute[]): void {
    const depth = this.depth++;
    let kept: Accessor | null = null;
    if (depth === 0) {
      this.envelope = { local, ns, encodingStyle: attributeValue(attrs, ns, 'encodingStyle') ?? '' };
    } else if (depth === 1) {
      if (!this.body && local === 'Body' && ns === this.envelope!.ns) {
        this.body = { encodingStyle: attributeValue(attrs, ns, 'encodingStyle') ?? '' };
        this.inBody = true;
      }
    } else if (this.inBody) {
      const el = accessor(local, ns, attrs, this.envelope!.ns);
      if (el.href?.startsWith('#')) this.referenced.add(el.href.slice(1));
      // Depth 4 is kept for the items of an array parameter (and as children of an href target).
      if (depth <= 4 || el.id) {
        kept = el;
        if (el.id) this.ids.set(el.id, el);
        if (depth === 2) this.bodyChildren.push(el);
        else if (depth <= 4) this.kept[depth - 1]?.children.push(el);
      }
    }
    this.kept[depth] = kept;
  }

  text(data: string): void {
    const kept = this.kept[this.depth - 1];
    if (kept) kept.text += data;
  }

  close(): void {
    if (--this.depth === 1) this.inBody = false;
  }

  /**
   * The call the envelope makes. The operation is the one Body child that is not an Axis
   * multiRef (soapenc:root="0"); a Body with more than one is refused rather than half carried
   * out; a parameter with href="#id" takes its value from the element with that id, wherever it
   * is. Values are the elements' text; xsi:nil gives null.
   */
  call(fallbackVersion: SoapVersion): SoapCall {
    const envelope = this.envelope!;
    const version: SoapVersion | null = envelope.ns === SOAP11_ENV ? '1.1' : envelope.ns === SOAP12_ENV ? '1.2' : null;
    if (envelope.local !== 'Envelope' || !version) {
      throw new SoapClientError('not a SOAP envelope: expected an Envelope element in the SOAP 1.1 or 1.2 namespace', fallbackVersion);
    }
    if (!this.body) throw new SoapClientError('the envelope has no Body', version);
    // Values referenced by href (Axis multiRef, .NET encoded types) are not operations, root="0" or not.
    const operations = this.bodyChildren.filter((c) => c.root !== '0' && !this.referenced.has(c.id ?? ''));
    const op = operations[0];
    if (!op) throw new SoapClientError('the Body names no operation', version);
    if (operations.length > 1) {
      throw new SoapClientError(
        `the Body holds ${operations.length} operations (${operations.map((o) => o.local).join(', ')}); send one per request`,
        version,
      );
    }

    let encoded = [envelope.encodingStyle, this.body.encodingStyle, op.encodingStyle].some((style) => style.includes(SOAP_ENC));
    const params = op.children.map((child): SoapParam => {
      let value = child;
      if (child.href?.startsWith('#')) {
        const target = this.ids.get(child.href.slice(1));
        if (!target) throw new SoapClientError(`href ${child.href} points at no element`, version);
        value = target;
        encoded = true;
      }
      if (value.typed) encoded = true;
      return {
        name: child.local,
        value: value.nil === 'true' || value.nil === '1' ? null : value.text,
        items: value.children.map((item) => item.text),
      };
    });
    return {
      version,
      operation: op.local,
      operationNs: op.ns,
      params,
      encoded,
      qualified: op.children.length > 0 && op.children.every((c) => c.ns !== ''),
    };
  }
}

/** Reads an envelope into the call it makes (see EnvelopeReader.call). */
export function parseSoapCall(xml: string, fallbackVersion: SoapVersion): SoapCall {
  let reader: EnvelopeReader;
  try {
    reader = readXml(xml, EnvelopeReader);
  } catch (err) {
    throw new SoapClientError(`malformed XML: ${(err as XmlError).message}`, fallbackVersion);
  }
  return reader.call(fallbackVersion);
}
