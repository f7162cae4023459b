import type { Command } from 'commander';
import { startHealthServer } from '../../src/observability/healthServer';
import { createLogger } from '../../src/observability/logger';
import { startPollerProcess } from '../../src/process/pollerProcess';
import { configOrExit, stopOnSignals, warnInsecureEndpoints } from './lifecycle';

export function registerPollerCommand(program: Command): void {
  program
    .command('poller')
    .description('Consume the VOD event queues (VODFLOW_QUEUES) and signal each video workflow.')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string }) => {
      const config = configOrExit('poller', opts.config);
      const logger = createLogger('poller', config.logLevel);
      warnInsecureEndpoints(config, logger);
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
