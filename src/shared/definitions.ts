/**
 * Signals, queries and inputs of the video pipeline, in one place, shared by the
 * poller (which signals), the workflow (which handles) and tools (which query).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { VodEvent } from '../events/model';
import type { PipelineOptions, PipelineOptionsInput, StageName } from './pipelineOptions';
import type { ReconciliationReport, StageStatus, VideoState } from './videoState';

export const videoPipelineWorkflowType = 'videoPipeline';

/** One workflow per video. The id is safe because decode() validates mediaId's charset. */
export function videoWorkflowId(mediaId: string): string {
  return `vod-video-${mediaId}`;
}

/** What the poller (or the HTTP ingress) sends for each event: the decoded event and where it came from. */
export interface VideoEventDelivery {
  event: VodEvent;
  /** The VOD storage region of the queue the message came from, e.g. cn-shanghai. */
  region: string;
  /**
   * MNS MessageId (or, for an HTTP callback, `vod-http-…` of its body): stable across redeliveries
   * of one message; for tracing only, never for dedupe.
   */
  messageId: string;
}

export const vodEventSignal = defineSignal<[VideoEventDelivery]>('vodEvent');

/** Start input of videoPipeline. signalWithStart sends it only when no run is open. */
export interface VideoPipelineInput {
  mediaId: string;
  region: string;
  /**
   * Overrides of defaultPipelineOptions (required stages, deadlines, linger, continue-as-new
   * threshold). Absent: the defaults. Only read on a first start; later runs carry theirs.
   */
  options?: PipelineOptionsInput;
  /**
   * Who started the run: `event` (the poller or the ingress, the default) or `backfill` (a
   * sweep found a video with no pipeline): a backfilled run is marked (VodBackfilled) and asks
   * the VOD API at once instead of waiting for events first.
   */
  origin?: PipelineOrigin;
  /**
   * Carried across continue-as-new; absent on a first start. `vodflow rerun` of a closed run
   * also starts the next run with the closed run's handoff (pipelineHandoffQuery) here.
   */
  carried?: unknown;
  /** A rerun to apply as the run starts (`vodflow rerun` of a closed run; docs/OPERATIONS.md). */
  rerun?: RerunRequest;
}

export type PipelineOrigin = 'event' | 'backfill';

/**
 * waiting: required stages outstanding · processing: running downstream steps (or waiting
 * for a review) · completed: steps done, lingering for late events · failed: a required
 * stage or a step failed · rejected: a review gate said no (both can still be revived by a
 * later event while lingering) · stalled / deleted: final · cancelled: final, stopped on
 * request (`vodflow cancel`, the Web UI's Cancel) before it settled.
 */
export type PipelineStatus =
  'waiting' | 'processing' | 'completed' | 'failed' | 'rejected' | 'stalled' | 'deleted' | 'cancelled';

export const pipelineStatuses: readonly PipelineStatus[] = [
  'waiting',
  'processing',
  'completed',
  'failed',
  'rejected',
  'stalled',
  'deleted',
  'cancelled',
];

/** The statuses a pipeline ends with (its result's); the others say it is still going. */
export type FinishedPipelineStatus = Exclude<PipelineStatus, 'waiting' | 'processing'>;
export const finishedPipelineStatuses: readonly FinishedPipelineStatus[] = pipelineStatuses.filter(
  (s): s is FinishedPipelineStatus => s !== 'waiting' && s !== 'processing',
);

/**
 * One downstream step's latest outcome. running: started, not settled yet · succeeded ·
 * failed (a non-optional failure fails the video; an optional one only its dependents) ·
 * skipped: its `when` said no, or (with `blockedBy`) an optional dependency failed ·
 * rejected: a review gate's decision was no · cancelled: the pipeline was cancelled while
 * it ran (it runs again if the video is rerun).
 */
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'rejected' | 'cancelled';

export interface StepRecord {
  status: StepStatus;
  /** Fingerprint of the stage versions the step's inputs come from; it reruns when this changes. */
  version: string;
  /** Workflow time of the last change of this record (start, then settlement). */
  atMs: number;
  startedAtMs?: number;
  /** Activity attempts are counted by the worker's metrics; this counts runs of the step. */
  runs?: number;
  optional?: boolean;
  output?: unknown;
  error?: string;
  /** For a skipped step: the dependency whose failure it could not run without. */
  blockedBy?: string;
  /** A rerun asked for this step at its current version: it runs again, with the same key. */
  rerun?: true;
}

/** A review gate waiting for a decision (shown by the query and as VodStage "review"). */
export interface PendingReview {
  step: string;
  version: string;
  sinceMs: number;
  /** Workflow time at which the gate applies its default outcome. */
  deadlineMs: number;
  onTimeout: 'approve' | 'reject';
}

