import type { InjectedSinks } from '@temporalio/worker';
import type { PipelineOutcomeSinks } from '../workflows/pipelineOutcomeInterceptor';
import type { WorkerMetrics } from './workerMetrics';

/**
 * The worker's end of src/workflows/pipelineOutcomeInterceptor.ts. Not called during replay
 * (callDuringReplay stays false): a run evicted from the cache, or queried after it closed,
 * replays its last task without counting its end a second time.
 */
export function pipelineOutcomeSinks(metrics: WorkerMetrics): InjectedSinks<PipelineOutcomeSinks> {
  return {
    pipelineOutcome: {
      finished: { fn: (_info, status) => metrics.pipelinesFinished.inc({ status }) },
    },
  };
}
