import {
  NativeConnection,
  Worker,
  type TLSConfig,
  type WorkerOptions as SdkWorkerOptions,
} from '@temporalio/worker';
import { workerTuningDefaults, type WorkerTuning } from '../config/schema';
import type { ActivityDeps } from '../activities';
import { vodflowPlugin } from './plugin';
import { installWorkerRuntime } from './runtime';
import { checkStepModule, loadActivityModule } from './teamSteps';
import { workflowBundle } from './workflowBundle';
import { createWorkerMetrics, type WorkerMetrics } from './workerMetrics';

export interface WorkerOptions {
  address: string;
  namespace: string;
  taskQueue: string;
  /** TLS (mTLS or server-only; true: TLS with the system's roots) and Temporal Cloud's API key. */
  tls?: TLSConfig | boolean;
  apiKey?: string;
  /** gRPC headers on every call (TEMPORAL_GRPC_META_*). */
  metadata?: Record<string, string>;
  /** Task slots and workflow cache; default: the fixed tuner's 2-core sizes. */
  tuning?: WorkerTuning;
  /**
   * Dependencies of the video pipeline's activities (VOD API, webhook). Without them the
   * worker registers only the probe activity, enough for the smoke test and `doctor`.
   */
  activityDeps?: ActivityDeps;
  /** A team's step module (workflow code exporting `steps`), added to the step graph. */
  stepsModule?: string;
  /** A team's activity module: its exported functions become activities. */
  activitiesModule?: string;
  /** Extra or replacement activity implementations (a test's), merged last. */
  activities?: object;
  /**
   * Where activity attempts and pipeline ends are counted. Default: a registry of its own
   * without the Node process metrics, which belong to whoever serves /metrics.
   */
  metrics?: WorkerMetrics;
}

export interface RunningWorker {
  worker: Worker;
  connection: NativeConnection;
  /** metrics.registry is what a health server scrapes. */
  metrics: WorkerMetrics;
  /** Resolves when the worker has drained and stopped. */
  done: Promise<void>;
  shutdown(): Promise<void>;
}

/** The SDK's options for a tuning: fixed slot counts, or its resource-based tuner. */
export function sdkTuning(
  tuning: WorkerTuning = { tuner: 'fixed', ...workerTuningDefaults },
): Pick<
  SdkWorkerOptions,
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxCachedWorkflows'
  | 'tuner'
> {
  if (tuning.tuner === 'fixed') {
    return {
      maxConcurrentWorkflowTaskExecutions: tuning.maxWorkflowTasks,
      maxConcurrentActivityTaskExecutions: tuning.maxActivities,
      maxCachedWorkflows: tuning.maxCachedWorkflows,
    };
  }
  const maximum = (value: number | undefined) => (value !== undefined ? { maximumSlots: value } : {});
  return {
    maxCachedWorkflows: tuning.maxCachedWorkflows,
    tuner: {
      tunerOptions: {
        targetCpuUsage: tuning.targetCpuPercent / 100,
        targetMemoryUsage: tuning.targetMemoryPercent / 100,
      },
      workflowTaskSlotOptions: maximum(tuning.maxWorkflowTasks),
      activityTaskSlotOptions: maximum(tuning.maxActivities),
    },
  };
}

export async function startWorker(options: WorkerOptions): Promise<RunningWorker> {
  installWorkerRuntime();
  const metrics = options.metrics ?? createWorkerMetrics({ defaultMetrics: false });
  const connection = await NativeConnection.connect({
    address: options.address,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    ...(options.metadata ? { metadata: options.metadata } : {}),
  });
  // Mistakes in a team's step module stop the worker here, named, before the bundle is built.
  if (options.stepsModule) checkStepModule(options.stepsModule);
  const plugin = vodflowPlugin({
    ...(options.stepsModule ? { steps: options.stepsModule } : {}),
    activities: {
      ...(options.activitiesModule ? loadActivityModule(options.activitiesModule) : {}),
      ...(options.activities ?? {}),
    },
    activityDeps: options.activityDeps ?? null,
    metrics,
    workflowBundle: await workflowBundle(options.stepsModule),
  });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    plugins: [plugin],
    ...sdkTuning(options.tuning),
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    connection,
    metrics,
    done,
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
