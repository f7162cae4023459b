import type { Client } from '@temporalio/client';
import type { VodEvent } from '../events/model';
import type { PipelineOptionsInput } from '../shared/pipelineOptions';
import {
  videoPipelineWorkflowType,
  videoWorkflowId,
  vodEventSignal,
  type VideoEventDelivery,
  type VideoPipelineInput,
} from '../shared/definitions';
import { isAlreadyStarted } from './temporalErrors';

export type SignalOutcome =
  /** The signal is in the history of an open run (or of a run it started). */
  | { kind: 'signalled'; workflowId: string; runId: string }
  /** The last run closed before this event happened: a real new event started a new run. */
  | { kind: 'restarted'; workflowId: string; runId: string }
  /** The last run closed after this event happened: a late duplicate; nothing to do. */
  | { kind: 'late-after-close'; workflowId: string; closedRunId: string | undefined };

export interface VideoSignallerOptions {
  client: Client;
  taskQueue: string;
  timeoutMs: number;
  /** Sent in the start input; a run keeps the options it started with (docs/WORKFLOW.md). */
  pipelineOptions?: PipelineOptionsInput;
}

export interface VideoSignal {
  event: VodEvent & { mediaId: string };
  region: string;
  messageId: string;
}

/**
 * signalWithStart on the video's workflow, with vodflow's id policy (docs/POLLER.md):
 * - conflict USE_EXISTING: an open run (including one lingering after completion) gets the
 *   signal and dedupes it by event identity;
 * - reuse REJECT_DUPLICATE: a closed run is never silently replaced, because a fresh run
 *   would redo finished work for a late duplicate (docs/TEMPORAL-NOTES.md, "Workflow id policies");
 * - when that refusal comes, the closed run's close time decides: an event that happened
 *   after the run closed is real new work (a re-transcode) and starts a new run; one that
 *   happened before is a late duplicate and is acknowledged.
 * Every call runs under its own deadline; a failure is thrown for the caller to classify.
 */
export class VideoSignaller {
  constructor(private readonly options: VideoSignallerOptions) {}

  async signal(input: VideoSignal): Promise<SignalOutcome> {
    const workflowId = videoWorkflowId(input.event.mediaId);
    try {
      const runId = await this.signalWithStart(workflowId, input, 'REJECT_DUPLICATE');
      return { kind: 'signalled', workflowId, runId };
    } catch (err) {
      if (!isAlreadyStarted(err)) throw err;
    }
    const description = await this.withDeadline(() =>
      this.options.client.workflow.getHandle(workflowId).describe(),
    );
    const closedAt = description.closeTime?.getTime();
    const happenedAt = Date.parse(input.event.eventTime);
    if (closedAt !== undefined && Number.isFinite(happenedAt) && happenedAt > closedAt) {
      const runId = await this.signalWithStart(workflowId, input, 'ALLOW_DUPLICATE');
      return { kind: 'restarted', workflowId, runId };
    }
    return { kind: 'late-after-close', workflowId, closedRunId: description.runId };
  }

  private async signalWithStart(
    workflowId: string,
    input: VideoSignal,
    workflowIdReusePolicy: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE',
  ): Promise<string> {
    const delivery: VideoEventDelivery = {
      event: input.event,
      region: input.region,
      messageId: input.messageId,
    };
    const start: VideoPipelineInput = {
      mediaId: input.event.mediaId,
      region: input.region,
      ...(this.options.pipelineOptions && Object.keys(this.options.pipelineOptions).length > 0
        ? { options: this.options.pipelineOptions }
        : {}),
    };
    const handle = await this.withDeadline(() =>
      this.options.client.workflow.signalWithStart(videoPipelineWorkflowType, {
        workflowId,
        taskQueue: this.options.taskQueue,
        args: [start],
        signal: vodEventSignal,
        signalArgs: [delivery],
        workflowIdReusePolicy,
        workflowIdConflictPolicy: 'USE_EXISTING',
      }),
    );
    return handle.signaledRunId;
  }

  private withDeadline<T>(fn: () => Promise<T>): Promise<T> {
    return this.options.client.withDeadline(Date.now() + this.options.timeoutMs, fn);
  }
}
