import { isWebUrl, webUrlOrUndefined } from '../events/webUrl';
import { VodApiError, type VodApi } from './vodApi';
import { vodFailure } from './vodFailure';

export interface PlayInfoInput {
  mediaId: string;
  region: string;
}

export interface PlayStream {
  url: string;
  definition?: string;
  format?: string;
  bitrate?: number;
  width?: number;
  height?: number;
  size?: number;
  duration?: number;
  jobId?: string;
  streamType?: string;
  encrypted?: boolean;
}

export interface PlayInfo {
  videoStatus?: string;
  title?: string;
  duration?: number;
  coverUrl?: string;
  streams: PlayStream[];
}

interface PlayInfoResponse {
  VideoBase?: { Status?: string; Title?: string; Duration?: string | number; CoverURL?: string };
  PlayInfoList?: { PlayInfo?: RawPlayInfo[] } | RawPlayInfo[];
}
interface RawPlayInfo {
  PlayURL?: string;
  Definition?: string;
  Format?: string;
  Bitrate?: string | number;
  Width?: number | string;
  Height?: number | string;
  Size?: number | string;
  Duration?: string | number;
  JobId?: string;
  StreamType?: string;
  Encrypt?: number | string;
  Status?: string;
}

/**
 * Right after TranscodeComplete, GetPlayInfo can still answer Forbidden.IllegalStatus for a
 * short while (docs/VOD-API.md, "Eventual consistency"): "not ready yet" here, so Temporal retries it.
 */
export const playInfoNotReadyCodes = ['Forbidden.IllegalStatus'] as const;

export async function fetchPlayInfo(vod: VodApi, input: PlayInfoInput): Promise<PlayInfo> {
  let response: PlayInfoResponse;
  try {
    response = await vod.call<PlayInfoResponse>(input.region, 'GetPlayInfo', { VideoId: input.mediaId });
  } catch (err) {
    throw err instanceof VodApiError ? vodFailure(err, playInfoNotReadyCodes) : err;
  }
  const raw = Array.isArray(response.PlayInfoList)
    ? response.PlayInfoList
    : (response.PlayInfoList?.PlayInfo ?? []);
  const base = response.VideoBase ?? {};
  const duration = num(base.Duration);
  const coverUrl = webUrlOrUndefined(base.CoverURL);
  return {
    ...(base.Status ? { videoStatus: base.Status } : {}),
    ...(base.Title ? { title: base.Title } : {}),
    ...(duration !== undefined ? { duration } : {}),
    ...(coverUrl ? { coverUrl } : {}),
    // A stream whose URL is not http(s) is not one a receiver can play.
    streams: raw.filter((p) => isWebUrl(p.PlayURL) && p.Status !== 'Invisible').map(playStream),
  };
}

function playStream(p: RawPlayInfo): PlayStream {
  const out: PlayStream = { url: p.PlayURL! };
  if (p.Definition) out.definition = p.Definition;
  if (p.Format) out.format = p.Format;
  if (p.JobId) out.jobId = p.JobId;
  if (p.StreamType) out.streamType = p.StreamType;
  for (const [key, value] of [
    ['bitrate', p.Bitrate],
    ['width', p.Width],
    ['height', p.Height],
    ['size', p.Size],
    ['duration', p.Duration],
  ] as const) {
    const n = num(value);
    if (n !== undefined) out[key] = n;
  }
  if (p.Encrypt !== undefined) out.encrypted = String(p.Encrypt) === '1';
  return out;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}
