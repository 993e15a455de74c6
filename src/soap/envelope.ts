import { attrKey, parseXml, type XmlElement, type XmlError } from './xml';

export const SOAP11_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENV = 'http://www.w3.org/2003/05/soap-envelope';
export const SOAP_ENC = 'http://schemas.xmlsoap.org/soap/encoding/';
export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export type SoapVersion = '1.1' | '1.2';

export interface SoapParam {
  name: string;
  value: string | null;
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
 * Reads an envelope. The operation is the one Body child that is not an Axis multiRef
 * (soapenc:root="0"); a Body with more than one is refused rather than half carried out; a parameter with href="#id" takes its value from the element with that id,
 * wherever it is. Values are the elements' text; xsi:nil gives null.
 */
export function parseSoapCall(xml: string, fallbackVersion: SoapVersion): SoapCall {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    throw new SoapClientError(`malformed XML: ${(err as XmlError).message}`, fallbackVersion);
  }
  const version: SoapVersion | null = root.ns === SOAP11_ENV ? '1.1' : root.ns === SOAP12_ENV ? '1.2' : null;
  if (root.local !== 'Envelope' || !version) {
    throw new SoapClientError('not a SOAP envelope: expected an Envelope element in the SOAP 1.1 or 1.2 namespace', fallbackVersion);
  }
  const body = root.children.find((c) => c.local === 'Body' && c.ns === root.ns);
  if (!body) throw new SoapClientError('the envelope has no Body', version);
  const ids = new Map<string, XmlElement>();
  const index = (el: XmlElement) => {
    const id = el.attrs.get('id');
    if (id) ids.set(id, el);
    el.children.forEach(index);
  };
  body.children.forEach(index);
  // Values referenced by href (Axis multiRef, .NET encoded types) are not operations, root="0" or not.
  const referenced = new Set<string>();
  const collect = (el: XmlElement) => {
    const href = el.attrs.get('href');
    if (href?.startsWith('#')) referenced.add(href.slice(1));
    el.children.forEach(collect);
  };
  body.children.forEach(collect);
  const operations = body.children.filter(
    (c) => c.attrs.get(attrKey(SOAP_ENC, 'root')) !== '0' && !referenced.has(c.attrs.get('id') ?? ''),
  );
  const op = operations[0];
  if (!op) throw new SoapClientError('the Body names no operation', version);
  if (operations.length > 1) {
    throw new SoapClientError(
      `the Body holds ${operations.length} operations (${operations.map((o) => o.local).join(', ')}); send one per request`,
      version,
    );
  }

  const styleOf = (el: XmlElement) => el.attrs.get(attrKey(root.ns, 'encodingStyle')) ?? '';
  let encoded = [root, body, op].some((el) => styleOf(el).includes(SOAP_ENC));
  const params = op.children.map((child): SoapParam => {
    let valueEl = child;
    const href = child.attrs.get('href');
    if (href?.startsWith('#')) {
      const target = ids.get(href.slice(1));
      if (!target) throw new SoapClientError(`href ${href} points at no element`, version);
      valueEl = target;
      encoded = true;
    }
    if (valueEl.attrs.has(attrKey(XSI, 'type'))) encoded = true;
    const nil = valueEl.attrs.get(attrKey(XSI, 'nil')) ?? valueEl.attrs.get(attrKey(XSI, 'null'));
    return { name: child.local, value: nil === 'true' || nil === '1' ? null : valueEl.text };
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
