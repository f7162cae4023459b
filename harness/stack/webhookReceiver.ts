import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { closeHttpServer, createHttpServer, type HttpLimits } from '../../src/http';
import { verifyPublication } from '../../src/webhooks';

export interface WebhookDelivery {
  idempotencyKey: string | undefined;
  /** Standard Webhooks' `webhook-id`: the same value as Idempotency-Key. */
  webhookId: string | undefined;
  signatureValid: boolean;
  /** Why verification failed (stale timestamp, no matching signature, …). */
  rejection?: string;
  status: number;
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface WebhookSink {
  url: string;
  /** Every request, in arrival order, with the status the sink answered. */
  deliveries: WebhookDelivery[];
  /** Accepted documents by webhook-id: an id seen again is acknowledged but not stored twice. */
  accepted: Map<string, unknown>;
  /** Answer the next n requests with this status (then 200 again). */
  failNext(n: number, status: number): void;
  /** Hold the next n requests this long before answering them (a slow receiver). */
  delayNext(n: number, ms: number): void;
  close(): Promise<void>;
}

/**
 * A real HTTP receiver the way a media team would write one: verifies the Standard Webhooks
 * signature and timestamp over the raw body (401 when wrong or stale) with any of its secrets
 * (old and new during a rotation), and treats the signed webhook-id as the publication's
 * dedupe key.
 */
export async function startWebhookSink(
  secrets: string | readonly string[],
  options: {
    host?: string;
    port?: number;
    onAccepted?: (key: string, body: unknown) => void;
    limits?: Partial<HttpLimits>;
  } = {},
): Promise<WebhookSink> {
  const keys = typeof secrets === 'string' ? [secrets] : secrets;
  const deliveries: WebhookDelivery[] = [];
  const accepted = new Map<string, unknown>();
  let failures: { remaining: number; status: number } = { remaining: 0, status: 200 };
  let delays = { remaining: 0, ms: 0 };
  // Ends held requests when the receiver closes, so no timer outlives it.
  const closing = new AbortController();

  const server = createHttpServer(
    async (req, res, context) => {
      const raw = await context.body();
      if (delays.remaining > 0) {
        delays = { ...delays, remaining: delays.remaining - 1 };
        await sleep(delays.ms, undefined, { signal: closing.signal }).catch(() => undefined);
        if (closing.signal.aborted) return;
      }
      const verification = verifyPublication(keys, raw, req.headers);
      const key = req.headers['idempotency-key'];
      const idempotencyKey = Array.isArray(key) ? key[0] : key;
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
      }
      let status = 200;
      if (!verification.ok) status = 401;
      else if (failures.remaining > 0) {
        failures = { ...failures, remaining: failures.remaining - 1 };
        status = failures.status;
      } else if (!accepted.has(verification.id)) {
        accepted.set(verification.id, body);
        options.onAccepted?.(verification.id, body);
      }
      deliveries.push({
        idempotencyKey,
        webhookId: verification.ok ? verification.id : undefined,
        signatureValid: verification.ok,
        ...(verification.ok ? {} : { rejection: verification.reason }),
        status,
        body,
        headers: req.headers,
      });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    },
    // A publication is a few kilobytes.
    { limits: { maxBodyBytes: 256 * 1024, maxConnections: 256, ...options.limits } },
  );
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/hooks/video-ready`,
    deliveries,
    accepted,
    failNext(n, status) {
      failures = { remaining: n, status };
    },
    delayNext(n, ms) {
      delays = { remaining: n, ms };
    },
    close: () => {
      closing.abort();
      return closeHttpServer(server);
    },
  };
}
