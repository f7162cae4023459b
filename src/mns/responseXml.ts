/**
 * MNS response documents read the way the SDK reads them (xml2js over sax, strict mode): every
 * value a string, text kept exactly as sent (no trimming, no number coercion), the five XML
 * entities and numeric character references decoded, anything else refused. fast-xml-parser
 * does the structure; entities are decoded here so that numeric references and errors behave
 * as sax's do rather than as fast-xml-parser's entity options would.
 */
import { XMLParser } from 'fast-xml-parser';

/** An element: its text, or its children by local name (repeated ones as arrays). */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

export interface MnsDocument {
  /** Local name of the root element (`Messages`, `Error`, …). */
  root: string;
  /** The root's child elements; `{}` for a root with only text or nothing. */
  content: Record<string, XmlNode | XmlNode[]>;
}

const namedEntities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const entityPattern = /&([^;&<]*);|&/g;

/**
 * sax's strict-mode entity rules: names case-insensitively among the five, `&#N;` / `&#xH;`
 * (leading zeros allowed) as code points; a bare `&` or any other name is an error.
 */
export function decodeEntities(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(entityPattern, (whole, name: string | undefined) => {
    if (name === undefined) throw new Error('bare & in text');
    const lower = name.toLowerCase();
    const named = namedEntities[lower];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9a-f]+)|([0-9]+))$/.exec(lower);
    const codePoint = numeric ? parseInt(numeric[1] ?? numeric[2]!, numeric[1] !== undefined ? 16 : 10) : NaN;
    if (!(codePoint <= 0x10ffff)) throw new Error(`invalid character entity ${whole}`);
    return String.fromCodePoint(codePoint);
  });
}

/** Lists where the SDK's callers expect lists, even of one; everything else is a leaf or an object. */
const listPaths = new Set(['Messages.Message', 'Errors.Error']);

const parser = new XMLParser({
  ignoreAttributes: true,
  // MNS uses a default namespace only; a prefix would be part of xml2js's keys, so strip it here.
  removeNSPrefix: true,
  // Strings stay strings: `00012` or `1e3` must not become numbers.
  parseTagValue: false,
  // Message bodies keep their leading and trailing whitespace, as xml2js keeps them.
  trimValues: false,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  isArray: (_name, jPath) => listPaths.has(String(jPath)),
  tagValueProcessor: (_name, value) => decodeEntities(value),
});

const cdataSection = /<!\[CDATA\[([\s\S]*?)\]\]>/g;
const textWithCarriageReturn = />[^<]*\r[^<]*</g;

function asCharacterData(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * fast-xml-parser folds `\r\n` into `\n` and runs CDATA through the value processor as if it
 * were escaped text; sax does neither. So CDATA sections become escaped text and carriage
 * returns in text become `&#13;` first: both decode back to exactly what sax hands over. MNS
 * sends neither CDATA nor line breaks inside tags, so the common document passes untouched.
 */
function asSaxWouldRead(xml: string): string {
  let out = xml.includes('<![CDATA[')
    ? xml.replace(cdataSection, (_, text: string) => asCharacterData(text))
    : xml;
  if (out.includes('\r')) out = out.replace(textWithCarriageReturn, (text) => text.replace(/\r/g, '&#13;'));
  return out;
}

/** Throws on a document that is not one MNS would send (the caller reports it as a bad response). */
export function parseMnsDocument(xml: string): MnsDocument {
  const parsed = parser.parse(asSaxWouldRead(xml)) as Record<string, unknown>;
  const roots = Object.keys(parsed).filter((key) => !key.startsWith('?') && key !== '#text');
  if (roots.length !== 1) throw new Error(`expected one root element, found ${roots.length}`);
  const root = roots[0]!;
  const value = parsed[root];
  const content =
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, XmlNode | XmlNode[]>)
      : {};
  return { root, content };
}

/** The text of a leaf child; undefined when absent or not a leaf (as the SDK's callers would see no string). */
export function leafText(node: XmlNode | XmlNode[] | undefined): string | undefined {
  return typeof node === 'string' ? node : undefined;
}

/** The repeated child elements named `name` (forced to lists by the parser). */
export function childList(
  content: Record<string, XmlNode | XmlNode[]>,
  name: string,
): Array<Record<string, XmlNode | XmlNode[]>> {
  const list = content[name];
  if (!Array.isArray(list)) return [];
  return list.map((item) => (typeof item === 'object' ? item : {}));
}
