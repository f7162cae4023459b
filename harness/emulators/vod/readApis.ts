import { apiErrors } from './errors';
import { snapshotUrl, vodTime } from './events';
import { noTranscodeTemplateGroupId, type StreamPlan, type VideoPlan } from './plan';
import { isDeleted, lastModified, playStatus, videoStatus } from './videoState';

/**
 * The read APIs the workflow uses for reconciliation (docs/VOD-API.md), answered from the
 * simulated videos. JSON keeps VOD's XML-derived shapes: repeated elements inside wrapper
 * objects where VOD's JSON has them (PlayInfoList.PlayInfo[], Snapshots.Snapshot[]).
 */
export type Params = Record<string, string>;
export type Body = Record<string, unknown>;

export interface ReadContext {
  now: number;
  video(videoId: string): VideoPlan | undefined;
}

function required(params: Params, name: string): string {
  const value = params[name];
  if (value === undefined || value === '') throw apiErrors.missingParameter(name);
  return value;
}

function liveVideo(ctx: ReadContext, videoId: string): VideoPlan {
  const plan = ctx.video(videoId);
  if (!plan || isDeleted(plan, ctx.now)) throw apiErrors.videoNotFound();
  return plan;
}

function intParam(params: Params, name: string, dflt: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw apiErrors.invalidParameter(name, `Expected an integer in [${min}, ${max}].`);
  }
  return n;
}

