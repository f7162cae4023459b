/**
 * MNS signature V2 as the client signs it (docs/MNS-PROTOCOL.md, "Signature V2"), byte for byte
 * what `@alicloud/mns` 1.2.0 sends (lib/client.js `buildHeaders` and `sign`), so the service, the
 * emulator and the SDK agree on every request the lean transport (poller/mnsHttpQueue.ts) makes.
 */
import { createHash, createHmac } from 'node:crypto';

export const mnsApiVersion = '2015-06-06';

/** Header names lower-case, as the SDK keeps them (its canonicalization is case-sensitive). */
export type MnsHeaders = Record<string, string>;

export interface RequestToSign {
  /** Upper-case HTTP method. */
  method: string;
  /** The request-target exactly as sent: path, then `?` and the query, unencoded, in the sender's order. */
  resource: string;
  headers: Readonly<MnsHeaders>;
}

/** Every `x-mns-*` header, sorted by name, each `name:value\n`. */
function canonicalizedMnsHeaders(headers: Readonly<MnsHeaders>): string {
  return Object.keys(headers)
    .filter((name) => name.startsWith('x-mns-'))
    .sort()
    .map((name) => `${name}:${headers[name]}\n`)
    .join('');
}

/** A missing Content-MD5 or Content-Type leaves an empty line, never no line. */
export function stringToSign(request: RequestToSign): string {
  const { headers } = request;
  return (
    `${request.method}\n${headers['content-md5'] ?? ''}\n${headers['content-type'] ?? ''}\n` +
    `${headers['date'] ?? ''}\n${canonicalizedMnsHeaders(headers)}${request.resource}`
  );
}

export function signature(accessKeySecret: string, toSign: string): string {
  return createHmac('sha1', accessKeySecret).update(toSign, 'utf8').digest('base64');
}

export function authorization(accessKeyId: string, accessKeySecret: string, request: RequestToSign): string {
  return `MNS ${accessKeyId}:${signature(accessKeySecret, stringToSign(request))}`;
}

/**
 * The SDK's Content-MD5: base64 of the lower-case hex digest (44 characters), not RFC 1864's
 * base64 of the raw digest. The service accepts it, and the emulator checks it in this form.
 */
export function contentMd5(body: Buffer): string {
  return Buffer.from(createHash('md5').update(body).digest('hex'), 'utf8').toString('base64');
}

export interface SigningIdentity {
  accessKeyId: string;
  accessKeySecret: string;
  /** STS: sent as `security-token` after signing, so never signed (as the SDK does). */
  securityToken?: string;
}

/**
 * The headers the SDK sends, in its order: `date` and `x-mns-date` with the same value (so the
 * date is signed twice), `x-mns-version`, and for anything but GET the body's length, type and
 * MD5; then `authorization`, then the token. `host` is the endpoint's host[:port].
 */
export function signedRequestHeaders(
  identity: SigningIdentity,
  method: string,
  resource: string,
  host: string,
  body: Buffer | undefined,
  now: Date = new Date(),
): MnsHeaders {
  const date = now.toUTCString();
  const headers: MnsHeaders = { date, host, 'x-mns-date': date, 'x-mns-version': mnsApiVersion };
  if (method !== 'GET' && method !== 'HEAD') {
    const payload = body ?? Buffer.alloc(0);
    headers['content-length'] = String(payload.length);
    headers['content-type'] = 'text/xml';
    headers['content-md5'] = contentMd5(payload);
  }
  headers['authorization'] = authorization(identity.accessKeyId, identity.accessKeySecret, {
    method,
    resource,
    headers,
  });
  if (identity.securityToken) headers['security-token'] = identity.securityToken;
  return headers;
}
