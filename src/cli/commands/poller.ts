import type { Command } from 'commander';
import type { VodflowConfig } from '../../config';
import { decode } from '../../events';
import { startHealthServer, type HealthServer, type Readiness } from '../../observability/healthServer';
import { createLogger, type Logger } from '../../observability/logger';
import { Backoff, pause } from '../../poller/backoff';
import { createPoller, type Poller } from '../../poller/poller';
import { connectTemporal, type TemporalClientBundle } from '../../poller/temporalConnection';
import { configOrExit, stopOnSignals } from './lifecycle';

export function registerPollerCommand(program: Command): void {
  program
    .command('poller')
    .description('Consume the VOD event queues (VODFLOW_QUEUES) and signal each video workflow.')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string }) => {
      const config = configOrExit('poller', opts.config);
      const logger = createLogger('poller', config.logLevel);
      const running = await startPollerProcess(config, logger);
      const health = await startHealthServer({
        host: config.http.host,
        port: config.http.port,
        registries: [running.poller.metrics.registry],
        readiness: () => running.poller.readiness(),
      });
      logger.info({ port: health.port }, 'metrics and health on /metrics, /healthz, /readyz');
      stopOnSignals(logger, async () => {
        await running.stop();
        await health.close();
      });
    });
}

export interface RunningPoller {
  poller: Poller;
  temporal: TemporalClientBundle;
  stop(): Promise<void>;
}

/** Connects to Temporal (retrying while it is not up yet) and starts consuming. */
export async function startPollerProcess(config: VodflowConfig, logger: Logger): Promise<RunningPoller> {
  const temporal = await connectWithRetry(config, logger);
  const poller = createPoller({
    config,
    client: temporal.client,
    probe: () => temporal.probe(),
    decode,
    logger,
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

async function connectWithRetry(config: VodflowConfig, logger: Logger): Promise<TemporalClientBundle> {
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

export type { HealthServer, Readiness };
