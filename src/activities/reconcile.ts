import type { StageName } from '../shared/pipelineOptions';
import type { ReconciliationReport, SnapshotResult, StageReport, StreamResult } from '../shared/videoState';
import { isWebUrl, webUrlOrUndefined } from '../events/webUrl';
import { VodApiError, type VodApi } from './vodApi';
import { vodFailure } from './vodFailure';

export interface ReconcileInput {
  mediaId: string;
  region: string;
  /** Stages the workflow still waits for; only these are asked about. */
  stages: StageName[];
}

interface VideoInfoResponse {
  Video?: { Status?: string; Size?: number; CoverURL?: string; Duration?: number };
}
interface TranscodeSummaryResponse {
  NonExistVideoIds?: string[] | { VideoId?: string[] };
  TranscodeSummaryList?: TranscodeSummary[] | { TranscodeSummary?: TranscodeSummary[] };
}
interface TranscodeSummary {
  VideoId?: string;
  TranscodeStatus?: string;
  TranscodeJobInfoSummaryList?: JobSummary[] | { TranscodeJobInfoSummary?: JobSummary[] };
}
interface JobSummary {
  TranscodeTemplateId?: string;
  TranscodeJobStatus?: string;
  Format?: string;
  Width?: number | string;
  Height?: number | string;
  Bitrate?: number | string;
  Duration?: number | string;
  Filesize?: number | string;
  ErrorCode?: string;
  ErrorMessage?: string;
}
interface ListSnapshotsResponse {
  MediaSnapshot?: {
    Total?: number | string;
    Regular?: string;
    JobId?: string;
    Snapshots?: { Snapshot?: { Index?: number; Url?: string }[] };
  };
}
interface MezzanineResponse {
  Mezzanine?: { Status?: string; Size?: number | string };
}

const uploadDone = new Set(['UploadSucc', 'Transcoding', 'TranscodeFail', 'Checking', 'Blocked', 'Normal']);
const transcodeDoneStatus = new Set(['Normal', 'Checking', 'Blocked']);

/**
 * Asks the VOD API where a video stands, for the stages its events have not settled:
 * VOD drops events it failed to push three times and sends none for failed uploads.
 */
export async function reconcileVideo(
  vod: VodApi,
  input: ReconcileInput,
  now = new Date(),
): Promise<ReconciliationReport> {
  const checkedAt = now.toISOString();
  let info: VideoInfoResponse;
  try {
    info = await vod.call<VideoInfoResponse>(input.region, 'GetVideoInfo', { VideoId: input.mediaId });
  } catch (err) {
    if (err instanceof VodApiError && err.code === 'InvalidVideo.NotFound')
      return { checkedAt, videoFound: false };
    throw asFailure(err);
  }
  const videoStatus = info.Video?.Status ?? 'Unknown';
  const report: ReconciliationReport = { checkedAt, videoFound: true, videoStatus };
  const wants = new Set(input.stages);
  try {
    if (wants.has('upload')) report.upload = await uploadReport(vod, input, info);
    if (wants.has('transcode')) report.transcode = await transcodeReport(vod, input, videoStatus);
    if (wants.has('snapshot')) report.snapshot = await snapshotReport(vod, input, info);
  } catch (err) {
    throw asFailure(err);
  }
  return report;
}

async function uploadReport(
  vod: VodApi,
  input: ReconcileInput,
  info: VideoInfoResponse,
): Promise<StageReport & { size?: number }> {
  const status = info.Video?.Status ?? 'Unknown';
  const size = num(info.Video?.Size);
  if (uploadDone.has(status))
    return { status: 'succeeded', detail: `video status ${status}`, ...(size ? { size } : {}) };
  if (status === 'UploadFail') return { status: 'failed', detail: 'video status UploadFail' };
  // Video.Status lags for some upload paths; the mezzanine's own status is the second opinion.
  try {
    const mezzanine = await vod.call<MezzanineResponse>(input.region, 'GetMezzanineInfo', {
      VideoId: input.mediaId,
    });
    const mezzStatus = mezzanine.Mezzanine?.Status;
    const mezzSize = num(mezzanine.Mezzanine?.Size);
    if (mezzStatus === 'Normal') {
      return {
        status: 'succeeded',
        detail: 'mezzanine status Normal',
        ...(mezzSize ? { size: mezzSize } : {}),
      };
    }
    if (mezzStatus === 'UploadFail') return { status: 'failed', detail: 'mezzanine status UploadFail' };
  } catch (err) {
    if (err instanceof VodApiError && err.retryable) throw err;
    // No mezzanine yet (or the API does not know it): the video status stands.
  }
  return { status: 'pending', detail: `video status ${status}` };
}

