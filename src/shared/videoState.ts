/**
 * What the workflow knows about one video's stages: the shapes shared by the workflow
 * (which computes them in src/workflows/stageMachine.ts), the activities (reconciliation
 * reports) and tools (the pipeline query).
 */
export type StageStatus = 'pending' | 'succeeded' | 'failed';

export interface StageFailure {
  code?: string;
  message?: string;
  at: string;
  identity: string;
}

export interface StageBase {
  status: StageStatus;
  /** Bumps whenever the stage's result changes; downstream steps rerun on a change. */
  version: number;
  completedAt?: string;
  source?: 'event' | 'reconciliation';
  /** Identity of the event (or reconciliation) that produced the current result. */
  identity?: string;
  /** Latest failure, kept even when a later success supersedes it. */
  failure?: StageFailure;
}

export interface UploadStage extends StageBase {
  size?: number;
  fileUrl?: string;
}

export interface StreamResult {
  key: string;
  status: 'success' | 'fail';
  jobId?: string;
  definition?: string;
  format?: string;
  url?: string;
  bitrate?: number;
  width?: number;
  height?: number;
  size?: number;
  duration?: number;
  isAudio?: boolean;
  errorCode?: string;
  errorMessage?: string;
}

export interface TranscodeStage extends StageBase {
  /** Streams of the latest completed transcode task. */
  streams: StreamResult[];
  /** True when the task succeeded overall but some streams failed. */
  partial: boolean;
  /** StreamTranscodeComplete results of a task whose TranscodeComplete has not arrived yet. */
  pendingStreams: StreamResult[];
}

export interface SnapshotResult {
  type: string;
  status: 'success' | 'fail';
  count: number;
  urlTemplate?: string;
  /** URLs built from SnapshotRegular (first ones only, to keep the state small). */
  urls: string[];
  jobId?: string;
}

export interface SnapshotStage extends StageBase {
  coverUrl?: string;
  snapshots: SnapshotResult[];
}

export interface Stages {
  upload: UploadStage;
  transcode: TranscodeStage;
  snapshot: SnapshotStage;
}

export interface EventRecord {
  identity: string;
  eventType: string;
  status: string | null;
  eventTime: string;
  outcome: ApplyOutcome;
  note?: string;
}

export type ApplyOutcome = 'applied' | 'unchanged' | 'ignored';

export interface VideoState {
  mediaId: string;
  stages: Stages;
  deleted?: { at: string; identity: string; reason: string };
  /** Why the last events were ignored or what changed, newest last, bounded. */
  recent: EventRecord[];
  counters: { applied: number; unchanged: number; ignored: number; reconciliations: number };
}

export interface StageReport {
  status: StageStatus;
  detail?: string;
}

/** What the reconciliation activity learned from the VOD API. Shape shared with src/activities. */
export interface ReconciliationReport {
  checkedAt: string;
  videoFound: boolean;
  /** Video.Status from GetVideoInfo (Uploading, UploadSucc, Transcoding, Normal, TranscodeFail, …). */
  videoStatus?: string;
  upload?: StageReport & { size?: number };
  transcode?: StageReport & { streams: StreamResult[] };
  snapshot?: StageReport & { coverUrl?: string; snapshots: SnapshotResult[] };
}
