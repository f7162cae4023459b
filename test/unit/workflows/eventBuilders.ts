// Decoded events as src/events' decode() produces them, for the state machine's and the
// workflow's tests. Identities follow the contract: same for one event delivered twice,
// different for new work.
import type { SnapshotInfo, StreamInfo, VodEvent } from '../../../src/events/model';

const time = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString();

export function uploadEvent(videoId: string, status: 'success' | 'fail' = 'success', second = 1): VodEvent {
  return {
    eventType: 'FileUploadComplete',
    mediaId: videoId,
    status,
    eventTime: time(second),
    identity: `FileUploadComplete:${videoId}:${status}:${second}`,
    payload: {
      VideoId: videoId,
      Size: 1439213,
      FileUrl: `http://outin.oss-cn-shanghai.aliyuncs.com/${videoId}.mp4`,
      ...(status === 'fail' ? { ErrorCode: 'UploadFail', ErrorMessage: 'broken upload' } : {}),
    },
  };
}

export function stream(jobId: string, status: 'success' | 'fail' = 'success', definition = 'LD'): StreamInfo {
  return {
    Status: status,
    JobId: jobId,
    Definition: definition,
    Format: 'mp4',
    Duration: 15,
    Bitrate: 925,
    Width: 540,
    Height: 960,
    Size: 1815321,
    ...(status === 'success'
      ? { FileUrl: `http://vod.example.com/${jobId}.mp4` }
      : { ErrorCode: 'TranscodeFail', ErrorMessage: `stream ${jobId} failed` }),
  };
}

export function streamEvent(videoId: string, info: StreamInfo, second = 2): VodEvent {
  return {
    eventType: 'StreamTranscodeComplete',
    mediaId: videoId,
    status: info.Status ?? 'success',
    eventTime: time(second),
    identity: `StreamTranscodeComplete:${videoId}:${info.JobId}:${info.Status}`,
    payload: { ...info, VideoId: videoId },
  };
}

export function transcodeEvent(
  videoId: string,
  streams: StreamInfo[],
  options: { status?: 'success' | 'fail'; second?: number; task?: string } = {},
): VodEvent {
  const status = options.status ?? (streams.some((s) => s.Status === 'success') ? 'success' : 'fail');
  const jobs = streams.map((s) => s.JobId).join(',');
  return {
    eventType: 'TranscodeComplete',
    mediaId: videoId,
    status,
    eventTime: time(options.second ?? 3),
    identity: `TranscodeComplete:${videoId}:${status}:${options.task ?? jobs}`,
    payload: { VideoId: videoId, StreamInfos: streams },
  };
}

export function snapshotInfo(jobId: string, type = 'CoverSnapshot', count = 3): SnapshotInfo {
  return {
    Status: 'success',
    SnapshotType: type,
    SnapshotCount: count,
    SnapshotFormat: `covers/${jobId}-{SnapshotCount}.jpg`,
    SnapshotRegular: `http://img.example.com/covers/${jobId}-{SnapshotCount}.jpg`,
    JobId: jobId,
  };
}

export function snapshotEvent(
  videoId: string,
  infos: SnapshotInfo[],
  options: { status?: 'success' | 'fail'; second?: number; subType?: string } = {},
): VodEvent {
  const status = options.status ?? 'success';
  const jobs = infos.map((s) => s.JobId).join(',');
  return {
    eventType: 'SnapshotComplete',
    mediaId: videoId,
    status,
    eventTime: time(options.second ?? 4),
    identity: `SnapshotComplete:${videoId}:${status}:${jobs || options.second}`,
    payload: {
      VideoId: videoId,
      ...(options.subType ? { SubType: options.subType } : {}),
      ...(status === 'success' && infos[0]
        ? { CoverUrl: `http://img.example.com/covers/${infos[0].JobId}-00002.jpg`, SnapshotInfos: infos }
        : { ErrorCode: 'SnapshotFail', ErrorMessage: 'snapshot failed' }),
    },
  };
}

export function deleteEvent(videoId: string, deleteType = 'all', jobIds?: string, second = 9): VodEvent {
  return {
    eventType: 'DeleteMediaComplete',
    mediaId: videoId,
    status: 'success',
    eventTime: time(second),
    identity: `DeleteMediaComplete:${videoId}:${deleteType}:${second}`,
    payload: {
      MediaId: videoId,
      MediaType: 'video',
      DeleteType: deleteType,
      ...(jobIds ? { JobIds: jobIds } : {}),
    },
  };
}

export function baseChangeEvent(videoId: string, second = 5): VodEvent {
  return {
    eventType: 'MediaBaseChangeComplete',
    mediaId: videoId,
    status: 'success',
    eventTime: time(second),
    identity: `MediaBaseChangeComplete:${videoId}:update:${second}`,
    payload: {
      MediaId: videoId,
      MediaType: 'video',
      OperateMode: 'update',
      MediaContent: { Title: { OldValue: 'a', NewValue: 'b' } },
    },
  };
}

/** All permutations of a small list (the three stage events have 6 orders). */
export function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [items.slice()];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}
