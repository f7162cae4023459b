/**
 * MNS signature V2 as the service checks it (docs/MNS-PROTOCOL.md): the string-to-sign is built from
 * the request exactly as it arrived, so it is computed from the raw request-target and the
 * header values as received, never from a decoded or re-ordered form.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { mnsError, MnsServiceError } from './errors';
import {
  canonicalRequestV4,
  parseV4Authorization,
  signatureV4,
  v4Algorithm,
  v4Timestamps,
} from './signatureV4';

export interface StringToSignParts {
  verb: string;
  contentMd5: string;
  contentType: string;
  date: string;
  /** Every header whose lower-cased name starts with `x-mns-`, values as received. */
  mnsHeaders: Array<[name: string, value: string]>;
  /** The raw request-target: path + `?` + query, as sent. */
  resource: string;
}

export function stringToSign(parts: StringToSignParts): string {
  const canonicalHeaders = parts.mnsHeaders
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}\n`)
    .join('');
  return `${parts.verb}\n${parts.contentMd5}\n${parts.contentType}\n${parts.date}\n${canonicalHeaders}${parts.resource}`;
}

export function signV2(secret: string, toSign: string): string {
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(toSign, 'utf8').digest('base64');
}

export interface Credential {
  accessKeyId: string;
  accessKeySecret: string;
}

/** Requests whose Date is further than this from the server clock are rejected. */
export const maxClockSkewMs = 15 * 60 * 1000;
const authorizationPattern = /^MNS ([^:\s]+):(\S+)$/;

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

export interface AuthenticationOptions {
  /** Accept `MNS4-HMAC-SHA256` (default true); off, a V4 header is InvalidAuthorizationHeader. */
  signatureV4?: boolean;
  /** The region V4 scopes must name; any region when absent. */
  region?: string;
}

/**
 * Authenticates one request; returns the access key id or throws the error the service
 * would answer with. STS requests carry `security-token` (Node) or `x-mns-security-token`;
 * the token is accepted as long as the key pair verifies, because the emulator issues no
 * tokens it could check against.
 */
export function authenticate(
  method: string,
  rawTarget: string,
  headers: IncomingHttpHeaders,
  secrets: ReadonlyMap<string, string>,
  nowMs: number,
  options: AuthenticationOptions = {},
): string {
  const authorization = headerValue(headers, 'authorization');
  if (authorization === undefined || authorization === '') throw mnsError('MissingAuthorizationHeader');
  if (authorization.trim().startsWith(`${v4Algorithm} `)) {
    if (options.signatureV4 === false) throw mnsError('InvalidAuthorizationHeader');
    return authenticateV4(method, rawTarget, headers, secrets, nowMs, authorization, options.region);
  }
  const match = authorizationPattern.exec(authorization.trim());
  if (!match) throw mnsError('InvalidAuthorizationHeader');
  const accessKeyId = match[1]!;
  const signature = match[2]!;

  const version = headerValue(headers, 'x-mns-version');
  if (version === undefined) throw mnsError('MissingVersionHeader');
  if (version.trim() !== '2015-06-06') throw mnsError('InvalidVersionHeader');

  const date = headerValue(headers, 'date');
  const mnsDate = headerValue(headers, 'x-mns-date');
  const effectiveDate = date ?? mnsDate;
  if (effectiveDate === undefined || effectiveDate === '') throw mnsError('MissingDateHeader');
  const dateMs = parseHttpDate(effectiveDate);
  if (dateMs === undefined) throw mnsError('InvalidDateHeader');

  const secret = secrets.get(accessKeyId);
  if (secret === undefined) throw mnsError('InvalidAccessKeyId');

  const mnsHeaders: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-mns-') && value !== undefined) {
      mnsHeaders.push([name, Array.isArray(value) ? value.join(',') : value]);
    }
  }
  const base = {
    verb: method.toUpperCase(),
    contentMd5: headerValue(headers, 'content-md5') ?? '',
    contentType: headerValue(headers, 'content-type') ?? '',
    mnsHeaders,
    resource: rawTarget,
  };
  // The DATE slot holds `Date`, or `x-mns-date` for clients that only send that one.
  const candidates = [date, mnsDate].filter((d): d is string => d !== undefined);
  const verified = candidates.some((d) =>
    signaturesEqual(signV2(secret, stringToSign({ ...base, date: d })), signature),
  );
  if (!verified) throw mnsError('SignatureDoesNotMatch');

  if (Math.abs(nowMs - dateMs) > maxClockSkewMs) throw mnsError('TimeExpired');
  return accessKeyId;
}

/** Version and Date checks shared by both signature versions; returns the Date in ms. */
function requestDate(headers: IncomingHttpHeaders): { dateMs: number } {
  const version = headerValue(headers, 'x-mns-version');
  if (version === undefined) throw mnsError('MissingVersionHeader');
  if (version.trim() !== '2015-06-06') throw mnsError('InvalidVersionHeader');
  const effectiveDate = headerValue(headers, 'date') ?? headerValue(headers, 'x-mns-date');
  if (effectiveDate === undefined || effectiveDate === '') throw mnsError('MissingDateHeader');
  const dateMs = parseHttpDate(effectiveDate);
  if (dateMs === undefined) throw mnsError('InvalidDateHeader');
  return { dateMs };
}

function authenticateV4(
  method: string,
  rawTarget: string,
  headers: IncomingHttpHeaders,
  secrets: ReadonlyMap<string, string>,
  nowMs: number,
  authorization: string,
  region: string | undefined,
): string {
  const parsed = parseV4Authorization(authorization);
  if (parsed === undefined) throw mnsError('InvalidAuthorizationHeader');
  const { dateMs } = requestDate(headers);
  const secret = secrets.get(parsed.accessKeyId);
  if (secret === undefined) throw mnsError('InvalidAccessKeyId');
  const q = rawTarget.indexOf('?');
  const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
  const rawQuery = q === -1 ? '' : rawTarget.slice(q + 1);
  const signedHeaders: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) signedHeaders.push([name, Array.isArray(value) ? value.join(',') : value]);
  }
  const pairs = rawQuery === '' ? [] : rawQuery.split('&').filter((item) => item !== '');
  const split = (item: string): [string, string] => {
    const eq = item.indexOf('=');
    return eq === -1 ? [item, ''] : [item.slice(0, eq), item.slice(eq + 1)];
  };
  // The SDK encodes the values it put into the URL: decoded values for a client that
  // percent-encoded its query, raw ones for a client that sent them as they were.
  const candidates = [
    { path: safeDecode(rawPath), query: pairs.map((p) => split(p).map(safeDecode) as [string, string]) },
    { path: rawPath, query: pairs.map(split) },
  ];
  const scopeOk =
    parsed.date === v4Timestamps(dateMs).date && (region === undefined || parsed.region === region);
  const verified =
    scopeOk &&
    candidates.some((c) =>
      signaturesEqual(
        signatureV4(
          secret,
          parsed.region,
          dateMs,
          canonicalRequestV4({ method, ...c, headers: signedHeaders }),
        ),
        parsed.signature,
      ),
    );
  if (!verified) throw mnsError('SignatureDoesNotMatch');
  if (Math.abs(nowMs - dateMs) > maxClockSkewMs) throw mnsError('TimeExpired');
  return parsed.accessKeyId;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const rfc1123 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/** RFC 1123 GMT only, the form every SDK sends. */
export function parseHttpDate(value: string): number | undefined {
  if (!rfc1123.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

export function isServiceError(err: unknown): err is MnsServiceError {
  return err instanceof MnsServiceError;
}
