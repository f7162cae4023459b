import type { Command } from 'commander';
import { startProcessHealth, workerReadiness } from '../../src/process/processHealth';
import { startWorkerProcess } from '../../src/process/workerProcess';
import { createWorkerMetrics } from '../../src/worker/workerMetrics';
import { productionProcess, stopOnSignals, withTeamStepOptions, type TeamStepFlags } from './lifecycle';

export function registerWorkerCommand(program: Command): void {
  withTeamStepOptions(program.command('worker'))
    .description('Run the Temporal worker: video pipeline workflows and their activities.')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string } & TeamStepFlags) => {
      const { config, logger } = productionProcess('worker', opts, 'worker');
      // The only registry this process serves, so it carries the Node process metrics.
      const metrics = createWorkerMetrics({ defaultMetrics: true });
      // Alive from the start; ready once the worker polls its task queue.
      const health = await startProcessHealth({
        http: config.http,
        registries: [metrics.registry],
        starting: `connecting to Temporal at ${config.temporal.address}`,
      });
      const worker = await startWorkerProcess(config, logger, metrics);
      health.serve(() => workerReadiness(worker.worker.getState()));
      stopOnSignals(logger, async () => {
        await worker.shutdown();
        await health.close();
      });
      // A worker that dies on its own (lost connection for good, fatal error) ends the process.
      worker.done.then(
        () => undefined,
        (err: unknown) => {
          logger.error({ err: err instanceof Error ? err.message : String(err) }, 'worker failed');
          process.exit(1);
        },
      );
    });
}
