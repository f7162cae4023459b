/**
 * The HTTP callback ingress: VOD's other way of notifying, turned into the same signals the
 * poller sends. Built with the product's one HTTP server module (timeouts, a body cap while
 * reading, a connection cap, a top-level error handler); answers each callback once its fate is
 * decided (callbackHandler.ts). docs/INGRESS.md describes the protocol and its limits.
 */
import type http from 'node:http';
import type { Client } from '@temporalio/client';
import type { VodflowConfig } from '../config';
import type { QueueSpec } from '../config/queueSpec';
import type { DecodeResult } from '../events/model';
import { closeHttpServer, createHttpServer, HttpError, type HttpLimits } from '../http';
import { createLogger, type Logger } from '../observability/logger';
import type { Readiness } from '../observability/healthServer';
import { createMnsQueue } from '../poller/mnsQueue';
import { errorSummary } from '../poller/queueConsumer';
import { VideoSignaller, type SignalOutcome, type VideoSignal } from '../poller/videoSignaller';
import { createCallbackHandler } from './callbackHandler';
import { createIngressMetrics, type IngressMetrics } from './metrics';
import { callbackRoutes, type CallbackRoute } from './routes';

export type IngressConfig = Pick<VodflowConfig, 'queues' | 'credentials' | 'poller' | 'callback'> &
  Partial<Pick<VodflowConfig, 'pipeline'>> & {
    temporal: { taskQueue: string };
    ingress: NonNullable<VodflowConfig['ingress']>;
  };

export interface IngressOptions {
  config: IngressConfig;
  client: Client;
  decode: (body: string) => DecodeResult;
  metrics?: IngressMetrics;
  logger?: Logger;
  /** Sends a dead-letter document to a region's dead-letter queue. Default: MNS SendMessage. */
  deadLetterFor?: (queue: QueueSpec) => (document: string) => Promise<void>;
  /** Replaces the signalling step (tests). Default: VideoSignaller, as the poller's. */
  signaller?: (real: VideoSignaller) => { signal(input: VideoSignal): Promise<SignalOutcome> };
  /** Overrides of the HTTP limits. */
  limits?: Partial<HttpLimits>;
}

export interface Ingress {
  metrics: IngressMetrics;
  routes: readonly CallbackRoute[];
  /** Listens on the configured host and port; resolves once it does. */
  start(): Promise<void>;
  /** The bound port (after start). */
  port(): number;
  /** Stops accepting, lets callbacks under way finish within timeoutMs, then closes every connection. */
  stop(timeoutMs?: number): Promise<void>;
  readiness(): Readiness;
  inFlight(): number;
}

/**
 * VOD waits 5 s for an answer: headers must come fast, and a whole request well within that
 * (a slower one has failed for VOD anyway). Bodies are read only once the signature passed, so
 * the cap can be generous: a body above 64 KiB is still dead-lettered with its reason.
 */
export const ingressHttpLimits: Partial<HttpLimits> = {
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxBodyBytes: 1024 * 1024,
  maxConnections: 256,
};

