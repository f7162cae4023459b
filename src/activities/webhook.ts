import { ApplicationFailure } from '@temporalio/common';
import { redactUrl, redactUrlsIn } from '../http';
import { signPublication } from '../webhooks';

export interface WebhookSettings {
  /** VODFLOW_WEBHOOK_URL; without it publications are skipped (and say so in their result). */
  url?: string;
  /** VODFLOW_WEBHOOK_SECRET, parsed: `whsec_` secrets; each one signs every request (rotation). */
  secrets: readonly string[];
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
  'WebhookRedirected',
] as const;
type WebhookFailureType = (typeof webhookFailureTypes)[number];

/** Kept beside Standard Webhooks' `webhook-id` (the same value) for receivers that key on it. */
export const idempotencyHeader = 'Idempotency-Key';

/** The receiver's answer is read up to this and discarded: only its status counts. */
export const maxResponseBytes = 64 * 1024;

/** Statuses worth another attempt: timeouts, rate limits, conflicts of a concurrent delivery, 5xx. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

/**
 * POSTs the document once. Delivered means a 2xx from the configured URL itself: a redirect
 * is never followed (it would re-send the signed body, and its Idempotency-Key, to whatever
 * host the Location names, or turn the POST into a bodiless GET), so a 3xx fails for good.
 * Each attempt is signed at send time with its own timestamp and the same `webhook-id`.
 * Failure messages carry the URL redacted: Temporal keeps them in the workflow's history.
 */
export async function publishDocument(
  settings: WebhookSettings,
  input: PublishInput,
  now: () => Date = () => new Date(),
): Promise<PublishResult> {
  if (!settings.url) {
    return {
      delivered: false,
      skipped: 'VODFLOW_WEBHOOK_URL is not set',
      idempotencyKey: input.idempotencyKey,
    };
  }
  const target = redactUrl(settings.url);
  const body = JSON.stringify(input.document);
  const signal = AbortSignal.timeout(settings.timeoutMs);
  let response: Response;
  try {
    response = await fetch(settings.url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'vodflow',
        ...signPublication(settings.secrets, input.idempotencyKey, body, now()),
        [idempotencyHeader]: input.idempotencyKey,
      },
      body,
      signal,
    });
  } catch (err) {
    const type: WebhookFailureType = signal.aborted ? 'WebhookTimeout' : 'WebhookUnreachable';
    throw ApplicationFailure.create({
      type,
      message:
        type === 'WebhookTimeout'
          ? `webhook POST to ${target} got no answer within ${settings.timeoutMs} ms`
          : `webhook POST to ${target} failed: ${describeFetchError(err)}`,
    });
  }
  await discardBody(response, maxResponseBytes);
  const status = response.status;
  if (status >= 200 && status < 300) return { delivered: true, status, idempotencyKey: input.idempotencyKey };
  if (status >= 300 && status < 400) {
    const location = response.headers.get('location');
    throw ApplicationFailure.create({
      type: 'WebhookRedirected',
      message:
        `webhook ${target} answered HTTP ${status}, a redirect${location ? ` to ${redactUrl(location)}` : ''}; ` +
        'vodflow never follows redirects (the signed publication would go elsewhere): set VODFLOW_WEBHOOK_URL to the final URL',
      nonRetryable: true,
    });
  }
  const retryable = retryableStatus(status);
  throw ApplicationFailure.create({
    type: retryable ? 'WebhookUnavailable' : 'WebhookRejected',
    message: `webhook ${target} answered HTTP ${status}`,
    nonRetryable: !retryable,
  });
}

/**
 * Reads the answer's body up to `limit` bytes so a short one leaves the connection reusable,
 * and gives up on anything longer, slower or broken: the status has already decided.
 */
async function discardBody(response: Response, limit: number): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.byteLength;
      if (seen > limit) break;
    }
  } catch {
    return;
  }
  await reader.cancel().catch(() => undefined);
}

/** undici says "fetch failed" and puts the reason in `cause`; both may quote a URL. */
function describeFetchError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } } | undefined;
  const cause = e?.cause;
  const text = cause
    ? `${cause.code ? `${cause.code}: ` : ''}${cause.message ?? ''}`
    : (e?.message ?? String(err));
  return redactUrlsIn(text);
}
