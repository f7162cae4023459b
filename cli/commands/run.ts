import type { Command } from 'commander';
import { createLogger } from '../../src/observability/logger';
import { createPollerMetrics } from '../../src/observability/metrics';
import { startProcessHealth, workerReadiness } from '../../src/process/processHealth';
import { createWorkerMetrics } from '../../src/worker/workerMetrics';
import {
  configOrExit,
  stopOnSignals,
  teamStepSettings,
  warnInsecureEndpoints,
  withTeamStepOptions,
  type TeamStepFlags,
} from './lifecycle';
import { startPollerProcess } from '../../src/process/pollerProcess';
import { startWorkerProcess } from '../../src/process/workerProcess';

export function registerRunCommand(program: Command): void {
  withTeamStepOptions(program.command('run'))
    .description('Run the worker and the poller in one process.')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string } & TeamStepFlags) => {
      const config = configOrExit('run', opts.config, teamStepSettings(opts));
      const logger = createLogger('vodflow', config.logLevel);
      warnInsecureEndpoints(config, logger);
      // The poller's registry carries the Node process metrics; a second copy would scrape as duplicates.
      const pollerMetrics = createPollerMetrics({ defaultMetrics: true });
      const workerMetrics = createWorkerMetrics({ defaultMetrics: false });
      const health = await startProcessHealth({
        http: config.http,
        registries: [pollerMetrics.registry, workerMetrics.registry],
        starting: `connecting to Temporal at ${config.temporal.address}`,
      });
      logger.info({ port: health.port }, 'metrics and health on /metrics, /healthz, /readyz');
      const worker = await startWorkerProcess(config, logger.child({ component: 'worker' }), workerMetrics);
      const poller = await startPollerProcess(config, logger.child({ component: 'poller' }), {
        metrics: pollerMetrics,
      });
      health.serve(() => {
        const workerState = workerReadiness(worker.worker.getState());
        return workerState.ready ? poller.poller.readiness() : workerState;
      });
      stopOnSignals(logger, async () => {
        // Poller first: its in-flight signals need no worker, and the worker may finish tasks meanwhile.
        await poller.stop();
        await worker.shutdown();
        await health.close();
      });
    });
}
