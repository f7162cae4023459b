/**
 * Reports how each videoPipeline run ended to the worker (its pipelines-finished metric)
 * without touching the workflow: an inbound interceptor sees the run's result and hands the
 * status to a sink. Sink calls are not commands and not in the history, and the worker
 * skips them while replaying, so a replayed or queried run is not counted again.
 * Bundled through workflowInterceptorModules (src/worker/workflowBundle.ts).
 */
import {
  proxySinks,
  workflowInfo,
  type Sinks,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import type { Next } from '@temporalio/common';
import {
  finishedPipelineStatuses,
  videoPipelineWorkflowType,
  type FinishedPipelineStatus,
  type VideoPipelineResult,
} from '../shared/definitions';

export interface PipelineOutcomeSinks extends Sinks {
  pipelineOutcome: {
    finished(status: FinishedPipelineStatus): void;
  };
}

const { pipelineOutcome } = proxySinks<PipelineOutcomeSinks>();

class PipelineOutcomeInterceptor implements WorkflowInboundCallsInterceptor {
  async execute(
    input: WorkflowExecuteInput,
    next: Next<WorkflowInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    // Continue-as-new and workflow failures throw past this: only a returned result is an end.
    const result = await next(input);
    const status = (result as Partial<VideoPipelineResult> | undefined)?.status;
    if (
      workflowInfo().workflowType === videoPipelineWorkflowType &&
      finishedPipelineStatuses.includes(status as FinishedPipelineStatus)
    ) {
      pipelineOutcome.finished(status as FinishedPipelineStatus);
    }
    return result;
  }
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [new PipelineOutcomeInterceptor()],
});
