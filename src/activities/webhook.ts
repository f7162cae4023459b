import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';

export interface WebhookSettings {
  /** VODFLOW_WEBHOOK_URL; without it publications are skipped (and say so in their result). */
  url?: string;
  /** VODFLOW_WEBHOOK_SECRET: the HMAC-SHA256 key the receiver verifies with. */
  secret: string;
  timeoutMs: number;
}

export interface PublishInput {
  /** Same on every retry of one publication: workflow id + step + publication version. */
  idempotencyKey: string;
  /** The document, already built by the workflow so every retry sends the same bytes. */
  document: unknown;
}

export interface PublishResult {
  delivered: boolean;
  status?: number;
  skipped?: string;
  idempotencyKey: string;
}

/** Every ApplicationFailure type publishDocument throws (the worker's metrics name them). */
export const webhookFailureTypes = [
  'WebhookTimeout',
  'WebhookUnreachable',
  'WebhookUnavailable',
  'WebhookRejected',
] as const;
type WebhookFailureType = (typeof webhookFailureTypes)[number];

export const signatureHeader = 'X-Vodflow-Signature';
export const idempotencyHeader = 'Idempotency-Key';

/** `sha256=<hex HMAC-SHA256(secret, body)>`, the format the receiver checks. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** Statuses worth another attempt: timeouts, rate limits, conflicts of a concurrent delivery, 5xx. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

export async function publishDocument(
  settings: WebhookSettings,
  input: PublishInput,
): Promise<PublishResult> {
  if (!settings.url) {
    return {
      delivered: false,
      skipped: 'VODFLOW_WEBHOOK_URL is not set',
      idempotencyKey: input.idempotencyKey,
    };
  }
  const body = JSON.stringify(input.document);
  let response: Response;
  try {
    response = await fetch(settings.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [signatureHeader]: webhookSignature(settings.secret, body),
        [idempotencyHeader]: input.idempotencyKey,
      },
      body,
      signal: AbortSignal.timeout(settings.timeoutMs),
    });
    // Drain the body so the connection can be reused; its content is not needed.
    await response.arrayBuffer();
  } catch (err) {
    const name = (err as Error)?.name;
    const type: WebhookFailureType = name === 'TimeoutError' ? 'WebhookTimeout' : 'WebhookUnreachable';
    throw ApplicationFailure.create({
      type,
      message: `webhook POST failed: ${(err as Error)?.message ?? String(err)}`,
    });
  }
  if (response.ok) return { delivered: true, status: response.status, idempotencyKey: input.idempotencyKey };
  const type: WebhookFailureType = retryableStatus(response.status)
    ? 'WebhookUnavailable'
    : 'WebhookRejected';
  throw ApplicationFailure.create({
    type,
    message: `webhook answered HTTP ${response.status}`,
    nonRetryable: !retryableStatus(response.status),
  });
}
