import type { Command } from 'commander';
import { startHealthServer } from '../../src/observability/healthServer';
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
      const worker = await startWorkerProcess(config, logger, createWorkerMetrics({ defaultMetrics: true }));
      const health = await startHealthServer({
        host: config.http.host,
        port: config.http.port,
        registries: [worker.metrics.registry],
        readiness: () =>
          worker.worker.getState() === 'RUNNING'
            ? { ready: true }
            : { ready: false, reason: `worker ${worker.worker.getState()}` },
      });
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