function listParam(params: Params, name: string): string[] | null {
  const raw = params[name];
  if (raw === undefined || raw === '') return null;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function snapshotsDone(plan: VideoPlan, now: number): boolean {
  return plan.snapshot !== null && plan.snapshot.ok && now >= plan.snapshot.at;
}

function coverUrl(plan: VideoPlan, now: number): string | undefined {
  const snap = plan.snapshot;
  return snap && snapshotsDone(plan, now) ? snapshotUrl(snap.regular, snap.coverIndex) : undefined;
}

function analysed(plan: VideoPlan, now: number): boolean {
  return plan.analysisOk && now >= plan.analysisAt;
}

export function getVideoInfo(params: Params, ctx: ReadContext): Body {
  const plan = liveVideo(ctx, required(params, 'VideoId'));
  const { now } = ctx;
  const cover = coverUrl(plan, now);
  const snap = plan.snapshot;
  return {
    Video: {
      VideoId: plan.videoId,
      Title: plan.title,
      Description: '',
      ...(analysed(plan, now) || (plan.transcode === null && now >= plan.uploadAt)
        ? { Duration: plan.source.duration }
        : {}),
      ...(cover ? { CoverURL: cover } : {}),
      Status: videoStatus(plan, now),
      CreationTime: vodTime(plan.createdAt),
      ModificationTime: vodTime(lastModified(plan, now)),
      ...(now >= plan.uploadAt ? { Size: plan.source.size } : {}),
      Snapshots: {
        Snapshot:
          snap && snapshotsDone(plan, now)
            ? Array.from({ length: snap.count }, (_, i) => snapshotUrl(snap.regular, i + 1))
            : [],
      },
      CateId: -1,
      CateName: '',
      Tags: '',
      TemplateGroupId: plan.transcode?.templateGroupId ?? noTranscodeTemplateGroupId,
      StorageLocation: `outin-emulator.oss-${plan.regionId}.aliyuncs.com`,
      RegionId: plan.regionId,
      AppId: plan.appId,
      AuditStatus: 'Normal',
    },
  };
}

function doneStreams(plan: VideoPlan, now: number): StreamPlan[] {
  return (plan.transcode?.streams ?? []).filter((s) => s.ok && now >= s.completeAt);
}

/** The source file as an OD stream: what a "No Transcoding" video plays. */
function originalStream(plan: VideoPlan): StreamPlan {
  const s = plan.source;
  return {
    jobId: `${plan.videoId.slice(0, 16)}${'0'.repeat(16)}`,
    templateId: noTranscodeTemplateGroupId,
    definition: 'OD',
    format: 'mp4',
    width: s.width,
    height: s.height,
    bitrate: s.bitrate,
    fps: s.fps,
    duration: s.duration,
    size: s.size,
    fileUrl: s.fileUrl,
    startAt: plan.uploadAt,
    completeAt: plan.uploadAt,
    ok: true,
  };
}

export function getPlayInfo(params: Params, ctx: ReadContext): Body {
  const plan = liveVideo(ctx, required(params, 'VideoId'));
  const { now } = ctx;
  const status = playStatus(plan, now);
  if (status !== 'Normal') throw apiErrors.illegalStatus(status);
  const formats = listParam(params, 'Formats');
  const definitions = listParam(params, 'Definition');
  const streamTypes = listParam(params, 'StreamType');
  const outputType = params.OutputType ?? 'cdn';
  if (outputType !== 'cdn' && outputType !== 'oss') {
    throw apiErrors.invalidParameter('OutputType', 'Expected cdn or oss.');
  }
  const resultType = params.ResultType ?? 'Single';
  if (resultType !== 'Single' && resultType !== 'Multiple') {
    throw apiErrors.invalidParameter('ResultType', 'Expected Single or Multiple.');
  }
  intParam(params, 'AuthTimeout', 3600, 1, 2_592_000);
  const candidates = plan.transcode ? doneStreams(plan, now) : [originalStream(plan)];
  const streams = candidates.filter(
    (s) =>
      (formats === null || formats.includes(s.format)) &&
      (definitions === null || definitions.includes(s.definition)) &&
      (streamTypes === null || streamTypes.includes('video')) &&
      (outputType === 'cdn' || s.format === 'mp4'),
  );
  if (streams.length === 0) throw apiErrors.noneStream();
  const cover = coverUrl(plan, now);
  return {
    VideoBase: {
      VideoId: plan.videoId,
      Title: plan.title,
      Duration: String(plan.source.duration),
      ...(cover ? { CoverURL: cover } : {}),
      Status: videoStatus(plan, now),
      CreationTime: vodTime(plan.createdAt),
      MediaType: 'video',
    },
    PlayInfoList: {
      PlayInfo: streams.map((s) => ({
        PlayURL: s.fileUrl,
        Definition: s.definition,
        Format: s.format,
        Bitrate: String(s.bitrate),
        Duration: String(s.duration),
        Width: s.width,
        Height: s.height,
        Size: s.size,
        Fps: String(s.fps),
        Encrypt: 0,
        StreamType: 'video',
        JobId: s.jobId,
        Status: 'Normal',
        Specification: `H264.${s.definition}`,
        NarrowBandType: '0',
        WatermarkId: '',
        CreationTime: vodTime(s.completeAt),
        ModificationTime: vodTime(s.completeAt),
      })),
    },
  };
}

function jobStatus(s: StreamPlan, now: number): 'Transcoding' | 'TranscodeSuccess' | 'TranscodeFail' {
  if (now < s.completeAt) return 'Transcoding';
  return s.ok ? 'TranscodeSuccess' : 'TranscodeFail';
}

function progress(s: StreamPlan, now: number): number {
  if (now >= s.completeAt) return 100;
  if (now < s.startAt || !Number.isFinite(s.completeAt)) return 0;
  return Math.floor(((now - s.startAt) / (s.completeAt - s.startAt)) * 100);
}

function transcodeSummary(plan: VideoPlan, now: number): Body {
  const t = plan.transcode;
  if (!t) {
    // "No Transcoding": nothing to wait for. The shape VOD gives here is undocumented.
    return {
      VideoId: plan.videoId,
      TranscodeTemplateGroupId: noTranscodeTemplateGroupId,
      CreationTime: vodTime(plan.createdAt),
      ...(now >= plan.uploadAt ? { CompleteTime: vodTime(plan.uploadAt) } : {}),
      TranscodeStatus: now >= plan.uploadAt ? 'CompleteAllSucc' : 'Processing',
      TranscodeJobInfoSummaryList: [],
    };
  }
  const started = now >= t.startAt;
  const complete = now >= t.completeAt;
  const jobs = started ? t.streams.filter((s) => now >= s.startAt) : [];
  let status: string;
  if (!complete) status = 'Processing';
  else if (t.sourceBad || t.streams.every((s) => !s.ok)) status = 'CompleteAllFail';
  else if (t.streams.every((s) => s.ok)) status = 'CompleteAllSucc';
  else status = 'CompletePartialSucc';
  return {
    VideoId: plan.videoId,
    TranscodeTemplateGroupId: t.templateGroupId,
    CreationTime: vodTime(started ? t.startAt : plan.createdAt),
    ...(complete ? { CompleteTime: vodTime(t.completeAt) } : {}),
    TranscodeStatus: status,
    TranscodeJobInfoSummaryList: jobs.map((s) => {
      const done = now >= s.completeAt;
      return {
        TranscodeTemplateId: s.templateId,
        TranscodeJobStatus: jobStatus(s, now),
        TranscodeProgress: progress(s, now),
        Format: s.format,
        ...(done && s.ok
          ? {
              Width: String(s.width),
              Height: String(s.height),
              Bitrate: String(s.bitrate),
              Duration: String(s.duration),
              Fps: String(s.fps),
              Filesize: s.size,
            }
          : {}),
        WatermarkIdList: [],
        ...(done && !s.ok ? { ErrorCode: s.errorCode, ErrorMessage: s.errorMessage } : {}),
        CreationTime: vodTime(s.startAt),
        ...(done ? { CompleteTime: vodTime(s.completeAt) } : {}),
      };
    }),
  };
}

export function getTranscodeSummary(params: Params, ctx: ReadContext): Body {
  const ids = listParam(params, 'VideoIds');
  if (ids === null) throw apiErrors.missingParameter('VideoIds');
  if (ids.length > 10) throw apiErrors.invalidParameter('VideoIds', 'At most 10 video ids.');
  const nonExist: string[] = [];
  const summaries: Body[] = [];
  for (const id of ids) {
    const plan = ctx.video(id);
    if (!plan || isDeleted(plan, ctx.now)) nonExist.push(id);
    else summaries.push(transcodeSummary(plan, ctx.now));
  }
  return { NonExistVideoIds: nonExist, TranscodeSummaryList: summaries };
}

const snapshotTypes = [
  'CoverSnapshot',
  'NormalSnapshot',
  'SpriteSnapshot',
  'SpriteOriginSnapshot',
  'WebVttSnapshot',
];

export function listSnapshots(params: Params, ctx: ReadContext): Body {
  const plan = liveVideo(ctx, required(params, 'VideoId'));
  const type = params.SnapshotType;
  if (type !== undefined && type !== '' && !snapshotTypes.includes(type)) {
    throw apiErrors.invalidParameter('SnapshotType', `Expected one of ${snapshotTypes.join(', ')}.`);
  }
  const pageSize = intParam(params, 'PageSize', 20, 1, 100);
  const pageNo = intParam(params, 'PageNo', 1, 1, 1_000_000);
  intParam(params, 'AuthTimeout', 3600, 3600, 2_592_000);
  const snap = plan.snapshot;
  // The emulator only takes cover snapshots; other types have no job, like a video without templates.
  if (
    !snap ||
    !snapshotsDone(plan, ctx.now) ||
    (type !== undefined && type !== '' && type !== 'CoverSnapshot')
  ) {
    return { MediaSnapshot: { Total: 0, Snapshots: { Snapshot: [] } } };
  }
  const first = (pageNo - 1) * pageSize + 1;
  const indexes: number[] = [];
  for (let i = first; i <= snap.count && i < first + pageSize; i++) indexes.push(i);
  return {
    MediaSnapshot: {
      Total: snap.count,
      Regular: snap.regular,
      CreationTime: vodTime(snap.at),
      JobId: snap.jobId,
      Snapshots: { Snapshot: indexes.map((i) => ({ Index: i, Url: snapshotUrl(snap.regular, i) })) },
    },
  };
}

export function getMezzanineInfo(params: Params, ctx: ReadContext): Body {
  const plan = liveVideo(ctx, required(params, 'VideoId'));
  const { now } = ctx;
  const outputType = params.OutputType ?? 'oss';
  if (outputType !== 'cdn' && outputType !== 'oss') {
    throw apiErrors.invalidParameter('OutputType', 'Expected oss or cdn.');
  }
  intParam(params, 'AuthTimeout', 1800, 1, 2_592_000);
  const addition = listParam(params, 'AdditionType') ?? [];
  const uploaded = now >= plan.uploadAt;
  const s = plan.source;
  const known = analysed(plan, now);
  return {
    Mezzanine: {
      VideoId: plan.videoId,
      FileName: s.fileName,
      FileURL: s.fileUrl,
      Status: uploaded ? 'Normal' : 'Uploading',
      CreationTime: vodTime(plan.createdAt),
      ...(uploaded ? { Size: s.size } : {}),
      ...(known
        ? {
            Duration: String(s.duration),
            Width: s.width,
            Height: s.height,
            Bitrate: String(s.bitrate),
            Fps: String(s.fps),
          }
        : {}),
      OutputType: outputType,
      ...(known && addition.includes('video')
        ? {
            VideoStreamList: [
              {
                Index: '0',
                CodecName: 'h264',
                CodecLongName: 'H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10',
                Profile: 'High',
                Width: String(s.width),
                Height: String(s.height),
                Fps: String(s.fps),
                AvgFPS: String(s.fps),
                Bitrate: String(s.bitrate - 128),
                Duration: String(s.duration),
                NumFrames: String(Math.round(s.duration * s.fps)),
                PixFmt: 'yuv420p',
                Dar: '16:9',
                Sar: '1:1',
                Rotate: '0',
              },
            ],
          }
        : {}),
      ...(known && addition.includes('audio')
        ? {
            AudioStreamList: [
              {
                Index: '1',
                CodecName: 'aac',
                SampleRate: '44100',
                Channels: '2',
                ChannelLayout: 'stereo',
                Bitrate: '128',
                Duration: String(s.duration),
              },
            ],
          }
        : {}),
    },
  };
}
