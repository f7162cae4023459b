import { NativeConnection, Worker, type TLSConfig } from '@temporalio/worker';
import { createActivities, describeWorker, type ActivityDeps } from '../activities';
import { installWorkerRuntime } from './runtime';
import { workflowBundle } from './workflowBundle';

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  /** TLS (mTLS or server-only) and Temporal Cloud's API key. */
  tls?: TLSConfig;
  apiKey?: string;
  /**
   * Dependencies of the video pipeline's activities (VOD API, webhook). Without them the
   * worker registers only the probe activity, enough for the smoke test and `doctor`.
   */
  activityDeps?: ActivityDeps;
  /** Extra or replacement activity implementations (a test's), merged last. */
  activities?: object;
}

export interface RunningWorker {
  worker: Worker;
  connection: NativeConnection;
  /** Resolves when the worker has drained and stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/** Sized for a 2-core machine (temporal-notes §8); a cluster deployment can raise them. */
const workerTuning = {
  maxConcurrentWorkflowTaskExecutions: 16,
  maxConcurrentActivityTaskExecutions: 64,
  maxCachedWorkflows: 2_000,
};

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  installWorkerRuntime();
  const connection = await NativeConnection.connect({
    address: options.address,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
  });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: {
      describeWorker,
      ...(options.activityDeps ? createActivities(options.activityDeps) : {}),
      ...(options.activities ?? {}),
    },
    ...workerTuning,
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    connection,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
