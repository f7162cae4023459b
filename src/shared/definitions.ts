/**
 * Signals, queries and inputs of the video pipeline, in one place, shared by the
 * poller (which signals), the workflow (which handles) and tools (which query).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { VodEvent } from '../events/model';
import type { PipelineOptions, PipelineOptionsInput, StageName } from './pipelineOptions';
import type { ReconciliationReport, StageStatus, VideoState } from './videoState';

export const videoPipelineWorkflowType = 'videoPipeline';

/** One workflow per video. The id is safe because decode() validates mediaId's charset. */
export function videoWorkflowId(mediaId: string): string {
  return `vod-video-${mediaId}`;
}

/** What the poller sends for each MNS message: the decoded event and where it came from. */
export interface VideoEventDelivery {
  event: VodEvent;
  /** The VOD storage region of the queue the message came from, e.g. cn-shanghai. */
  region: string;
  /** MNS MessageId: stable across redeliveries of one message; for tracing only, never for dedupe. */
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
  /** Carried across continue-as-new; absent on a first start. */
  carried?: unknown;
}

/**
 * waiting: required stages outstanding · processing: running downstream steps ·
 * completed: steps done, lingering for late events · failed: a required stage or a step
 * failed (a later event can still revive it while lingering) · stalled / deleted: final.
 */
export type PipelineStatus = 'waiting' | 'processing' | 'completed' | 'failed' | 'stalled' | 'deleted';

export interface StepRecord {
  status: 'succeeded' | 'failed' | 'skipped';
  /** Stage fingerprint the step last ran on; it reruns when this changes. */
  version: string;
  atMs: number;
  output?: unknown;
  error?: string;
}

/** Everything the workflow knows; the pipelineState query returns it whole. */
export interface PipelineState {
  mediaId: string;
  region: string;
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
  reconciliation: { count: number; lastAtMs?: number; lastReport?: ReconciliationReport; lastError?: string };
  duplicates: number;
  /** Idempotency keys of delivered publications, newest last (bounded). */
  publications: string[];
}

export interface VideoPipelineResult {
  mediaId: string;
  region: string;
  status: 'completed' | 'failed' | 'stalled' | 'deleted';
  reason?: string;
  stages: Record<StageName, { status: StageStatus; version: number; source?: string }>;
  publications: string[];
  runs: number;
}

export type PipelineView = PipelineState & {
  options: PipelineOptions;
  queued: number;
  dedupeMemory: number;
};

/** The whole state, for tools and the Web UI's query tab. */
export const pipelineStateQuery = defineQuery<PipelineView>('pipelineState');
