import type { VodflowConfig } from '../config';
import { activityDeps } from '../activities/config';
import type { Logger } from '../observability/logger';
import { startWorker, type RunningWorker } from '../worker/createWorker';
import { installWorkerRuntime } from '../worker/runtime';
import type { WorkerMetrics } from '../worker/workerMetrics';
import { temporalTls } from './temporalConnection';

export async function startWorkerProcess(
  config: VodflowConfig,
  logger: Logger,
  metrics: WorkerMetrics,
): Promise<RunningWorker> {
  installWorkerRuntime(config.sdkLogLevel);
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
