/**
 * VOD's HTTP callback authentication: each request carries `X-VOD-TIMESTAMP` (Unix seconds)
 * and `X-VOD-SIGNATURE = md5hex(CallbackURL + "|" + timestamp + "|" + AuthKey)`, the URL being
 * the one configured in VOD, byte for byte. The body is not signed (docs/INGRESS.md says what
 * that means). The signature is checked before the body is read, so an unauthenticated caller
 * never gets a body buffered.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const timestampHeader = 'x-vod-timestamp';
export const signatureHeader = 'x-vod-signature';

export function callbackSignature(callbackUrl: string, timestamp: string, authKey: string): string {
  return createHash('md5').update(`${callbackUrl}|${timestamp}|${authKey}`, 'utf8').digest('hex');
}

export type RejectionReason = 'missing_signature' | 'bad_signature' | 'stale_timestamp';

export type AuthOutcome = { ok: true } | { ok: false; reason: RejectionReason; detail: string };

export interface CallbackCredentials {
  /** The signed URL: what VOD has as CallbackURL for this path. */
  callbackUrl: string;
  /** Every accepted AuthKey (two during a rotation). */
  authKeys: readonly string[];
  /** How far X-VOD-TIMESTAMP may be from this host's clock, either way; 0 = not checked. */
  maxAgeSeconds: number;
}

// Ten digits today; a few more are tolerated, anything else is not a timestamp.
const timestampPattern = /^\d{1,12}$/;
const signaturePattern = /^[0-9a-fA-F]{32}$/;

/**
 * The signature first, then the window: a request signed with the right key but outside the
 * window is a replay or a clock problem (stale_timestamp), one with the wrong signature is a
 * wrong key or URL (bad_signature). Details name what failed, never what was expected.
 */
export function authenticateCallback(
  headers: { timestamp: string | undefined; signature: string | undefined },
  credentials: CallbackCredentials,
  nowMs: number,
): AuthOutcome {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined) {
    const missing = [
      timestamp === undefined ? 'X-VOD-TIMESTAMP' : '',
      signature === undefined ? 'X-VOD-SIGNATURE' : '',
    ]
      .filter(Boolean)
      .join(' and ');
    return {
      ok: false,
      reason: 'missing_signature',
      detail: `no ${missing} header (is AuthSwitch on in VOD?)`,
    };
  }
  if (!timestampPattern.test(timestamp)) {
    return { ok: false, reason: 'bad_signature', detail: 'X-VOD-TIMESTAMP is not a Unix time in seconds' };
  }
  if (!signaturePattern.test(signature)) {
    return { ok: false, reason: 'bad_signature', detail: 'X-VOD-SIGNATURE is not a 32-digit hex MD5' };
  }
  const given = Buffer.from(signature.toLowerCase(), 'latin1');
  // Every key is tried, whatever matched first: the time taken says nothing about which.
  let matched = false;
  for (const key of credentials.authKeys) {
    const expected = Buffer.from(callbackSignature(credentials.callbackUrl, timestamp, key), 'latin1');
    if (timingSafeEqual(expected, given)) matched = true;
  }
  if (!matched) {
    return {
      ok: false,
      reason: 'bad_signature',
      detail: 'X-VOD-SIGNATURE does not match this URL and any configured AuthKey',
    };
  }
  if (credentials.maxAgeSeconds > 0) {
    const skew = Math.round(nowMs / 1000) - Number(timestamp);
    if (Math.abs(skew) > credentials.maxAgeSeconds) {
      return {
        ok: false,
        reason: 'stale_timestamp',
        detail: `X-VOD-TIMESTAMP is ${Math.abs(skew)} s ${skew > 0 ? 'old' : 'in the future'} (window ${credentials.maxAgeSeconds} s)`,
      };
    }
  }
  return { ok: true };
}

/** The headers VOD would send for this URL and key now: for doctor's probe and the tests. */
export function signedHeaders(
  callbackUrl: string,
  authKey: string,
  nowMs = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  return {
    'X-VOD-TIMESTAMP': timestamp,
    'X-VOD-SIGNATURE': callbackSignature(callbackUrl, timestamp, authKey),
  };
}
