/**
 * The "video ready" document the publishVideoReady step sends: built from the stages and
 * the fetchPlayInfo step's output.
 */
import type { PlayInfo } from '../activities/playInfo';
import type { StageName } from '../shared/pipelineOptions';
import type { StepContext } from './stepDefinition';

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

/** Built in the workflow (deterministic), so every retry of a publication sends the same bytes. */
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
