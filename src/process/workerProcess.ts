import { TransportError } from '@temporalio/worker';
import type { VodflowConfig } from '../config';
import { activityDeps } from '../activities/config';
import type { Logger } from '../observability/logger';
import { Backoff, pause } from '../poller/backoff';
import { startWorker, type RunningWorker, type WorkerOptions } from '../worker/createWorker';
import { installWorkerRuntime } from '../worker/runtime';
import type { WorkerMetrics } from '../worker/workerMetrics';
import { temporalConnectionOptions } from '../temporal/connection';

/**
 * Starts the worker, retrying while Temporal cannot be reached, as the poller does: a worker
 * started while Temporal restarts (a deploy, an outage) waits for it instead of exiting.
 * Anything else (a namespace that does not exist, refused credentials) fails at once.
 */
export async function startWorkerProcess(
  config: VodflowConfig,
  logger: Logger,
  metrics: WorkerMetrics,
): Promise<RunningWorker> {
  installWorkerRuntime(config.sdkLogLevel);
  const options: WorkerOptions = {
    // The same envconfig translation as the poller's client connection.
    ...temporalConnectionOptions(config.temporal),
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    tuning: config.worker.tuning,
    activityDeps: activityDeps(config),
    ...(config.worker.stepsModule ? { stepsModule: config.worker.stepsModule } : {}),
    ...(config.worker.activitiesModule ? { activitiesModule: config.worker.activitiesModule } : {}),
    metrics,
  };
  const backoff = new Backoff({ initialMs: 500, maxMs: 15_000 });
  for (;;) {
    try {
      const worker = await startWorker(options);
      logger.info(
        {
          address: config.temporal.address,
          namespace: config.temporal.namespace,
          taskQueue: config.temporal.taskQueue,
          ...(config.temporal.profile ? { profile: config.temporal.profile } : {}),
          tuning: config.worker.tuning,
          ...(config.worker.stepsModule ? { stepsModule: config.worker.stepsModule } : {}),
        },
        'worker started',
      );
      return worker;
    } catch (err) {
      if (!unreachable(err)) throw err;
      const delay = backoff.next();
      logger.warn(
        { address: config.temporal.address, err: err.message, retryInMs: delay },
        'Temporal not reachable yet',
      );
      await pause(delay);
    }
  }
}

/** The native connection's "could not reach the server" (the SDK reports a missing namespace the same way). */
function unreachable(err: unknown): err is Error {
  return (
    err instanceof TransportError &&
    /ConnectError|tcp connect|Unavailable|transport error|Connection (refused|reset)|broken pipe/i.test(
      err.message,
    )
  );
}
