import { parseXml, type XmlElement } from '../soap/xml';

const WSDL = 'http://schemas.xmlsoap.org/wsdl/';
const WSDL_SOAP11 = 'http://schemas.xmlsoap.org/wsdl/soap/';
const WSDL_SOAP12 = 'http://schemas.xmlsoap.org/wsdl/soap12/';
const XSD = 'http://www.w3.org/2001/XMLSchema';

/** An element of a request or response as the WSDL declares it, in schema order. */
export interface DeclaredElement {
  name: string;
  /** The XSD type's local name (string, int …), or '' for a complex type. */
  type: string;
  /** maxOccurs above 1: the element repeats, once per item. */
  repeated: boolean;
  /** The children of a complex type, in sequence order. */
  children: DeclaredElement[];
}

/** What one operation must look like on the wire, read from the WSDL. */
export interface WsdlOperation {
  name: string;
  /** document/literal, or rpc with use="encoded" (Axis 1.x) or literal. */
  style: 'document' | 'rpc';
  encoded: boolean;
  /** The SOAPAction of each binding that carries the operation, by SOAP version. */
  soapActions: Partial<Record<'1.1' | '1.2', string>>;
  /** The request's wrapper element and its parameters in order. */
  request: { element: string; params: DeclaredElement[] };
  /** The response's wrapper element and its children in order. */
  response: { element: string; children: DeclaredElement[] };
  /** Namespace of the wrappers: the schema's for document style, soap:body's namespace for rpc. */
  namespace: string;
  /** Whether the wrappers' children are namespace-qualified (elementFormDefault; never for rpc parts). */
  qualified: boolean;
}

export interface WsdlContract {
  targetNamespace: string;
  versions: ('1.1' | '1.2')[];
  operations: WsdlOperation[];
}

const children = (el: XmlElement, ns: string, local: string) => el.children.filter((c) => c.ns === ns && c.local === local);
const child = (el: XmlElement, ns: string, local: string) => children(el, ns, local)[0];
/** A QName attribute's local part. A contract has one target namespace, so names are looked up by their local part. */
const localName = (qname: string | undefined) => (qname ?? '').replace(/^[^:]*:/, '');

/** Thrown with what is wrong in the WSDL; the loader puts the file name in front. */
export class WsdlError extends Error {}

/**
 * Reads the parts of a vendor's WSDL the engine must honour: the target namespace, the schema's
 * elementFormDefault, per operation the request and response wrappers with their children in order,
 * the SOAP 1.1 and 1.2 bindings with their SOAPAction values, and document/literal or rpc/encoded.
 */