/** What `vodflow review` (or any client) sends to a video waiting for review. */
export interface ReviewDecision {
  /** The gate's step name; may be omitted when exactly one review is pending. */
  step?: string;
  approve: boolean;
  reason?: string;
  /** Who decided, for the record (a user name, a tool). */
  reviewer?: string;
}

/** What a review gate step outputs; its dependents see it in `ctx.outputs`. */
export interface ReviewOutcome {
  approved: boolean;
  reason: string | null;
  decidedBy: 'reviewer' | 'timeout';
  reviewer: string | null;
  atMs: number;
}

/** Everything the workflow knows; the pipelineState query returns it whole. */
export interface PipelineState {
  mediaId: string;
  region: string;
  /** Absent on runs started before origins existed: those came from events. */
  origin?: PipelineOrigin;
  startedAtMs: number;
  /** 1 for the first run, +1 per continue-as-new. */
  run: number;
  status: PipelineStatus;
  reason?: string;
  /** When the status last became completed/failed: the linger window starts here. */
  settledAtMs?: number;
  video: VideoState;
  /** Workflow time at which a stage first succeeded; transcode/snapshot deadlines count from upload's. */
  stageSettledAtMs: Partial<Record<StageName, number>>;
  steps: Record<string, StepRecord>;
  /** Review gates waiting for a decision now. */
  reviews: PendingReview[];
  reconciliation: { count: number; lastAtMs?: number; lastReport?: ReconciliationReport; lastError?: string };
  duplicates: number;
  /** Idempotency keys of delivered publications, newest last (bounded). */
  publications: string[];
  /**
   * Rerun generation per step (`vodflow rerun --new-publication`): appended to the step's
   * version as `-r<n>`, so its idempotency key is new. Absent until the first such rerun.
   */
  stepGenerations?: Record<string, number>;
  /** Reruns applied to this pipeline, newest last (bounded); absent until the first. */
  reruns?: RerunRecord[];
}

export interface VideoPipelineResult {
  mediaId: string;
  region: string;
  status: 'completed' | 'failed' | 'rejected' | 'stalled' | 'deleted' | 'cancelled';
  reason?: string;
  stages: Record<StageName, { status: StageStatus; version: number; source?: string }>;
  publications: string[];
  runs: number;
}

export type PipelineView = PipelineState & {
  options: PipelineOptions;
  queued: number;
  dedupeMemory: number;
  /** The step graph this worker runs, in the order steps start when ready together. */
  stepGraph: {
    name: string;
    dependsOn: string[];
    /** The steps it waits for: its dependsOn steps and those naming it in their `before`. */
    waitsFor: string[];
    kind: 'activity' | 'review';
    optional: boolean;
  }[];
};

/** The whole state, for tools and the Web UI's query tab. */
export const pipelineStateQuery = defineQuery<PipelineView>('pipelineState');

/**
 * A review gate's decision. An update rather than a signal, so the sender learns at once
 * whether a review was pending (the validator refuses otherwise, and nothing is recorded).
 */
export const reviewDecisionUpdate = defineUpdate<ReviewOutcome & { step: string }, [ReviewDecision]>(
  'reviewDecision',
);

/**
 * What `vodflow rerun` asks of a pipeline. `from` names a step: it and every step depending on
 * it rerun; without it every step does. By default each reruns at its current version, so
 * with the same idempotency key (receivers deduplicate); `newPublication` bumps the rerun
 * steps' generation instead, which gives them new keys.
 */
export interface RerunRequest {
  from?: string;
  newPublication?: boolean;
  /** Who asked and why, for the record. */
  requestedBy?: string;
  reason?: string;
}

/** A rerun as the pipeline recorded it. */
export interface RerunRecord {
  atMs: number;
  /** The steps it reran, in graph order. */
  steps: string[];
  from?: string;
  newPublication: boolean;
  requestedBy?: string;
  reason?: string;
  /** The run it was applied in (`run` of the pipeline). */
  run: number;
}

/**
 * Reruns the downstream steps of an open run (running or lingering after it settled). The
 * validator refuses unknown steps and pipelines whose required stages are not complete,
 * and nothing is recorded then. A closed run is rerun by starting its next run with the
 * handoff and `VideoPipelineInput.rerun` (src/operations/rerun.ts).
 */
export const rerunStepsUpdate = defineUpdate<RerunRecord, [RerunRequest]>('rerunSteps');

/** Everything one run hands to the next: what continue-as-new carries. */
export interface PipelineHandoff {
  pipeline: PipelineState;
  options: PipelineOptions;
  /** The dedupe memory's event identities, oldest first. */
  seen: string[];
  /** Deliveries not applied yet. */
  queue: VideoEventDelivery[];
}

/**
 * The handoff at this point of the run. Asked of a closed run (a worker replays it), it gives
 * the state the run ended with, so `vodflow rerun` can continue a closed pipeline.
 */
export const pipelineHandoffQuery = defineQuery<PipelineHandoff>('pipelineHandoff');
