/**
 * The normalized VOD event: what `decode()` produces, what the poller signals and what
 * the workflow consumes. This file is the contract between those three; it is pure
 * types so workflow code can import it.
 *
 * `payload` keeps VOD's own (PascalCase) field names so nothing is lost and the docs of
 * docs/VOD-API.md apply as written, but with values normalized: numeric strings become
 * numbers, per-stream/per-snapshot `Status` becomes 'success' | 'fail', JSON-in-string
 * fields (Extend, MediaContent, Data, …) are parsed where docs/VOD-API.md says they may be.
 * Unknown fields are kept as they came.
 */

export type EventStatus = 'success' | 'fail';

/** Event types VOD documents (docs/VOD-API.md). Anything else decodes as an unknown event. */
export const knownEventTypes = [
  'FileUploadComplete',
  'ImageUploadComplete',
  'StreamTranscodeComplete',
  'TranscodeComplete',
  'SnapshotComplete',
  'DynamicImageComplete',
  'AddLiveRecordVideoComplete',
  'LiveRecordVideoComposeStart',
  'UploadByURLComplete',
  'CreateAuditComplete',
  'AIMediaAuditComplete',
  'VideoAnalysisComplete',
  'AIMediaDNAComplete',
  'AIVideoTagComplete',
  'AttachedMediaUploadComplete',
  'ProduceMediaComplete',
  'DeleteMediaComplete',
  'MediaBaseChangeComplete',
  'UpdateMediaStorageClassComplete',
  'RestoreMediaComplete',
  'SubmitMediaRefreshComplete',
  'WorkflowTaskComplete',
] as const;
export type KnownEventType = (typeof knownEventTypes)[number];

/** One transcoded stream: a StreamTranscodeComplete payload or a TranscodeComplete StreamInfos element. */
export interface StreamInfo {
  Status?: EventStatus;
  Definition?: string;
  Format?: string;
  FileUrl?: string;
  JobId?: string;
  Bitrate?: number;
  Duration?: number;
  Fps?: number;
  Width?: number;
  Height?: number;
  Size?: number;
  IsAudio?: boolean;
  Encrypt?: boolean;
  ErrorCode?: string;
  ErrorMessage?: string;
  [field: string]: unknown;
}

export interface SnapshotInfo {
  Status?: EventStatus;
  SnapshotType?: string;
  SnapshotCount?: number;
  SnapshotFormat?: string;
  SnapshotRegular?: string;
  JobId?: string;
  [field: string]: unknown;
}

export interface FileUploadCompletePayload {
  VideoId: string;
  Size?: number;
  FileUrl?: string;
  [field: string]: unknown;
}
export type StreamTranscodeCompletePayload = StreamInfo & { VideoId: string };
export interface TranscodeCompletePayload {
  VideoId: string;
  StreamInfos?: StreamInfo[];
  [field: string]: unknown;
}
export interface SnapshotCompletePayload {
  VideoId: string;
  SubType?: string;
  CoverUrl?: string;
  SnapshotInfos?: SnapshotInfo[];
  [field: string]: unknown;
}
export interface DeleteMediaCompletePayload {
  MediaId: string;
  MediaType?: string;
  DeleteType?: string;
  JobIds?: string;
  [field: string]: unknown;
}
export interface MediaBaseChangeCompletePayload {
  MediaId: string;
  MediaType?: string;
  OperateMode?: string;
  /** Field name → { OldValue?, NewValue? }, each parsed from VOD's JSON strings where possible. */
  MediaContent?: Record<string, unknown>;
  [field: string]: unknown;
}
export type GenericPayload = Record<string, unknown>;

interface EventBase<T extends string, P> {
  eventType: T;
  /**
   * VideoId, or MediaId / ImageId / AttachedMediaId for events without a VideoId; validated
   * against ^[A-Za-z0-9_-]{1,64}$. null only where VOD names no media: UploadByURLComplete
   * of a failed pull (payload.JobId is set), storage-class/restore events, unknown types.
   */
  mediaId: string | null;
  status: EventStatus | null;
  /** ISO-8601 with milliseconds, UTC. */
  eventTime: string;
  /** Same for one VOD event delivered twice, different for real new work. */
  identity: string;
  /** Extend (user data) as sent, parsed when it is JSON. */
  extend?: unknown;
  /**
   * Present when decode() dropped an unusable field value (e.g. `"Width":"abc"`) or
   * derived a status the body omitted; the event is still valid. One line each.
   */
  warnings?: string[];
  payload: P;
}

export type VodEvent =
  | EventBase<'FileUploadComplete', FileUploadCompletePayload>
  | EventBase<'StreamTranscodeComplete', StreamTranscodeCompletePayload>
  | EventBase<'TranscodeComplete', TranscodeCompletePayload>
  | EventBase<'SnapshotComplete', SnapshotCompletePayload>
  | EventBase<'DeleteMediaComplete', DeleteMediaCompletePayload>
  | EventBase<'MediaBaseChangeComplete', MediaBaseChangeCompletePayload>
  | EventBase<Exclude<KnownEventType, PipelineEventType>, GenericPayload>
  | (EventBase<string, GenericPayload> & { unknownType: true });

/** The event types the video pipeline's stage machine reads closely. */
export type PipelineEventType =
  | 'FileUploadComplete'
  | 'StreamTranscodeComplete'
  | 'TranscodeComplete'
  | 'SnapshotComplete'
  | 'DeleteMediaComplete'
  | 'MediaBaseChangeComplete';

export type DecodeResult = { ok: true; event: VodEvent } | { ok: false; reason: string };
