import type { VodflowConfig } from '../config';
import { decode } from '../events';
import type { Logger } from '../observability/logger';
import { Backoff, pause } from '../poller/backoff';
import { createPoller, type Poller, type PollerOptions } from '../poller/poller';
import { connectTemporal, type TemporalClientBundle } from '../temporal/connection';

export interface RunningPoller {
  poller: Poller;
  temporal: TemporalClientBundle;
  stop(): Promise<void>;
}

/**
 * What an embedding process may supply instead of the defaults: metrics it keeps across
 * restarts, or (tests) a wrapped transport or client.
 */
export type PollerProcessOptions = Partial<Omit<PollerOptions, 'config' | 'logger'>>;

/** Connects to Temporal (retrying while it is not up yet) and starts consuming. */
export async function startPollerProcess(
  config: VodflowConfig,
  logger: Logger,
  options: PollerProcessOptions = {},
): Promise<RunningPoller> {
  const temporal = await connectWithRetry(config, logger);
  const poller = createPoller({
    config,
    client: temporal.client,
    probe: () => temporal.probe(),
    decode,
    logger,
    ...options,
  });
  poller.start();
  return {
    poller,
    temporal,
    async stop() {
      const result = await poller.stop(config.poller.shutdownTimeoutMs);
      logger.info(result, 'poller drained');
      await temporal.close();
    },
  };
}

/** Connects to Temporal, retrying with backoff while it is not reachable (the ingress uses it too). */
export async function connectWithRetry(config: VodflowConfig, logger: Logger): Promise<TemporalClientBundle> {
  const backoff = new Backoff({ initialMs: 500, maxMs: 15_000 });
  for (;;) {
    try {
      return await connectTemporal(config.temporal);
    } catch (err) {
      const delay = backoff.next();
      logger.warn(
        {
          address: config.temporal.address,
          err: err instanceof Error ? err.message : String(err),
          retryInMs: delay,
        },
        'Temporal not reachable yet',
      );
      await pause(delay);
    }
  }
}
