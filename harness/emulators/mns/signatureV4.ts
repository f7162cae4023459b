/**
 * MNS Signature V4 (`MNS4-HMAC-SHA256`), which newer SDKs (Java 2.x) can send instead of V2:
 * a key derived from the secret, the day, the region and the product signs a canonical form
 * of the request (method, path, sorted query, the content and `x-mns-*` headers). Unlike V2,
 * the canonical form is rebuilt from decoded values, so the server re-encodes what it got.
 */
import { createHmac } from 'node:crypto';

export const v4Algorithm = 'MNS4-HMAC-SHA256';
const keyPrefix = 'aliyun_v4';
const scopeSuffix = 'aliyun_v4_request';
const product = 'mns';

/** RFC 3986: unreserved characters stay, everything else is %XX (space %20, `*` %2A). */
export function encodeV4(value: string, keepSlashes: boolean): string {
  const encoded = encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return keepSlashes ? encoded.replace(/%2F/g, '/') : encoded;
}

export interface V4Parts {
  method: string;
  /** The path without its query, decoded. */
  path: string;
  /** Query parameters, decoded, in any order. */
  query: ReadonlyArray<readonly [string, string]>;
  /** Every request header; only content-type, content-md5 and x-mns-* are signed. */
  headers: ReadonlyArray<readonly [string, string]>;
}

export function canonicalRequestV4(parts: V4Parts): string {
  const path = parts.path.startsWith('/') ? parts.path : `/${parts.path}`;
  const query = new Map<string, string>();
  for (const [name, value] of parts.query) {
    query.set(encodeV4(name.toLowerCase().trim(), false), encodeV4(value.trim(), false));
  }
  const canonicalQuery = [...query.keys()]
    .sort(codeUnitOrder)
    .map((name) => (query.get(name) === '' ? name : `${name}=${query.get(name)}`))
    .join('&');
  const headers = new Map<string, string>();
  for (const [name, value] of parts.headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-type' || lower === 'content-md5' || lower.startsWith('x-mns-')) {
      headers.set(lower, value.trim());
    }
  }
  const canonicalHeaders = [...headers.keys()]
    .sort(codeUnitOrder)
    .map((name) => `${name}:${headers.get(name)}\n`)
    .join('');
  return `${parts.method.toUpperCase()}\n${encodeV4(path, true)}\n${canonicalQuery}\n${canonicalHeaders}\n`;
}

function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `yyyyMMddTHHmmssZ` and `yyyyMMdd` in UTC. */
export function v4Timestamps(ms: number): { dateTime: string; date: string } {
  const iso = new Date(ms).toISOString();
  const dateTime = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return { dateTime, date: dateTime.slice(0, 8) };
}

export function signatureV4(secret: string, region: string, ms: number, canonicalRequest: string): string {
  const { dateTime, date } = v4Timestamps(ms);
  const scope = `${date}/${region}/${product}/${scopeSuffix}`;
  const toSign = `${v4Algorithm}\n${dateTime}\n${scope}\n${canonicalRequest}`;
  const hmac = (key: string | Buffer, data: string): Buffer =>
    createHmac('sha256', key).update(data, 'utf8').digest();
  const kDate = hmac(`${keyPrefix}${secret}`, date);
  const kSigning = hmac(hmac(hmac(kDate, region), product), scopeSuffix);
  return createHmac('sha256', kSigning).update(toSign, 'utf8').digest('hex');
}

export function authorizationV4(
  accessKeyId: string,
  secret: string,
  region: string,
  ms: number,
  parts: V4Parts,
): string {
  const { date } = v4Timestamps(ms);
  const signature = signatureV4(secret, region, ms, canonicalRequestV4(parts));
  return `${v4Algorithm} Credential=${accessKeyId}/${date}/${region}/${product}/${scopeSuffix},Signature=${signature}`;
}

export interface ParsedV4Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  signature: string;
}

const v4Pattern =
  /^MNS4-HMAC-SHA256 Credential=([^/\s,]+)\/(\d{8})\/([A-Za-z0-9-]+)\/mns\/aliyun_v4_request,\s*Signature=([0-9a-f]{64})$/;

/** Undefined unless the header is a well-formed V4 Authorization. */
export function parseV4Authorization(value: string): ParsedV4Authorization | undefined {
  const match = v4Pattern.exec(value.trim());
  if (!match) return undefined;
  return { accessKeyId: match[1]!, date: match[2]!, region: match[3]!, signature: match[4]! };
}
