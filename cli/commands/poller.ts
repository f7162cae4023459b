import type { Command } from 'commander';
import { createPollerMetrics } from '../../src/observability/metrics';
import { startPollerProcess } from '../../src/process/pollerProcess';
import { startProcessHealth } from '../../src/process/processHealth';
import { productionProcess, stopOnSignals } from './lifecycle';

export function registerPollerCommand(program: Command): void {
  program
    .command('poller')
    .description('Consume the VOD event queues (VODFLOW_QUEUES) and signal each video workflow.')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string }) => {
      const { config, logger } = productionProcess('poller', opts, 'poller');
      const metrics = createPollerMetrics();
      // Alive from the start; ready once Temporal answers and MNS receives work.
      const health = await startProcessHealth({
        http: config.http,
        registries: [metrics.registry],
        starting: `connecting to Temporal at ${config.temporal.address}`,
      });
      logger.info({ port: health.port }, 'metrics and health on /metrics, /healthz, /readyz');
      const running = await startPollerProcess(config, logger, { metrics });
      health.serve(() => running.poller.readiness());
      stopOnSignals(logger, async () => {
        await running.stop();
        await health.close();
      });
    });
}