export function readWsdl(text: string): WsdlContract {
  // WSDLs saved by Windows tools often begin with a byte-order mark, which is not markup.
  const root = parseXml(text.replace(/^\uFEFF/, ''));
  if (root.ns !== WSDL || root.local !== 'definitions') throw new WsdlError('not a WSDL 1.1 document (no wsdl:definitions root)');
  const targetNamespace = root.attrs.get('targetNamespace') ?? '';
  const schemas = (child(root, WSDL, 'types')?.children ?? []).filter((c) => c.ns === XSD && c.local === 'schema');
  const topElements = new Map<string, { el: XmlElement; qualified: boolean; ns: string }>();
  const complexTypes = new Map<string, XmlElement>();
  for (const schema of schemas) {
    const qualified = schema.attrs.get('elementFormDefault') === 'qualified';
    const ns = schema.attrs.get('targetNamespace') ?? targetNamespace;
    for (const el of children(schema, XSD, 'element')) topElements.set(el.attrs.get('name') ?? '', { el, qualified, ns });
    for (const t of children(schema, XSD, 'complexType')) complexTypes.set(t.attrs.get('name') ?? '', t);
  }

  const declared = (el: XmlElement, seen: ReadonlySet<string>): DeclaredElement => {
    const name = el.attrs.get('name') ?? localName(el.attrs.get('ref'));
    const typeName = localName(el.attrs.get('type'));
    const max = el.attrs.get('maxOccurs') ?? '1';
    const complex = child(el, XSD, 'complexType') ?? (seen.has(typeName) ? undefined : complexTypes.get(typeName));
    return {
      name,
      type: complex ? '' : typeName || 'string',
      repeated: max === 'unbounded' || Number(max) > 1,
      children: complex ? sequenceOf(complex, new Set([...seen, typeName])) : [],
    };
  };
  const sequenceOf = (complex: XmlElement, seen: ReadonlySet<string>): DeclaredElement[] => {
    const sequence = child(complex, XSD, 'sequence') ?? child(complex, XSD, 'all');
    return sequence ? children(sequence, XSD, 'element').map((e) => declared(e, seen)) : [];
  };

  const messages = new Map(children(root, WSDL, 'message').map((m) => [m.attrs.get('name') ?? '', children(m, WSDL, 'part')]));
  const portOps = new Map(
    children(root, WSDL, 'portType').flatMap((pt) =>
      children(pt, WSDL, 'operation').map((op) => [op.attrs.get('name') ?? '', op] as const),
    ),
  );

  const operations = new Map<string, WsdlOperation>();
  const versions = new Set<'1.1' | '1.2'>();
  for (const binding of children(root, WSDL, 'binding')) {
    const soapNs = child(binding, WSDL_SOAP11, 'binding') ? WSDL_SOAP11 : child(binding, WSDL_SOAP12, 'binding') ? WSDL_SOAP12 : null;
    if (!soapNs) continue; // an HTTP GET/POST binding: not SOAP
    const version = soapNs === WSDL_SOAP11 ? '1.1' : '1.2';
    versions.add(version);
    const bindingStyle = child(binding, soapNs, 'binding')!.attrs.get('style') ?? 'document';
    for (const bop of children(binding, WSDL, 'operation')) {
      const name = bop.attrs.get('name') ?? '';
      const soapOp = child(bop, soapNs, 'operation');
      const known = operations.get(name);
      if (known) {
        known.soapActions[version] = soapOp?.attrs.get('soapAction') ?? '';
        continue;
      }
      const portOp = portOps.get(name);
      if (!portOp) throw new WsdlError(`binding operation ${name} is not in any portType`);
      const style = (soapOp?.attrs.get('style') ?? bindingStyle) === 'rpc' ? 'rpc' : 'document';
      const body = child(child(bop, WSDL, 'input') ?? bop, soapNs, 'body');
      const parts = (io: 'input' | 'output') => {
        const message = localName(child(portOp, WSDL, io)?.attrs.get('message'));
        const found = messages.get(message);
        if (!found) throw new WsdlError(`operation ${name}: ${io} message ${message || '(none)'} is not declared`);
        return found;
      };
      const wrapper = (io: 'input' | 'output') => {
        if (style === 'rpc') {
          return {
            element: io === 'input' ? name : `${name}Response`,
            params: parts(io).map((p) => ({
              name: p.attrs.get('name') ?? '',
              type: localName(p.attrs.get('type')) || 'string',
              repeated: false,
              children: [],
            })),
          };
        }
        const part = parts(io)[0];
        const elementName = localName(part?.attrs.get('element'));
        const top = topElements.get(elementName);
        if (!top) throw new WsdlError(`operation ${name}: ${io} element ${elementName || '(none)'} is not in the schema`);
        const complex = child(top.el, XSD, 'complexType') ?? complexTypes.get(localName(top.el.attrs.get('type')));
        return { element: elementName, params: complex ? sequenceOf(complex, new Set()) : [], top };
      };
      const input = wrapper('input');
      const output = wrapper('output');
      const top = 'top' in input ? input.top : undefined;
      operations.set(name, {
        name,
        style,
        encoded: body?.attrs.get('use') === 'encoded',
        soapActions: { [version]: soapOp?.attrs.get('soapAction') ?? '' },
        request: { element: input.element, params: input.params },
        response: { element: output.element, children: output.params },
        namespace: style === 'rpc' ? (body?.attrs.get('namespace') ?? targetNamespace) : (top?.ns ?? targetNamespace),
        qualified: style === 'document' && (top?.qualified ?? false),
      });
    }
  }
  if (operations.size === 0) throw new WsdlError('no SOAP binding with operations');
  return { targetNamespace, versions: [...versions].sort(), operations: [...operations.values()] };
}
