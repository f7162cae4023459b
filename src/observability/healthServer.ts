import type http from 'node:http';
import { once } from 'node:events';
import type { Registry } from 'prom-client';
import { closeHttpServer, createHttpServer, type HttpLimits } from '../http';

export interface Readiness {
  ready: boolean;
  /** Why not ready, for humans and probes' logs. */
  reason?: string;
}

export interface HealthServerOptions {
  host: string;
  port: number;
  registries: Registry[];
  /** /readyz answers 200 only when this says ready. */
  readiness: () => Readiness;
  /** Overrides of the server's HTTP limits. */
  limits?: Partial<HttpLimits>;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/** /metrics (Prometheus text), /healthz (the process is serving), /readyz (it is doing its job). */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createHttpServer(
    (req, res, { url }) => {
      const path = url.pathname;
      if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n');
      if (path === '/healthz') return reply(res, 200, 'ok\n');
      if (path === '/readyz') {
        const state = options.readiness();
        return reply(
          res,
          state.ready ? 200 : 503,
          state.ready ? 'ready\n' : `not ready: ${state.reason ?? ''}\n`,
        );
      }
      if (path === '/metrics') {
        Promise.all(options.registries.map((r) => r.metrics()))
          .then((texts) => {
            res.writeHead(200, { 'content-type': options.registries[0]?.contentType ?? 'text/plain' });
            res.end(texts.join('\n'));
          })
          .catch(() => reply(res, 500, 'metrics unavailable\n'));
        return;
      }
      reply(res, 404, 'not found\n');
    },
    // Probes and scrapers send no body and few connections.
    { limits: { maxBodyBytes: 0, maxConnections: 64, requestTimeoutMs: 10_000, ...options.limits } },
  );
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    port,
    close: () => closeHttpServer(server),
  };
}

function reply(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
