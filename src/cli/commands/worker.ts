import type { Command } from 'commander';
import type { VodflowConfig } from '../../config';
import { startHealthServer } from '../../observability/healthServer';
import { createLogger, type Logger } from '../../observability/logger';
import { activityDeps } from '../../activities/config';
import { temporalTls } from '../../poller/temporalConnection';
import { startWorker, type RunningWorker } from '../../worker/createWorker';
import { createWorkerMetrics, type WorkerMetrics } from '../../worker/workerMetrics';
import { configOrExit, stopOnSignals } from './lifecycle';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run the Temporal worker: video pipeline workflows and their activities.')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string }) => {
      const config = configOrExit('worker', opts.config);
      const logger = createLogger('worker', config.logLevel);
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

export async function startWorkerProcess(
  config: VodflowConfig,
  logger: Logger,
  metrics: WorkerMetrics,
): Promise<RunningWorker> {
  const tls = temporalTls(config.temporal);
  const worker = await startWorker({
    address: config.temporal.address,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(tls ? { tls } : {}),
    ...(config.temporal.apiKey ? { apiKey: config.temporal.apiKey } : {}),
    activityDeps: activityDeps(config),
    metrics,
  });
  logger.info(
    {
      address: config.temporal.address,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
    },
    'worker started',
  );
  return worker;
}
