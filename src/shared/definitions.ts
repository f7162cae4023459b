/**
 * Signals, queries and inputs of the video pipeline, in one place, shared by the
 * poller (which signals), the workflow (which handles) and tools (which query).
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { VodEvent } from '../events/model';
import type { PipelineOptionsInput } from './pipelineOptions';

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

/** The whole state, for tools and the Web UI's query tab. Shape owned by the workflow. */
export const pipelineStateQuery = defineQuery<unknown>('pipelineState');
