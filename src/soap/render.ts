import { escapeXml } from './xml';
import { SOAP11_ENV, SOAP12_ENV, SOAP_ENC, type SoapCall, type SoapVersion } from './envelope';

const XML_DECL = '<?xml version="1.0" encoding="utf-8"?>';

export function soapContentType(version: SoapVersion): string {
  return version === '1.2' ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
}

const envelopeOpen = (env: string) =>
  `${XML_DECL}<soap:Envelope xmlns:soap="${env}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soap:Body>`;
/**
 * What surrounds every answer's body, per version, built once. (The rest of an answer depends on
 * the caller's namespace and style; caching it per call shape measured slower than building it.)
 */
const ENVELOPE_OPEN: Record<SoapVersion, string> = { '1.1': envelopeOpen(SOAP11_ENV), '1.2': envelopeOpen(SOAP12_ENV) };
const ENVELOPE_CLOSE = '</soap:Body></soap:Envelope>';

function envelope(version: SoapVersion, body: string): string {
  return ENVELOPE_OPEN[version] + body + ENVELOPE_CLOSE;
}

/** XFire's parameter names: in0, in1 … (its stubs, and Axis 1.x rpc/encoded ones, number the parameters). */
const POSITIONAL_PARAM = /^in\d+$/;

/**
 * The one rule for the name of the answer's accessor element, decided from the call alone:
 *  - a document/literal call (not encoded) whose parameters are all named `in0…inN` comes from a
 *    stub generated from an XFire-published WSDL, whose response wrapper `<opResponse>` holds
 *    `<out>`: it is answered in `out`;
 *  - every other call, including Axis 1.x rpc/encoded calls with `in0…inN` (which read the
 *    `<opReturn>` of an Axis service) and document/literal calls with our WSDL's names, in `<opReturn>`.
 */
export function answerElementName(call: SoapCall, operation: string): string {
  const xfire = !call.encoded && call.params.length > 0 && call.params.every((p) => POSITIONAL_PARAM.test(p.name));
  return xfire ? 'out' : `${operation}Return`;
}

/**
 * The answer to a call, shaped after the call so that the stub that made it can read it: the
 * response element in the caller's namespace, the `<opReturn>` accessor qualified if the caller
 * qualified its parameters, and typed with xsi:type under rpc/encoded, as an Axis 1.x server answers.
 * `returnName` is the accessor's name: answerElementName(call, operation) for a caller's call.
 */
export function renderResponse(call: SoapCall, returnName: string, value: string): string {
  const prefix = call.operationNs ? 'ns1:' : '';
  const nsDecl = call.operationNs ? ` xmlns:ns1="${escapeXml(call.operationNs)}"` : '';
  const encoding = call.encoded ? ` soap:encodingStyle="${SOAP_ENC}"` : '';
  const accessor = call.qualified ? `${prefix}${returnName}` : returnName;
  const type = call.encoded ? ' xsi:type="xsd:string"' : '';
  const response = `${prefix}${call.operation}Response`;
  return envelope(call.version, `<${response}${nsDecl}${encoding}><${accessor}${type}>${escapeXml(value)}</${accessor}></${response}>`);
}

/** A child of a response element: text, a number, nil (null), or children of its own (a complex item). */
export interface SoapElement {
  name: string;
  value: string | number | null | readonly SoapElement[];
}

/** What an operation answers: one string in its accessor, or the response element's children in schema order (repeat a name for an array). */
export type SoapAnswer = string | readonly SoapElement[];

/**
 * The response element as a WSDL declares it, for a service that knows its contract (src/contracts):
 * its name, namespace, whether its children are qualified, and rpc/encoded or literal.
 */
export interface ResponseShape {
  element: string;
  namespace: string;
  qualified: boolean;
  encoded: boolean;
}

/**
 * A structured answer: the response element in the caller's namespace with these children in
 * order, qualified as the caller qualified its parameters (Axis2 ADB stubs insist on both), a null
 * as xsi:nil="true", and under rpc/encoded each value typed. With a `shape`, the WSDL's
 * declaration decides the element, its namespace, qualification and encoding instead of the call.
 */
export function renderElements(call: SoapCall, children: readonly SoapElement[], shape?: ResponseShape): string {
  const ns = shape ? shape.namespace : call.operationNs;
  const qualified = shape ? shape.qualified : call.qualified;
  const encoded = shape ? shape.encoded : call.encoded;
  const prefix = ns ? 'ns1:' : '';
  const nsDecl = ns ? ` xmlns:ns1="${escapeXml(ns)}"` : '';
  const encoding = encoded ? ` soap:encodingStyle="${SOAP_ENC}"` : '';
  const response = `${prefix}${shape ? shape.element : `${call.operation}Response`}`;
  const name = (n: string) => (qualified ? `${prefix}${n}` : n);
  const render = (elements: readonly SoapElement[]): string =>
    elements
      .map(({ name: n, value }) => {
        const tag = name(n);
        if (value === null) return `<${tag} xsi:nil="true"/>`;
        if (typeof value === 'object') return `<${tag}>${render(value)}</${tag}>`;
        const type = encoded ? ` xsi:type="xsd:${typeof value === 'number' ? 'int' : 'string'}"` : '';
        return `<${tag}${type}>${escapeXml(String(value))}</${tag}>`;
      })
      .join('');
  return envelope(call.version, `<${response}${nsDecl}${encoding}>${render(children)}</${response}>`);
}

/** A fault: the sender's fault (bad request) or the receiver's (our failure). Never carries a stack trace. */
export function renderFault(version: SoapVersion, sender: boolean, message: string): string {
  const text = escapeXml(message);
  if (version === '1.2') {
    return envelope(
      version,
      `<soap:Fault><soap:Code><soap:Value>soap:${sender ? 'Sender' : 'Receiver'}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">${text}</soap:Text></soap:Reason></soap:Fault>`,
    );
  }
  return envelope(
    version,
    `<soap:Fault><faultcode>soap:${sender ? 'Client' : 'Server'}</faultcode><faultstring>${text}</faultstring></soap:Fault>`,
  );
}
