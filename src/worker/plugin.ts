import { SimplePlugin } from '@temporalio/plugin';
import type { WorkerOptions, WorkflowBundleOption } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import {
  createActivityRuntime,
  describeWorker,
  type ActivityDeps,
  type ActivityRuntime,
} from '../activities';
import { activityDeps } from '../activities/config';
import { loadConfig } from '../config';
import { activityMetricsInterceptors } from './activityMetricsInterceptor';
import { pipelineOutcomeSinks } from './pipelineOutcomeSink';
import { checkStepModule } from './teamSteps';
import { singleSdkCopy, workflowInterceptorModules, workflowsEntry } from './workflowBundle';
import { createWorkerMetrics, type WorkerMetrics } from './workerMetrics';

export interface VodflowPluginOptions {
  /**
   * Path of the team's step module (workflow code exporting `steps`), e.g.
   * `require.resolve('./steps')`. Without it the pipeline runs vodflow's built-in steps only.
   */
  steps?: string;
  /** The team's activities, registered beside vodflow's (the functions its steps call). */
  activities?: object;
  /**
   * What vodflow's own activities need (VOD API credentials and endpoint, webhook).
   * Default: read from the environment like `vodflow worker` does (activityDepsFromEnv).
   * `null`: register only the probe activity (tests, `doctor`).
   */
  activityDeps?: ActivityDeps | null;
  /** Where activity attempts and pipeline ends are counted; default a registry of its own. */
  metrics?: WorkerMetrics;
  /** A bundle prebuilt with workflowBundle(steps) instead of bundling at Worker.create. */
  workflowBundle?: WorkflowBundleOption;
}

/** Metric label values are snake case. */
function backfillOutcomeLabel(outcome: string): string {
  return outcome === 'otherApp' ? 'other_app' : outcome;
}

/** vodflow's activity dependencies from VODFLOW_* and ALIBABA_CLOUD_* variables (exit-free: throws ConfigError). */
export function activityDepsFromEnv(env: NodeJS.ProcessEnv = process.env): ActivityDeps {
  return activityDeps(loadConfig({ role: 'worker', env }));
}

/**
 * vodflow packaged for a team's own worker: the video pipeline workflow (with the team's steps
 * in its graph), vodflow's activities and the team's, the metrics interceptor and sink.
 *
 *   Worker.create({ plugins: [vodflowPlugin({ steps: require.resolve('./steps'), activities })], … })
 */
export function vodflowPlugin(options: VodflowPluginOptions = {}): VodflowPlugin {
  return new VodflowPlugin(options);
}

export class VodflowPlugin extends SimplePlugin {
  readonly metrics: WorkerMetrics;
  private readonly runtime: ActivityRuntime | null;

  constructor(private readonly pluginOptions: VodflowPluginOptions) {
    if (pluginOptions.steps !== undefined) checkStepModule(pluginOptions.steps);
    const deps =
      pluginOptions.activityDeps === undefined ? activityDepsFromEnv() : pluginOptions.activityDeps;
    const metrics = pluginOptions.metrics ?? createWorkerMetrics({ defaultMetrics: false });
    const runtime = deps
      ? createActivityRuntime(deps, {
          onBackfillOutcome: (outcome) =>
            metrics.backfillVideos.inc({ outcome: backfillOutcomeLabel(outcome) }),
        })
      : null;
    super({
      name: 'vodflow',
      ...(pluginOptions.workflowBundle
        ? { workflowBundle: pluginOptions.workflowBundle }
        : { workflowsPath: workflowsEntry(pluginOptions.steps) }),
      activities: {
        describeWorker,
        ...(runtime ? runtime.activities : {}),
        ...(pluginOptions.activities ?? {}),
      },
      workerInterceptors: {
        activity: [activityMetricsInterceptors(metrics)],
        workflowModules: workflowInterceptorModules,
      },
    });
    this.metrics = metrics;
    this.runtime = runtime;
  }

  /** The backfill sweep's Temporal client lives as long as the worker runs. */
  override async runWorker(worker: Worker, next: (w: Worker) => Promise<void>): Promise<void> {
    try {
      await super.runWorker(worker, next);
    } finally {
      await this.runtime?.close();
    }
  }

  /** Adds what SimplePlugin has no option for: the pipeline-outcome sink and one SDK copy in the bundle. */
  override configureWorker(options: WorkerOptions): WorkerOptions {
    const configured = super.configureWorker(options);
    const hook = configured.bundlerOptions?.webpackConfigHook;
    return {
      ...configured,
      sinks: { ...configured.sinks, ...pipelineOutcomeSinks(this.metrics) },
      ...(this.pluginOptions.workflowBundle
        ? {}
        : {
            bundlerOptions: {
              ...configured.bundlerOptions,
              webpackConfigHook: (config) => singleSdkCopy(hook ? hook(config) : config),
            },
          }),
    };
  }
}
