import type { StreamPlan, VideoPlan } from './plan';

/**
 * Event bodies exactly as VOD documents them (docs/VOD-API.md), loose types included: VOD sends
 * Bitrate and Fps as strings next to numeric Width/Height/Size, and VideoAnalysisComplete's
 * numbers all as strings. Key order follows the documented samples.
 */
export type EventBody = Record<string, unknown>;

export interface PlannedEvent {
  /** Epoch ms the event is due (Infinity: a frozen stage that never fires by itself). */
  at: number;
  eventType: string;
  body: EventBody;
}

/** UTC, second resolution, as VOD writes EventTime. */
export function vodTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function withExtend(body: EventBody, plan: VideoPlan): EventBody {
  return plan.extend === undefined ? body : { ...body, Extend: plan.extend };
}

function streamFields(s: StreamPlan): EventBody {
  if (!s.ok) {
    return {
      Status: 'fail',
      Definition: s.definition,
      Format: s.format,
      JobId: s.jobId,
      ErrorCode: s.errorCode,
      ErrorMessage: s.errorMessage,
    };
  }
  return {
    Status: 'success',
    Bitrate: String(s.bitrate),
    Definition: s.definition,
    Duration: s.duration,
    Encrypt: false,
    FileUrl: s.fileUrl,
    Format: s.format,
    Fps: String(s.fps),
    Height: s.height,
    Size: s.size,
    Width: s.width,
    JobId: s.jobId,
  };
}

export function fileUploadComplete(plan: VideoPlan): EventBody {
  return withExtend(
    {
      Status: 'success',
      EventTime: vodTime(plan.uploadAt),
      EventType: 'FileUploadComplete',
      VideoId: plan.videoId,
      Size: plan.source.size,
      FileUrl: plan.source.fileUrl,
    },
    plan,
  );
}

export function videoAnalysisComplete(plan: VideoPlan): EventBody {
  const base = { VideoId: plan.videoId };
  const tail = { EventTime: vodTime(plan.analysisAt), EventType: 'VideoAnalysisComplete' };
  if (!plan.analysisOk) {
    return {
      ...base,
      ...tail,
      Status: 'fail',
      ErrorCode: 'InvalidParameter.ResourceContentBad',
      ErrorMessage: 'The resource operated InputFile is bad',
    };
  }
  const s = plan.source;
  return {
    ...base,
    Duration: String(s.duration),
    Height: String(s.height),
    Width: String(s.width),
    Fps: String(s.fps),
    Bitrate: String(s.bitrate),
    Size: String(s.size),
    ...tail,
    Status: 'success',
  };
}

export function streamTranscodeComplete(plan: VideoPlan, s: StreamPlan): EventBody {
  const fields = streamFields(s);
  const { Status, ...rest } = fields;
  return withExtend(
    {
      EventTime: vodTime(s.completeAt),
      EventType: 'StreamTranscodeComplete',
      VideoId: plan.videoId,
      Status,
      ...rest,
      IsAudio: false,
      StartTime: vodTime(s.startAt),
      FinishTime: vodTime(s.completeAt),
    },
    plan,
  );
}

export function transcodeComplete(plan: VideoPlan): EventBody {
  const t = plan.transcode;
  if (!t) throw new Error('transcodeComplete: the video has no transcode');
  const head = { EventTime: vodTime(t.completeAt), EventType: 'TranscodeComplete', VideoId: plan.videoId };
  if (t.sourceBad) {
    return withExtend(
      {
        ...head,
        Status: 'fail',
        ErrorCode: 'InvalidParameter.ResourceContentBad',
        ErrorMessage: 'The resource operated InputFile is bad',
      },
      plan,
    );
  }
  return {
    ...head,
    // success when at least one stream succeeded, as VOD reports it (docs/VOD-API.md, "TranscodeComplete")
    Status: t.streams.some((s) => s.ok) ? 'success' : 'fail',
    ...(plan.extend === undefined ? {} : { Extend: plan.extend }),
    StreamInfos: t.streams.map(streamFields),
  };
}

export function snapshotUrl(regular: string, index: number): string {
  return regular.replace('{SnapshotCount}', String(index).padStart(5, '0'));
}

export function snapshotComplete(plan: VideoPlan): EventBody {
  const snap = plan.snapshot;
  if (!snap) throw new Error('snapshotComplete: the video has no snapshot job');
  const head = { EventType: 'SnapshotComplete', EventTime: vodTime(snap.at), VideoId: plan.videoId };
  if (!snap.ok) {
    return withExtend(
      {
        ...head,
        Status: 'fail',
        ErrorCode: 'InvalidParameter.ResourceContentBad',
        ErrorMessage: 'The snapshot job failed (emulated).',
      },
      plan,
    );
  }
  return withExtend(
    {
      ...head,
      Status: 'success',
      CoverUrl: snapshotUrl(snap.regular, snap.coverIndex),
      SnapshotInfos: [
        {
          Status: 'success',
          SnapshotType: 'CoverSnapshot',
          SnapshotCount: snap.count,
          SnapshotFormat: snap.format,
          SnapshotRegular: snap.regular,
          JobId: snap.jobId,
        },
      ],
    },
    plan,
  );
}

export function mediaBaseChangeComplete(plan: VideoPlan, mode: 'create' | 'delete', at: number): EventBody {
  const content =
    mode === 'create'
      ? { Title: JSON.stringify({ NewValue: plan.title }) }
      : { Title: JSON.stringify({ OldValue: plan.title }) };
  return {
    EventType: 'MediaBaseChangeComplete',
    EventTime: vodTime(at),
    Status: 'success',
    MediaId: plan.videoId,
    MediaType: 'video',
    OperateMode: mode,
    MediaContent: content,
  };
}

export function deleteMediaComplete(plan: VideoPlan, at: number): EventBody {
  return {
    EventType: 'DeleteMediaComplete',
    EventTime: vodTime(at),
    Status: 'success',
    MediaType: 'video',
    DeleteType: 'all',
    MediaId: plan.videoId,
  };
}

/** Every event an upload plan produces up to now or later, in timeline order; frozen stages produce none. */
export function planEvents(plan: VideoPlan): PlannedEvent[] {
  const due: Array<{ at: number; eventType: string; build: () => EventBody }> = [
    {
      at: plan.createdAt,
      eventType: 'MediaBaseChangeComplete',
      build: () => mediaBaseChangeComplete(plan, 'create', plan.createdAt),
    },
    { at: plan.uploadAt, eventType: 'FileUploadComplete', build: () => fileUploadComplete(plan) },
  ];
  const t = plan.transcode;
  if (t) {
    // "No Transcoding" uploads emit only FileUploadComplete (docs/VOD-API.md): analysis is for transcoded ones.
    due.push({
      at: plan.analysisAt,
      eventType: 'VideoAnalysisComplete',
      build: () => videoAnalysisComplete(plan),
    });
    for (const s of t.streams) {
      due.push({
        at: s.completeAt,
        eventType: 'StreamTranscodeComplete',
        build: () => streamTranscodeComplete(plan, s),
      });
    }
    due.push({ at: t.completeAt, eventType: 'TranscodeComplete', build: () => transcodeComplete(plan) });
  }
  const snap = plan.snapshot;
  if (snap) due.push({ at: snap.at, eventType: 'SnapshotComplete', build: () => snapshotComplete(plan) });
  return due
    .filter((e) => Number.isFinite(e.at))
    .sort((a, b) => a.at - b.at)
    .map((e) => ({ at: e.at, eventType: e.eventType, body: e.build() }));
}
