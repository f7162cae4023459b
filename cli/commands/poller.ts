import type { Command } from 'commander';
import { startHealthServer } from '../../src/observability/healthServer';
import { startPollerProcess } from '../../src/process/pollerProcess';
import { productionProcess, stopOnSignals } from './lifecycle';

export function registerPollerCommand(program: Command): void {
  program
    .command('poller')
    .description('Consume the VOD event queues (VODFLOW_QUEUES) and signal each video workflow.')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string }) => {
      const { config, logger } = productionProcess('poller', opts, 'poller');
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
