/**
 * Standard Webhooks signing and verification (the `standardwebhooks` library does the
 * cryptography): `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
 * (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one per secret, space-separated). The
 * timestamp is signed, so a captured request stops verifying after the tolerance (5 minutes);
 * the id is signed, so it is a trustworthy deduplication key.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

export const webhookIdHeader = 'webhook-id';
export const webhookTimestampHeader = 'webhook-timestamp';
export const webhookSignatureHeader = 'webhook-signature';

/** The three headers of one request, signed by every secret (several during a rotation). */
export function signPublication(
  secrets: readonly string[],
  id: string,
  body: string,
  at: Date,
): Record<string, string> {
  if (secrets.length === 0) throw new Error('no webhook secret to sign with');
  return {
    [webhookIdHeader]: id,
    [webhookTimestampHeader]: String(Math.floor(at.getTime() / 1000)),
    [webhookSignatureHeader]: secrets.map((secret) => new Webhook(secret).sign(id, at, body)).join(' '),
  };
}

export type Verification = { ok: true; id: string; timestamp: number } | { ok: false; reason: string };

/**
 * What a receiver runs on the raw body before trusting anything: true when any of `secrets`
 * (a receiver keeps old and new during a rotation) signed it and the timestamp is within
 * five minutes of now. Never throws.
 */
export function verifyPublication(
  secrets: readonly string[],
  rawBody: Buffer | string,
  headers: IncomingHttpHeaders,
): Verification {
  const first = (name: string): string => {
    const value = headers[name];
    return (Array.isArray(value) ? value[0] : value) ?? '';
  };
  const signed = {
    [webhookIdHeader]: first(webhookIdHeader),
    [webhookTimestampHeader]: first(webhookTimestampHeader),
    [webhookSignatureHeader]: first(webhookSignatureHeader),
  };
  let reason = 'no secret to verify with';
  for (const secret of secrets) {
    try {
      new Webhook(secret).verify(rawBody, signed, { jsonParse: false });
      return { ok: true, id: signed[webhookIdHeader], timestamp: Number(signed[webhookTimestampHeader]) };
    } catch (err) {
      reason = err instanceof WebhookVerificationError ? err.message : 'malformed signature';
    }
  }
  return { ok: false, reason };
}
