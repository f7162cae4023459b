/**
 * The downstream system the pipeline publishes to, as the checker sees it: an HTTP endpoint
 * that verifies each request's HMAC signature and records every publication by video and
 * Idempotency-Key. It can refuse a share of requests with 503 so that publication retries
 * happen (a retry must reuse its key).
 */
import { createHmac, createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRandom } from '../harness/random';

export interface SinkRecord {
  videoId: string | null;
  idempotencyKey: string | null;
  /** sha256 of the body, to tell "the same publication again" from "a different one". */
  bodyHash: string;
  signatureValid: boolean;
  /** Answered 2xx (accepted) or refused on purpose. */
  accepted: boolean;
  at: number;
  body: unknown;
}

export interface WebhookSinkOptions {
  secret: string;
  port?: number;
  /** Share of requests refused with 503 before any processing. */
  refuseRate?: number;
  seed?: number | string;
}

export interface WebhookSink {
  url: string;
  records: SinkRecord[];
  refused: number;
  setRefuseRate(rate: number): void;
  close(): Promise<void>;
}

export const idempotencyHeader = 'idempotency-key';

export async function startWebhookSink(options: WebhookSinkOptions): Promise<WebhookSink> {
  const random = createRandom(options.seed ?? 'sink').fork('refusals');
  let refuseRate = options.refuseRate ?? 0;
  const records: SinkRecord[] = [];
  const sink = { refused: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      if (random.chance(refuseRate)) {
        sink.refused += 1;
        res.writeHead(503, { 'content-type': 'text/plain' }).end('refused by the chaos sink');
        return;
      }
      let body: unknown = null;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch {
        body = null;
      }
      const signatureValid = verifySignature(options.secret, raw, req.headers);
      const record: SinkRecord = {
        videoId: videoIdOf(body),
        idempotencyKey: headerValue(req.headers[idempotencyHeader]),
        bodyHash: createHash('sha256').update(raw).digest('hex'),
        signatureValid,
        accepted: signatureValid,
        at: Date.now(),
        body,
      };
      records.push(record);
      res
        .writeHead(signatureValid ? 200 : 401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: signatureValid }));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/publications`,
    records,
    get refused() {
      return sink.refused;
    },
    setRefuseRate(rate) {
      refuseRate = rate;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/**
 * Accepts the signature forms a webhook commonly uses, over the raw body:
 * `X-Vodflow-Signature: sha256=<hex>` (or bare hex), optionally with `X-Vodflow-Timestamp`
 * signed as `<timestamp>.<body>`. The sink checks the bytes, not the producer's code.
 */
export function verifySignature(secret: string, raw: Buffer, headers: http.IncomingHttpHeaders): boolean {
  const header = headerValue(headers['x-vodflow-signature']) ?? headerValue(headers['x-signature']);
  if (!header) return false;
  const timestamp = headerValue(headers['x-vodflow-timestamp']);
  const provided = header
    .split(',')
    .map((part) => part.trim().replace(/^(sha256|v1)=/, ''))
    .filter((part) => /^[0-9a-f]{64}$/i.test(part));
  const candidates = [createHmac('sha256', secret).update(raw).digest('hex')];
  if (timestamp) {
    candidates.push(createHmac('sha256', secret).update(`${timestamp}.`).update(raw).digest('hex'));
    candidates.push(createHmac('sha256', secret).update(timestamp).update(raw).digest('hex'));
  }
  return provided.some((p) =>
    candidates.some((c) => timingSafeEqual(Buffer.from(p.toLowerCase(), 'hex'), Buffer.from(c, 'hex'))),
  );
}

function videoIdOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const b = body as Record<string, unknown>;
  for (const key of ['videoId', 'mediaId', 'VideoId', 'MediaId']) {
    if (typeof b[key] === 'string') return b[key];
  }
  const video = b.video;
  if (typeof video === 'object' && video !== null) return videoIdOf(video);
  return null;
}
