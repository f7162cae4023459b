import { createHmac } from 'node:crypto';

/**
 * Alibaba Cloud RPC Signature V1 (docs/VOD-API.md, "Signature V1"), server side. The emulator recomputes the
 * signature from the parameters it received and compares; anything the SDKs do differently
 * from this would show up as SignatureDoesNotMatch, exactly as against the real gateway.
 */

/** RFC 3986 percent-encoding as the gateway applies it: space → %20, `*` → %2A, `~` kept. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Byte-order comparison of two parameter names (ASCII names sort the same as code units). */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function canonicalizedQueryString(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort(byteOrder)
    .map((name) => `${percentEncode(name)}=${percentEncode(params[name] ?? '')}`)
    .join('&');
}

export function stringToSign(method: string, params: Record<string, string>): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalizedQueryString(params))}`;
}

export function signRpc(method: string, params: Record<string, string>, accessKeySecret: string): string {
  return createHmac('sha1', `${accessKeySecret}&`)
    .update(stringToSign(method, params), 'utf8')
    .digest('base64');
}