export function createIngress(options: IngressOptions): Ingress {
  const { config } = options;
  const logger = options.logger ?? createLogger('ingress');
  const metrics = options.metrics ?? createIngressMetrics();
  const callbackUrl = config.callback.url;
  const authKeys = config.callback.authKeys;
  if (callbackUrl === undefined || authKeys === undefined || authKeys.length === 0) {
    throw new Error('the ingress needs VODFLOW_CALLBACK_URL and VODFLOW_CALLBACK_AUTH_KEY');
  }
  const routes = callbackRoutes(callbackUrl, config.queues);
  if (routes.length === 0)
    throw new Error('the ingress needs VODFLOW_QUEUES (regions and dead-letter queues)');
  const byPath = new Map(routes.map((r) => [r.path, r]));

  const credentials = config.credentials;
  const senders = new Map<QueueSpec, (document: string) => Promise<void>>();
  const deadLetterFor =
    options.deadLetterFor ??
    ((queue: QueueSpec) => {
      if (!credentials) throw new Error('the ingress needs ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET');
      const transport = createMnsQueue({
        spec: queue,
        credentials,
        timeoutMs: config.poller.mnsTimeoutMs,
        waitSeconds: 1,
      });
      return async (document: string) => {
        await transport.sendDeadLetter(document);
      };
    });
  const sendDeadLetter = (queue: QueueSpec, document: string): Promise<void> => {
    let send = senders.get(queue);
    if (!send) {
      send = deadLetterFor(queue);
      senders.set(queue, send);
    }
    return send(document);
  };

  const real = new VideoSignaller({
    client: options.client,
    taskQueue: config.temporal.taskQueue,
    timeoutMs: config.ingress.signalTimeoutMs,
    ...(config.pipeline ? { pipelineOptions: config.pipeline } : {}),
  });
  const handle = createCallbackHandler({
    authKeys,
    maxAgeSeconds: config.callback.maxAgeSeconds,
    decode: options.decode,
    signaller: options.signaller ? options.signaller(real) : real,
    deadLetter: sendDeadLetter,
    metrics,
    logger,
    signalBudgetMs: config.ingress.signalTimeoutMs,
  });

  const inFlight = new Set<Promise<void>>();
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  let boundPort = config.ingress.port;

  const server = createHttpServer(
    (req, res, { url, body }) => {
      const route = byPath.get(url.pathname);
      if (route === undefined) {
        // A load balancer's health check may use the ingress's own port.
        if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
          return sendJson(res, 200, { ok: true });
        }
        return sendJson(res, 404, { ok: false, error: 'not a callback path' });
      }
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return sendJson(res, 405, { ok: false, error: 'VOD callbacks are POST requests' });
      }
      const started = process.hrtime.bigint();
      metrics.inFlight.inc();
      const work = handle({
        route,
        header: (name) => {
          const value = req.headers[name];
          return Array.isArray(value) ? value[0] : value;
        },
        body,
        peer: req.socket.remoteAddress,
      }).then(
        (answer) => {
          if (answer.status === 403) res.setHeader('connection', 'close');
          sendJson(res, answer.status, answer.body);
          metrics.answerLatency.observe(
            { region: route.region, status: String(answer.status) },
            Number(process.hrtime.bigint() - started) / 1e9,
          );
        },
        (err: unknown) => {
          // A body refused by the cap (413) or a client gone (400): the server module answers.
          if (err instanceof HttpError) throw err;
          logger.error({ region: route.region, err: errorSummary(err) }, 'callback handling crashed');
          sendJson(res, 503, { ok: false, error: 'internal' });
        },
      );
      const tracked = work
        .catch(() => undefined)
        .finally(() => {
          metrics.inFlight.dec();
          inFlight.delete(tracked);
        });
      inFlight.add(tracked);
      return work;
    },
    {
      limits: { ...ingressHttpLimits, ...options.limits },
      onError: (err) => logger.error({ err: errorSummary(err) }, 'ingress request failed'),
      errorReply: (res, status, message) => sendJson(res, status, { ok: false, error: message }),
    },
  );

  return {
    metrics,
    routes,
    async start() {
      if (state !== 'new') return;
      await listen(server, config.ingress.port, config.ingress.host);
      const address = server.address();
      boundPort = typeof address === 'object' && address ? address.port : config.ingress.port;
      state = 'running';
      logger.info(
        {
          host: config.ingress.host,
          port: boundPort,
          routes: routes.map((r) => `${r.path} → ${r.region}`),
          maxAgeSeconds: config.callback.maxAgeSeconds,
          keys: authKeys.length,
        },
        'ingress listening for VOD callbacks',
      );
      if (config.callback.maxAgeSeconds === 0) {
        logger.warn(
          'VODFLOW_CALLBACK_MAX_AGE_SECONDS=0: timestamps are not checked, a captured request can be replayed',
        );
      }
    },
    port: () => boundPort,
    async stop(timeoutMs = config.poller.shutdownTimeoutMs) {
      if (state === 'stopped') return;
      const wasRunning = state === 'running';
      state = 'stopping';
      if (wasRunning) {
        server.close();
        server.closeIdleConnections();
        const deadline = new Promise((resolve) => setTimeout(resolve, timeoutMs).unref());
        await Promise.race([Promise.all([...inFlight]), deadline]);
      }
      await closeHttpServer(server);
      state = 'stopped';
      logger.info({ unfinished: inFlight.size }, 'ingress stopped');
    },
    readiness: () => (state === 'running' ? { ready: true } : { ready: false, reason: `ingress ${state}` }),
    inFlight: () => inFlight.size,
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function listen(server: http.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
