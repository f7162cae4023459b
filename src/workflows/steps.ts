/**
 * Downstream (post-processing) steps, run in list order once every required stage
 * succeeded. A step reruns only when the stages it depends on changed (a re-transcode
 * reruns fetchPlayInfo and publishVideoReady; a new snapshot job only publishVideoReady).
 * Adding a step = one activity in src/activities + one entry here (docs/EXTENDING.md).
 */
import { proxyActivities } from '@temporalio/workflow';
import type { VodflowActivities } from '../activities';
import type { PlayInfo } from '../activities/playInfo';
import type { PipelineOptions, StageName } from '../shared/pipelineOptions';
import type { VideoState } from '../shared/videoState';

export interface StepContext {
  workflowId: string;
  mediaId: string;
  region: string;
  options: PipelineOptions;
  video: VideoState;
  /** Latest successful output of every earlier step, by step name. */
  outputs: Readonly<Record<string, unknown>>;
  /** Fingerprint of this step's inputs: the publication version, stable across retries. */
  version: string;
}

export interface PipelineStep {
  name: string;
  /** The step reruns when any of these stages' versions change. */
  dependsOn: readonly StageName[];
  /** Skip the step (recorded as skipped) when this says no. */
  when?: (ctx: StepContext) => boolean;
  /**
   * Set on a step added while workflows were already running: the runner checks
   * `patched(patchId)` so replaying an older history never meets the new activity.
   */
  patchId?: string;
  run(ctx: StepContext): Promise<unknown>;
}

const vodCalls = proxyActivities<VodflowActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    // GetPlayInfo answers Forbidden.IllegalStatus for a short while after a transcode: a few
    // minutes of backoff cover it; non-retryable VOD codes (NotFound, …) stop at once.
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
  },
});

const webhookCalls = proxyActivities<VodflowActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['WebhookRejected'],
  },
});

export const pipelineSteps: readonly PipelineStep[] = [
  {
    name: 'fetchPlayInfo',
    dependsOn: ['transcode'],
    // Without transcoding there are no streams to ask for.
    when: (ctx) => ctx.options.requiredStages.includes('transcode'),
    run: (ctx) => vodCalls.fetchPlayInfo({ mediaId: ctx.mediaId, region: ctx.region }),
  },
  {
    name: 'publishVideoReady',
    dependsOn: ['upload', 'transcode', 'snapshot'],
    run: (ctx) =>
      webhookCalls.publishVideoReady({
        idempotencyKey: `${ctx.workflowId}:publishVideoReady:${ctx.version}`,
        document: videoReadyDocument(ctx),
      }),
  },
];

export interface VideoReadyDocument {
  type: 'vodflow.video.ready';
  videoId: string;
  region: string;
  /** Publication version: changes only when a stage result changed. */
  version: string;
  duration: number | null;
  cover: string | null;
  streams: {
    url: string | null;
    definition: string | null;
    format: string | null;
    width: number | null;
    height: number | null;
    bitrate: number | null;
    size: number | null;
  }[];
  failedStreams: { key: string; errorCode: string | null; errorMessage: string | null }[];
  snapshots: { type: string; count: number; urls: string[] }[];
  source: { size: number | null };
  stages: Record<StageName, { status: string; completedAt: string | null; source: string | null }>;
}

/** Built in the workflow (deterministic), so every retry of a publication sends the same bytes. */
/** One stream as the "video ready" document shows it, from play info or from the events alike. */
function publishedStream(s: {
  url?: string | undefined;
  definition?: string | undefined;
  format?: string | undefined;
  width?: number | undefined;
  height?: number | undefined;
  bitrate?: number | undefined;
  size?: number | undefined;
}) {
  return {
    url: s.url ?? null,
    definition: s.definition ?? null,
    format: s.format ?? null,
    width: s.width ?? null,
    height: s.height ?? null,
    bitrate: s.bitrate ?? null,
    size: s.size ?? null,
  };
}

export function videoReadyDocument(ctx: StepContext): VideoReadyDocument {
  const { stages } = ctx.video;
  const play = ctx.outputs.fetchPlayInfo as PlayInfo | undefined;
  const streamsFromPlay = play?.streams.map(publishedStream);
  const streamsFromEvents = stages.transcode.streams
    .filter((s) => s.status === 'success')
    .map(publishedStream);
  const eventDuration = stages.transcode.streams.find((s) => s.duration !== undefined)?.duration;
  return {
    type: 'vodflow.video.ready',
    videoId: ctx.mediaId,
    region: ctx.region,
    version: ctx.version,
    duration: play?.duration ?? eventDuration ?? null,
    cover: stages.snapshot.coverUrl ?? play?.coverUrl ?? stages.snapshot.snapshots[0]?.urls[0] ?? null,
    streams: streamsFromPlay && streamsFromPlay.length > 0 ? streamsFromPlay : streamsFromEvents,
    failedStreams: stages.transcode.streams
      .filter((s) => s.status === 'fail')
      .map((s) => ({ key: s.key, errorCode: s.errorCode ?? null, errorMessage: s.errorMessage ?? null })),
    snapshots: stages.snapshot.snapshots
      .filter((s) => s.status === 'success')
      .map((s) => ({ type: s.type, count: s.count, urls: s.urls })),
    source: { size: stages.upload.size ?? null },
    stages: {
      upload: stageSummary(stages.upload),
      transcode: stageSummary(stages.transcode),
      snapshot: stageSummary(stages.snapshot),
    },
  };
}

function stageSummary(stage: { status: string; completedAt?: string; source?: string }) {
  return { status: stage.status, completedAt: stage.completedAt ?? null, source: stage.source ?? null };
}
