import type { Command } from 'commander';
import type { VodflowConfig } from '../../config';
import { startHealthServer } from '../../observability/healthServer';
import { createLogger, type Logger } from '../../observability/logger';
import { activityDeps } from '../../activities/config';
import { temporalTls } from '../../poller/temporalConnection';
import { startWorker, type RunningWorker } from '../../worker/createWorker';
import { configOrExit, stopOnSignals } from './lifecycle';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('Run the Temporal worker: video pipeline workflows and their activities.')
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string }) => {
      const config = configOrExit('worker', opts.config);
      const logger = createLogger('worker', config.logLevel);
      const worker = await startWorkerProcess(config, logger);
      const health = await startHealthServer({
        host: config.http.host,
        port: config.http.port,
        registries: [],
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

export async function startWorkerProcess(config: VodflowConfig, logger: Logger): Promise<RunningWorker> {
  const tls = temporalTls(config.temporal);
  const worker = await startWorker({
    address: config.temporal.address,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(tls ? { tls } : {}),
    ...(config.temporal.apiKey ? { apiKey: config.temporal.apiKey } : {}),
    activityDeps: activityDeps(config),
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
