/**
 * The pipeline's own state and the pure decisions about it: a first run's state, a continued
 * run's, status changes, the reasons a video fails or stalls, and the result a run returns.
 */
import type {
  PipelineState,
  PipelineStatus,
  VideoPipelineInput,
  VideoPipelineResult,
} from '../shared/definitions';
import type { PipelineOptions, StageName } from '../shared/pipelineOptions';
import type { StageStatus } from '../shared/videoState';
import { initialVideoState, requiredProgress } from './stageMachine';
import type { StepPlan } from './stepGraph';

export function initialPipeline(input: VideoPipelineInput): PipelineState {
  return {
    mediaId: input.mediaId,
    region: input.region,
    ...(input.origin === 'backfill' ? { origin: 'backfill' as const } : {}),
    startedAtMs: Date.now(),
    run: 1,
    status: 'waiting',
    video: initialVideoState(input.mediaId),
    stageSettledAtMs: {},
    steps: {},
    reviews: [],
    reconciliation: { count: 0 },
    duplicates: 0,
    publications: [],
  };
}

/** A run continued as new: the same pipeline, one run later (older carried states lack newer fields). */
export function resumed(carried: PipelineState): PipelineState {
  return { ...carried, reviews: carried.reviews ?? [], run: carried.run + 1 };
}

/** completed, failed and rejected linger for late events; the other final statuses end the run. */
export function isSettled(status: PipelineStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'rejected';
}

/** Back to an unsettled status (the linger window no longer applies). */
export function setStatus(pipeline: PipelineState, status: 'waiting' | 'processing'): void {
  pipeline.status = status;
  pipeline.reason = undefined;
  pipeline.settledAtMs = undefined;
}

/** A final or lingering status; the linger window starts when the status or reason changes. */
export function settle(pipeline: PipelineState, status: PipelineStatus, reason?: string): void {
  if (pipeline.status !== status || pipeline.reason !== reason) {
    pipeline.status = status;
    pipeline.reason = reason;
    pipeline.settledAtMs = Date.now();
  }
}

/** Every step settled at the current inputs: the video's outcome is the steps' outcome. */
export function settleSteps(pipeline: PipelineState, failed: StepPlan['failed']): void {
  const rejected = failed.find((f) => f.status === 'rejected');
  if (rejected) settle(pipeline, 'rejected', `step ${rejected.name} ${rejected.error ?? 'rejected'}`);
  else if (failed.length > 0)
    settle(pipeline, 'failed', `step ${failed[0]!.name} failed: ${failed[0]!.error}`);
  else settle(pipeline, 'completed');
}

export function failureReason(pipeline: PipelineState, stages: readonly StageName[]): string {
  return stages
    .map((stage) => {
      const failure = pipeline.video.stages[stage].failure;
      const detail = [failure?.code, failure?.message].filter(Boolean).join(': ');
      return `${stage} failed${detail ? ` (${detail})` : ''}`;
    })
    .join('; ');
}

/** At the final deadline: true (and stalled, with the reason) when required stages are still pending. */
export function stallIfStillPending(pipeline: PipelineState, options: PipelineOptions): boolean {
  const after = requiredProgress(pipeline.video, options.requiredStages);
  if (after.ready || after.failed.length > 0) return false;
  const last = pipeline.reconciliation.lastReport;
  const vodSays = last?.videoStatus ? ` (VOD video status ${last.videoStatus})` : '';
  const lastError = pipeline.reconciliation.lastError;
  settle(
    pipeline,
    'stalled',
    `required stages not complete ${Math.round(options.finalDeadlineMs / 1000)} s after the first event: ` +
      `${after.pending.join(', ')}${vodSays}${lastError ? `; last reconciliation error: ${lastError}` : ''}`,
  );
  return true;
}

export function pipelineResult(pipeline: PipelineState): VideoPipelineResult {
  const { upload, transcode, snapshot } = pipeline.video.stages;
  const stage = (s: { status: StageStatus; version: number; source?: string }) => ({
    status: s.status,
    version: s.version,
    ...(s.source ? { source: s.source } : {}),
  });
  return {
    mediaId: pipeline.mediaId,
    region: pipeline.region,
    status: pipeline.status as VideoPipelineResult['status'],
    ...(pipeline.reason ? { reason: pipeline.reason } : {}),
    stages: { upload: stage(upload), transcode: stage(transcode), snapshot: stage(snapshot) },
    publications: pipeline.publications,
    runs: pipeline.run,
  };
}

/** Why a cancelled pipeline stopped, for its reason. */
export function cancelledReason(pipeline: PipelineState, options: PipelineOptions): string {
  const cancelledSteps = Object.entries(pipeline.steps)
    .filter(([, r]) => r.status === 'cancelled')
    .map(([name]) => name);
  if (cancelledSteps.length > 0) return `cancelled on request while running ${cancelledSteps.join(', ')}`;
  const pending = requiredProgress(pipeline.video, options.requiredStages).pending;
  if (pipeline.status === 'waiting' && pending.length > 0) {
    return `cancelled on request while waiting for ${pending.join(', ')}`;
  }
  return `cancelled on request while ${pipeline.status}`;
}
