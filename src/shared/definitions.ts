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
  /** Carried across continue-as-new; absent on a first start. */
  carried?: unknown;
}

export type PipelineOrigin = 'event' | 'backfill';

/**
 * waiting: required stages outstanding · processing: running downstream steps (or waiting
 * for a review) · completed: steps done, lingering for late events · failed: a required
 * stage or a step failed · rejected: a review gate said no (both can still be revived by a
 * later event while lingering) · stalled / deleted: final.
 */
export type PipelineStatus =
  'waiting' | 'processing' | 'completed' | 'failed' | 'rejected' | 'stalled' | 'deleted';

/**
 * One downstream step's latest outcome. running: started, not settled yet · succeeded ·
 * failed (a non-optional failure fails the video; an optional one only its dependents) ·
 * skipped: its `when` said no, or (with `blockedBy`) an optional dependency failed ·
 * rejected: a review gate's decision was no.
 */
export type StepStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'rejected';

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
}

export interface VideoPipelineResult {
  mediaId: string;
  region: string;
  status: 'completed' | 'failed' | 'rejected' | 'stalled' | 'deleted';
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
  stepGraph: { name: string; dependsOn: string[]; kind: 'activity' | 'review'; optional: boolean }[];
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
