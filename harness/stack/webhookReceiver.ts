import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookDelivery {
  idempotencyKey: string | undefined;
  signatureValid: boolean;
  status: number;
  body: unknown;
  headers: IncomingHttpHeaders;
}

export interface WebhookSink {
  url: string;
  /** Every request, in arrival order, with the status the sink answered. */
  deliveries: WebhookDelivery[];
  /** Accepted documents by Idempotency-Key: a key seen again is acknowledged but not stored twice. */
  accepted: Map<string, unknown>;
  /** Answer the next n requests with this status (then 200 again). */
  failNext(n: number, status: number): void;
  close(): Promise<void>;
}

/**
 * A real HTTP receiver the way a media team would write one: verifies
 * `X-Vodflow-Signature: sha256=<hex HMAC>` over the raw body (401 when wrong) and
 * treats Idempotency-Key as the dedupe key of a publication.
 */
export async function startWebhookSink(
  secret: string,
  options: { host?: string; port?: number; onAccepted?: (key: string, body: unknown) => void } = {},
): Promise<WebhookSink> {
  const deliveries: WebhookDelivery[] = [];
  const accepted = new Map<string, unknown>();
  let failures: { remaining: number; status: number } = { remaining: 0, status: 200 };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-vodflow-signature'] ?? ''));
      const signatureValid = given.length === expected.length && timingSafeEqual(given, expected);
      const key = req.headers['idempotency-key'];
      const idempotencyKey = Array.isArray(key) ? key[0] : key;
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = raw.toString('utf8');
      }
      let status = 200;
      if (!signatureValid) status = 401;
      else if (!idempotencyKey) status = 400;
      else if (failures.remaining > 0) {
        failures = { ...failures, remaining: failures.remaining - 1 };
        status = failures.status;
      } else if (!accepted.has(idempotencyKey)) {
        accepted.set(idempotencyKey, body);
        options.onAccepted?.(idempotencyKey, body);
      }
      deliveries.push({ idempotencyKey, signatureValid, status, body, headers: req.headers });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
    });
  });
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
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
