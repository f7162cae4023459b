/**
 * One zod schema per VOD event type (docs/VOD-API.md, "Event bodies"). Every schema keeps unknown
 * fields (`looseObject`): VOD adds fields over time and a dead-lettered body should be
 * inspectable in full. Ids are checked before these schemas run (mediaId.ts), so here
 * they are plain text.
 */
import { z } from 'zod';
import {
  booleanish,
  element,
  elements,
  jsonValue,
  jsonish,
  lenient,
  numberish,
  status,
  text,
} from './fields';
import type { KnownEventType } from './model';
import { isWebUrl } from './webUrl';

const str = lenient(text, 'text');
const num = lenient(numberish, 'a number or numeric string');
const bool = lenient(booleanish, 'a boolean');
const stat = lenient(status, 'success or fail (or Succeed/Failed)');
const json = lenient(jsonValue, 'JSON');
/** Goes into the signed document: anything but an http(s) URL is dropped with a warning. */
const url = lenient(z.string().trim().refine(isWebUrl), 'an http(s) URL');

/** Fields every event may carry. EventType/EventTime are checked by decode() and kept raw. */
const common = {
  EventType: z.string(),
  EventTime: z.unknown(),
  Status: stat,
  Extend: json,
  ErrorCode: str,
  ErrorMessage: str,
  // AI events report errors as Code/Message.
  Code: str,
  Message: str,
  VideoId: str,
  MediaId: str,
  JobId: str,
};

const streamShape = {
  Status: stat,
  Bitrate: num,
  Definition: str,
  Duration: num,
  Codec: str,
  Encrypt: bool,
  EncryptType: str,
  ErrorCode: str,
  ErrorMessage: str,
  FileUrl: url,
  Format: str,
  Fps: num,
  Height: num,
  Width: num,
  Size: num,
  JobId: str,
  WatermarkId: str,
  IsAudio: bool,
  StartTime: str,
  FinishTime: str,
  Extend: json,
};

const snapshotShape = {
  Status: stat,
  SnapshotType: str,
  SnapshotCount: num,
  SnapshotFormat: str,
  SnapshotRegular: url,
  JobId: str,
};

/** MediaContent: an object or a JSON string; each value is itself a JSON string `{OldValue, NewValue}`. */
const mediaContent = lenient(
  jsonish(z.record(z.string(), jsonValue)),
  'an object (or JSON string) of changed fields',
);

const dynamicImageJobInfo = lenient(
  element({
    JobId: str,
    Status: stat,
    FileURL: url,
    FileSize: num,
    Fps: num,
    Height: num,
    Width: num,
  }),
  'an object (or JSON string)',
);

/** WorkflowTaskComplete ActivityResults: JSON keyed by ActivityId, each value possibly a JSON string too. */
const activityResults = lenient(
  jsonish(z.record(z.string(), jsonish(z.looseObject({ Result: json })).or(jsonValue))),
  'an object (or JSON string) keyed by ActivityId',
);

function event<S extends z.core.$ZodLooseShape>(shape: S) {
  return z.looseObject({ ...common, ...shape });
}

export const eventSchemas = {
  FileUploadComplete: event({ Size: num, FileUrl: url }),
  ImageUploadComplete: event({ ImageId: str, Size: num, FileURL: url, AppId: str }),
  AttachedMediaUploadComplete: event({ AttachedMediaId: str, Size: num, FileURL: url }),
  StreamTranscodeComplete: event(streamShape),
  TranscodeComplete: event({ StreamInfos: elements(element(streamShape), 'stream objects') }),
  SnapshotComplete: event({
    SubType: str,
    CoverUrl: url,
    SnapshotInfos: elements(element(snapshotShape), 'snapshot objects'),
  }),
  DynamicImageComplete: event({ DynamicImageJobInfo: dynamicImageJobInfo }),
  AddLiveRecordVideoComplete: event({
    StreamName: str,
    DomainName: str,
    AppName: str,
    RecordStartTime: str,
    RecordEndTime: str,
  }),
  LiveRecordVideoComposeStart: event({ StreamName: str, DomainName: str, AppName: str }),
  UploadByURLComplete: event({
    SourceURL: url,
    Size: num,
    FileType: str,
    StreamFileURL: url,
  }),
  CreateAuditComplete: event({
    SubType: str,
    AuditStatus: str,
    CreationTime: str,
    Auditor: str,
    Reason: str,
  }),
  AIMediaAuditComplete: event({ Data: json }),
  VideoAnalysisComplete: event({
    Width: num,
    Height: num,
    Duration: num,
    Bitrate: num,
    Fps: num,
    Size: num,
  }),
  AIMediaDNAComplete: event({ Data: json, CompleteTime: str }),
  AIVideoTagComplete: event({ Data: json }),
  ProduceMediaComplete: event({ ProjectId: str }),
  DeleteMediaComplete: event({ MediaType: str, DeleteType: str, JobIds: str }),
  MediaBaseChangeComplete: event({ MediaType: str, OperateMode: str, MediaContent: mediaContent }),
  UpdateMediaStorageClassComplete: event({}),
  RestoreMediaComplete: event({}),
  SubmitMediaRefreshComplete: event({
    MediaRefreshJobId: str,
    TaskType: str,
    SuccessPlayUrls: str,
    TaskIds: str,
    FilterPolicy: json,
  }),
  WorkflowTaskComplete: event({
    WorkflowId: str,
    TaskId: str,
    ActivityResults: activityResults,
    TaskInput: json,
    CreateTime: str,
    ModifiedTime: str,
    FinishTime: str,
    UserId: str,
  }),
} satisfies Record<KnownEventType, z.ZodType>;

/** Unknown EventTypes: only the common fields are normalized, everything else is kept as sent. */
export const unknownEventSchema = event({});
