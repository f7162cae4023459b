import type { Registry } from 'prom-client';
import type { VodflowConfig } from '../config';
import { startHealthServer, type HealthServer, type Readiness } from '../observability/healthServer';

/**
 * A long-running process's /metrics, /healthz and /readyz, served from the moment the process
 * starts: /healthz says the process is alive (a liveness probe must not restart a poller that
 * is waiting out a Temporal outage), /readyz says whether it can do its job, which until
 * Temporal answers is "not yet".
 */
export interface ProcessHealth {
  readonly port: number;
  /** From now on /readyz asks this (the poller's breaker and receive health, the worker's state). */
  serve(readiness: () => Readiness): void;
  close(): Promise<void>;
}

export async function startProcessHealth(options: {
  http: VodflowConfig['http'];
  registries: Registry[];
  /** What /readyz says until serve() is called. */
  starting: string;
}): Promise<ProcessHealth> {
  let readiness: () => Readiness = () => ({ ready: false, reason: options.starting });
  const server: HealthServer = await startHealthServer({
    host: options.http.host,
    port: options.http.port,
    registries: options.registries,
    readiness: () => readiness(),
  });
  return {
    port: server.port,
    serve(next) {
      readiness = next;
    },
    close: () => server.close(),
  };
}

/** The worker's part of readiness: polling its task queue. */
export function workerReadiness(state: string | undefined): Readiness {
  return state === 'RUNNING' ? { ready: true } : { ready: false, reason: `worker ${state ?? 'stopped'}` };
}