async function transcodeReport(
  vod: VodApi,
  input: ReconcileInput,
  videoStatus: string,
): Promise<StageReport & { streams: StreamResult[] }> {
  let summary: TranscodeSummary | undefined;
  try {
    const response = await vod.call<TranscodeSummaryResponse>(input.region, 'GetTranscodeSummary', {
      VideoIds: input.mediaId,
    });
    summary = list(response.TranscodeSummaryList, 'TranscodeSummary').find(
      (s) => s.VideoId === undefined || s.VideoId === input.mediaId,
    );
  } catch (err) {
    if (err instanceof VodApiError && err.retryable) throw err;
  }
  if (summary?.TranscodeStatus) {
    const jobs = list(summary.TranscodeJobInfoSummaryList, 'TranscodeJobInfoSummary');
    const streams = jobs.map(streamFromJob);
    switch (summary.TranscodeStatus) {
      case 'CompleteAllSucc':
      case 'CompletePartialSucc':
        return { status: 'succeeded', detail: `transcode ${summary.TranscodeStatus}`, streams };
      case 'CompleteAllFail':
        return { status: 'failed', detail: 'transcode CompleteAllFail', streams };
      default:
        return { status: 'pending', detail: `transcode ${summary.TranscodeStatus}`, streams: [] };
    }
  }
  // No summary: fall back on the video's status.
  if (transcodeDoneStatus.has(videoStatus))
    return { status: 'succeeded', detail: `video status ${videoStatus}`, streams: [] };
  if (videoStatus === 'TranscodeFail')
    return { status: 'failed', detail: 'video status TranscodeFail', streams: [] };
  return { status: 'pending', detail: `video status ${videoStatus}`, streams: [] };
}

async function snapshotReport(
  vod: VodApi,
  input: ReconcileInput,
  info: VideoInfoResponse,
): Promise<StageReport & { coverUrl?: string; snapshots: SnapshotResult[] }> {
  const coverUrl = webUrlOrUndefined(info.Video?.CoverURL);
  let snapshot: ListSnapshotsResponse['MediaSnapshot'];
  try {
    const response = await vod.call<ListSnapshotsResponse>(input.region, 'ListSnapshots', {
      VideoId: input.mediaId,
      SnapshotType: 'CoverSnapshot',
    });
    snapshot = response.MediaSnapshot;
  } catch (err) {
    if (err instanceof VodApiError && err.retryable) throw err;
  }
  const urls = (snapshot?.Snapshots?.Snapshot ?? []).map((s) => s.Url).filter(isWebUrl);
  const urlTemplate = webUrlOrUndefined(snapshot?.Regular);
  const total = num(snapshot?.Total) ?? urls.length;
  if (total > 0) {
    return {
      status: 'succeeded',
      detail: `${total} cover snapshots`,
      ...(coverUrl ? { coverUrl } : {}),
      snapshots: [
        {
          type: 'CoverSnapshot',
          status: 'success',
          count: total,
          ...(urlTemplate ? { urlTemplate } : {}),
          urls: urls.slice(0, 10),
          ...(snapshot?.JobId ? { jobId: snapshot.JobId } : {}),
        },
      ],
    };
  }
  return { status: 'pending', detail: 'no snapshots yet', snapshots: [] };
}

function streamFromJob(job: JobSummary, index: number): StreamResult {
  const ok = job.TranscodeJobStatus === 'TranscodeSuccess';
  const out: StreamResult = { key: job.TranscodeTemplateId ?? `#${index}`, status: ok ? 'success' : 'fail' };
  if (job.Format) out.format = job.Format;
  const width = num(job.Width);
  const height = num(job.Height);
  const bitrate = num(job.Bitrate);
  const duration = num(job.Duration);
  const size = num(job.Filesize);
  if (width !== undefined) out.width = width;
  if (height !== undefined) out.height = height;
  if (bitrate !== undefined) out.bitrate = bitrate;
  if (duration !== undefined) out.duration = duration;
  if (size !== undefined) out.size = size;
  if (job.ErrorCode) out.errorCode = job.ErrorCode;
  if (job.ErrorMessage) out.errorMessage = job.ErrorMessage;
  return out;
}

/** JSON from VOD wraps repeated elements: `{ Item: [...] }`; some responses give the bare array. */
function list<T>(value: T[] | Record<string, T[] | undefined> | undefined, wrapper: string): T[] {
  if (!value) return [];
  if (Array.isArray(value)) return value;
  return value[wrapper] ?? [];
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

function asFailure(err: unknown): unknown {
  return err instanceof VodApiError ? vodFailure(err) : err;
}
