import type { VodflowConfig } from '../config';
import { decode } from '../events';
import { createIngress, type Ingress, type IngressOptions } from '../ingress';
import type { Logger } from '../observability/logger';
import { connectWithRetry } from './pollerProcess';
import type { TemporalClientBundle } from '../temporal/connection';

export interface RunningIngress {
  ingress: Ingress;
  temporal: TemporalClientBundle;
  /** Graceful: stop accepting, let callbacks under way finish within timeoutMs, close. */
  stop(timeoutMs?: number): Promise<void>;
}

/** What an embedding process may supply instead of the defaults (metrics kept across restarts; tests). */
export type IngressProcessOptions = Partial<Omit<IngressOptions, 'config' | 'client' | 'logger'>>;

/**
 * Connects to Temporal (retrying while it is not up yet, as the poller does), then listens.
 * Until Temporal answers there is nothing a callback could be turned into, and a closed port
 * gets VOD's retry as surely as a 503.
 */
export async function startIngressProcess(
  config: VodflowConfig,
  logger: Logger,
  options: IngressProcessOptions = {},
): Promise<RunningIngress> {
  const settings = config.ingress;
  if (settings === null) throw new Error('this configuration runs no ingress (VODFLOW_INGRESS_PORT)');
  const temporal = await connectWithRetry(config, logger);
  let ingress: Ingress;
  try {
    ingress = createIngress({
      config: { ...config, ingress: settings },
      client: temporal.client,
      decode,
      logger,
      ...options,
    });
    await ingress.start();
  } catch (err) {
    await temporal.close();
    throw err;
  }
  return {
    ingress,
    temporal,
    async stop(timeoutMs = config.poller.shutdownTimeoutMs) {
      await ingress.stop(timeoutMs);
      await temporal.close();
    },
  };
}
