/**
 * The downstream system the pipeline publishes to, as the checker sees it: an HTTP endpoint
 * that verifies each request's Standard Webhooks signature (the product's own verification)
 * and records every publication by video and Idempotency-Key. It can refuse a share of requests with 503 so that publication retries
 * happen (a retry must reuse its key).
 */
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { closeHttpServer, createHttpServer, type HttpLimits } from '../src/http';
import { verifyPublication } from '../src/webhooks';
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
  limits?: Partial<HttpLimits>;
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
  const server = createHttpServer(
    async (req, res, context) => {
      const raw = await context.body();
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
      const signatureValid = verifyPublication([options.secret], raw, req.headers).ok;
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
    },
    { limits: { maxBodyBytes: 256 * 1024, ...options.limits } },
  );
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
    close: () => closeHttpServer(server),
  };
}

function headerValue(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
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
