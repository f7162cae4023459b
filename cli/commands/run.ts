import type { Command } from 'commander';
import { startHealthServer } from '../../src/observability/healthServer';
import { createWorkerMetrics } from '../../src/worker/workerMetrics';
import { productionProcess, stopOnSignals, withTeamStepOptions, type TeamStepFlags } from './lifecycle';
import { startPollerProcess } from '../../src/process/pollerProcess';
import { startWorkerProcess } from '../../src/process/workerProcess';

export function registerRunCommand(program: Command): void {
  withTeamStepOptions(program.command('run'))
    .description('Run the worker and the poller in one process.')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string } & TeamStepFlags) => {
      const { config, logger } = productionProcess('run', opts, 'vodflow');
      // The poller's registry carries the Node process metrics; a second copy would scrape as duplicates.
      const worker = await startWorkerProcess(
        config,
        logger.child({ component: 'worker' }),
        createWorkerMetrics({ defaultMetrics: false }),
      );
      const poller = await startPollerProcess(config, logger.child({ component: 'poller' }));
      const health = await startHealthServer({
        host: config.http.host,
        port: config.http.port,
        registries: [poller.poller.metrics.registry, worker.metrics.registry],
        readiness: () => {
          if (worker.worker.getState() !== 'RUNNING')
            return { ready: false, reason: `worker ${worker.worker.getState()}` };
          return poller.poller.readiness();
        },
      });
      logger.info({ port: health.port }, 'metrics and health on /metrics, /healthz, /readyz');
      stopOnSignals(logger, async () => {
        // Poller first: its in-flight signals need no worker, and the worker may finish tasks meanwhile.
        await poller.stop();
        await worker.shutdown();
        await health.close();
      });
    });
}
