/**
 * Request XML in, response XML out. Requests are matched by local element name in any order
 * and any namespace (Java puts its namespace without the slash, Go sends none); responses
 * use the exact namespaces the SDKs expect (docs/MNS-PROTOCOL.md, "Response headers and namespaces").
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { escapeXml } from '../../../src/mns/xml';
import { mnsError } from './errors';

export const successNamespace = 'http://mns.aliyuncs.com/doc/v1/';
const errorNamespace = 'http://mns.aliyuncs.com/doc/v1';
const declaration = '<?xml version="1.0" encoding="UTF-8"?>';

const parser = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  // Message bodies keep their whitespace.
  trimValues: false,
  // Entities are decoded here, below, so that numeric references work and a stray `&` fails.
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name, jPath) => jPath === 'Messages.Message' || jPath === 'ReceiptHandles.ReceiptHandle',
});

export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

export interface ParsedDocument {
  root: string;
  /** Child elements by local name; a root with only text or nothing is `{}`. */
  content: Record<string, XmlNode | XmlNode[]>;
}

export function parseRequestXml(body: string): ParsedDocument {
  if (body.trim() === '' || XMLValidator.validate(body) !== true) throw mnsError('MalformedXML');
  let parsed: Record<string, unknown>;
  try {
    parsed = parser.parse(body) as Record<string, unknown>;
  } catch {
    throw mnsError('MalformedXML');
  }
  const roots = Object.keys(parsed).filter((k) => !k.startsWith('?') && k !== '#text');
  if (roots.length !== 1) throw mnsError('MalformedXML');
  const root = roots[0]!;
  const value = parsed[root];
  const content =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, XmlNode | XmlNode[]>)
      : {};
  return { root, content };
}

const entityPattern = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));|&/g;
const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes XML entities of one text node; a bare `&` is malformed XML, as on the service. */
export function decodeText(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(
    entityPattern,
    (whole, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
      if (name !== undefined) return named[name]!;
      const codePoint = hex !== undefined ? parseInt(hex, 16) : dec !== undefined ? parseInt(dec, 10) : NaN;
      if (whole === '&' || !Number.isFinite(codePoint) || codePoint > 0x10ffff)
        throw mnsError('MalformedXML');
      return String.fromCodePoint(codePoint);
    },
  );
}

/** The text of a leaf element, or undefined when absent; an element with children is a schema error. */
export function leafText(node: XmlNode | XmlNode[] | undefined, onNotLeaf: () => Error): string | undefined {
  if (node === undefined) return undefined;
  if (typeof node === 'string') return decodeText(node);
  // An element that is present but has no text, e.g. `<MessageBody/>`, parses as ''.
  if (Array.isArray(node)) throw onNotLeaf();
  const keys = Object.keys(node);
  if (keys.length === 1 && keys[0] === '#text' && typeof node['#text'] === 'string')
    return decodeText(node['#text']);
  throw onNotLeaf();
}

export type Fields = ReadonlyArray<readonly [string, string | number]>;

/** Leaf children; values are escaped, names are trusted constants. */
export function fieldsXml(fields: Fields): string {
  let xml = '';
  for (const [key, value] of fields) xml += `<${key}>${escapeXml(String(value))}</${key}>`;
  return xml;
}

export function element(name: string, fields: Fields): string {
  return `<${name}>${fieldsXml(fields)}</${name}>`;
}

export function document(root: string, inner: string): string {
  return `${declaration}\n<${root} xmlns="${successNamespace}">${inner}</${root}>`;
}

export function errorDocument(code: string, message: string, requestId: string, hostId: string): string {
  return (
    `${declaration}\n<Error xmlns="${errorNamespace}">` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message>` +
    `<RequestId>${requestId}</RequestId><HostId>${escapeXml(hostId)}</HostId></Error>`
  );
}
