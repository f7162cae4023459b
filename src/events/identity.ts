/**
 * Event identity for deduplication: `<EventType>:<mediaId|->:<status|->:<hash>`.
 *
 * Same for one VOD event delivered twice (MNS redelivery, VOD pushing it again), and
 * different for real new work. The hash covers what tells two events of one video
 * apart, per type (docs/EVENTS.md explains each choice):
 *  - job ids where VOD gives them (TranscodeComplete's StreamInfos[].JobId, sorted;
 *    SnapshotInfos[].JobId; JobId; TaskId; MediaRefreshJobId): a re-transcode has new
 *    JobIds, a redelivery the same ones, whatever its EventTime says;
 *  - EventTime only where nothing else distinguishes (FileUploadComplete,
 *    VideoAnalysisComplete, a TranscodeComplete that failed before any stream ran), as it
 *    has 1 s resolution;
 *  - for unknown types the whole canonicalized body, since we cannot know which
 *    fields matter.
 * The hash is SHA-256 (node:crypto; decode runs in the poller, never in workflow code),
 * truncated to 16 hex characters: collisions matter only among one video's events.
 */
import { createHash } from 'node:crypto';
import type { EventStatus } from './model';

export interface IdentityInput {
  eventType: string;
  mediaId: string | null;
  status: EventStatus | null;
  eventTime: string;
  payload: Record<string, unknown>;
  unknownType: boolean;
}

export function eventIdentity(input: IdentityInput): string {
  const parts = [input.eventType, input.mediaId, input.status, ...discriminators(input)];
  const hash = createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
  return `${input.eventType}:${input.mediaId ?? '-'}:${input.status ?? '-'}:${hash}`;
}

function discriminators({ eventType, eventTime, payload, unknownType }: IdentityInput): unknown[] {
  const p = payload;
  if (unknownType) {
    const ids = [p.JobId, p.TaskId].filter(isText);
    return ids.length > 0 ? ['ids', ...ids] : ['body', canonical(p)];
  }
  switch (eventType) {
    case 'TranscodeComplete':
      return jobIdsOr(elementJobIds(p.StreamInfos), eventTime);
    case 'SnapshotComplete':
      return [text(p.SubType), ...jobIdsOr(elementJobIds(p.SnapshotInfos), eventTime)];
    case 'StreamTranscodeComplete':
      return isText(p.JobId) ? ['jobs', p.JobId] : ['time', eventTime, text(p.Definition), text(p.Format)];
    case 'DynamicImageComplete': {
      const info = p.DynamicImageJobInfo as Record<string, unknown> | undefined;
      return jobIdsOr([p.JobId, info?.JobId].filter(isText), eventTime);
    }
    case 'WorkflowTaskComplete':
      return jobIdsOr([p.TaskId].filter(isText), eventTime);
    case 'SubmitMediaRefreshComplete':
      return jobIdsOr([p.MediaRefreshJobId].filter(isText), eventTime);
    case 'DeleteMediaComplete': {
      const jobs = isText(p.JobIds) ? p.JobIds.split(',').map((s) => s.trim()) : [];
      return [text(p.DeleteType), ...jobIdsOr(jobs, eventTime)];
    }
    case 'MediaBaseChangeComplete':
      // Two edits of one video differ by content or by time; both are real changes.
      return [text(p.OperateMode), canonical(p.MediaContent ?? null), eventTime];
    case 'CreateAuditComplete':
      return [text(p.AuditStatus), isText(p.CreationTime) ? p.CreationTime : eventTime];
    case 'ProduceMediaComplete':
      return [text(p.ProjectId), eventTime];
    case 'AddLiveRecordVideoComplete':
      return isText(p.RecordStartTime) || isText(p.RecordEndTime)
        ? ['record', text(p.RecordStartTime), text(p.RecordEndTime)]
        : ['time', eventTime];
    default:
      // UploadByURLComplete, AI events: JobId. FileUploadComplete, VideoAnalysisComplete, …: time.
      return jobIdsOr([p.JobId].filter(isText), eventTime);
  }
}

function jobIdsOr(jobIds: string[], eventTime: string): unknown[] {
  const unique = [...new Set(jobIds.filter((id) => id !== ''))].sort();
  return unique.length > 0 ? ['jobs', ...unique] : ['time', eventTime];
}

function elementJobIds(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((item) => (item as Record<string, unknown> | null)?.JobId).filter(isText);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** JSON with object keys sorted, so key order in the body does not change the identity. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, (v as Record<string, unknown>)[k]]),
        )
      : v,
  );
}
