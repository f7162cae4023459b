/**
 * The id the pipeline keys on. It ends up in a Temporal workflow id (`vod-video-<id>`),
 * in log lines and in VOD API URLs, so it is validated against a conservative charset
 * (letters, digits, `-`, `_`) and length. Real VOD ids are 32 lower-case hex characters.
 */
import { z } from 'zod';
import { quote } from './jsonText';
import type { KnownEventType } from './model';

export const maxMediaIdLength = 64;

export const mediaIdSchema = z
  .string()
  .min(1)
  .max(maxMediaIdLength)
  .regex(/^[A-Za-z0-9_-]+$/);

/** Where an event's id may be, in order of preference: VideoId wins when an event has several. */
export const idFields = ['VideoId', 'MediaId', 'ImageId', 'AttachedMediaId'] as const;
export type IdField = (typeof idFields)[number];

/**
 * The id field each known type documents as required. `null`: the type is usable without
 * one (UploadByURLComplete has VideoId only when the pull succeeded; the fields of
 * UpdateMediaStorageClassComplete and RestoreMediaComplete are undocumented).
 */
export const requiredIdField: Record<KnownEventType, IdField | null> = {
  FileUploadComplete: 'VideoId',
  ImageUploadComplete: 'ImageId',
  StreamTranscodeComplete: 'VideoId',
  TranscodeComplete: 'VideoId',
  SnapshotComplete: 'VideoId',
  DynamicImageComplete: 'VideoId',
  AddLiveRecordVideoComplete: 'VideoId',
  LiveRecordVideoComposeStart: 'VideoId',
  UploadByURLComplete: null,
  CreateAuditComplete: 'MediaId',
  AIMediaAuditComplete: 'MediaId',
  VideoAnalysisComplete: 'VideoId',
  AIMediaDNAComplete: 'MediaId',
  AIVideoTagComplete: 'MediaId',
  AttachedMediaUploadComplete: 'AttachedMediaId',
  ProduceMediaComplete: 'MediaId',
  DeleteMediaComplete: 'MediaId',
  MediaBaseChangeComplete: 'MediaId',
  UpdateMediaStorageClassComplete: null,
  RestoreMediaComplete: null,
  SubmitMediaRefreshComplete: 'MediaId',
  WorkflowTaskComplete: 'VideoId',
};

export type MediaIdResult = { ok: true; mediaId: string | null } | { ok: false; reason: string };

/**
 * Every id field present must be valid (a bad MediaId next to a good VideoId is still a
 * forged or broken body). An empty string counts as absent.
 */
export function selectMediaId(
  eventType: string,
  body: Record<string, unknown>,
  required: IdField | null,
): MediaIdResult {
  let chosen: string | null = null;
  for (const field of idFields) {
    const value = body[field];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') {
      return { ok: false, reason: `${eventType}: ${field} is not a string (got ${typeof value})` };
    }
    if (!mediaIdSchema.safeParse(value).success) {
      return {
        ok: false,
        reason: `${eventType}: ${field} ${quote(value)} is not a valid id (1-${maxMediaIdLength} letters, digits, '-' or '_')`,
      };
    }
    chosen ??= value;
  }
  if (chosen === null && required !== null) {
    return { ok: false, reason: `${eventType} has no ${required}` };
  }
  return { ok: true, mediaId: chosen };
}
