/**
 * The per-video stage machine, pure and deterministic: `applyEvent` and
 * `applyReconciliation` return a new state and never mutate their input. The workflow
 * owns time, dedupe memory and activities; everything it decides from is computed here,
 * so every event order can be unit tested without a server.
 */
import type {
  DeleteMediaCompletePayload,
  SnapshotCompletePayload,
  SnapshotInfo,
  StreamInfo,
  TranscodeCompletePayload,
  VodEvent,
} from '../events/model';
import { stageNames, type StageName } from '../shared/pipelineOptions';
import type {
  StageBase,
  StreamResult,
  SnapshotResult,
  Stages,
  EventRecord,
  ApplyOutcome,
  VideoState,
  ReconciliationReport,
} from '../shared/videoState';

export const recentEventsKept = 20;
const snapshotUrlsKept = 10;

export function initialVideoState(mediaId: string): VideoState {
  const base = { status: 'pending' as const, version: 0 };
  return {
    mediaId,
    stages: {
      upload: { ...base },
      transcode: { ...base, streams: [], partial: false, pendingStreams: [] },
      snapshot: { ...base, snapshots: [] },
    },
    recent: [],
    counters: { applied: 0, unchanged: 0, ignored: 0, reconciliations: 0 },
  };
}

export interface ApplyResult {
  state: VideoState;
  outcome: ApplyOutcome;
  /** Stages whose result changed (version bumped). */
  changed: StageName[];
  note?: string;
}

/** Applies one decoded event. Dedupe by identity happens before this; applying twice is still harmless. */
export interface ApplyOptions {
  /**
   * A success event no newer than the reconciliation that already completed its stage
   * describes that same completion (it was only late): absorb it without a version bump,
   * so the downstream steps do not run, and publish, a second time. The workflow turns this
   * on through patched() so histories recorded before it replay unchanged.
   */
  absorbLateConfirmations?: boolean;
}

export function applyEvent(state: VideoState, event: VodEvent, options: ApplyOptions = {}): ApplyResult {
  const result = decide(state, event, options.absorbLateConfirmations ?? true);
  const record: EventRecord = {
    identity: event.identity,
    eventType: event.eventType,
    status: event.status,
    eventTime: event.eventTime,
    outcome: result.outcome,
    ...(result.note ? { note: result.note } : {}),
  };
  const counters = { ...result.state.counters, [result.outcome]: result.state.counters[result.outcome] + 1 };
  return {
    ...result,
    state: { ...result.state, counters, recent: [...result.state.recent, record].slice(-recentEventsKept) },
  };
}

function decide(state: VideoState, event: VodEvent, absorbLateConfirmations: boolean): ApplyResult {
  const unchanged = (note: string): ApplyResult => ({ state, outcome: 'unchanged', changed: [], note });
  const ignored = (note: string): ApplyResult => ({ state, outcome: 'ignored', changed: [], note });
  if (event.mediaId !== null && event.mediaId !== state.mediaId) {
    return ignored(`event for ${event.mediaId}, not ${state.mediaId}`);
  }
  if (state.deleted) return ignored('video already deleted');
  if ('unknownType' in event) return ignored(`unknown event type ${event.eventType}`);
  if (absorbLateConfirmations && event.status !== 'fail') {
    const stage = stageOfEvent[event.eventType];
    if (stage !== undefined && confirmsReconciliation(state.stages[stage], event.eventTime)) {
      return {
        state: setStage(state, stage, { ...state.stages[stage], identity: event.identity }),
        outcome: 'unchanged',
        changed: [],
        note: `late ${event.eventType} confirms what reconciliation found`,
      };
    }
  }

  switch (event.eventType) {
    case 'FileUploadComplete':
      return applyUpload(state, event);
    case 'StreamTranscodeComplete':
      return applyStream(state, event);
    case 'TranscodeComplete':
      return applyTranscode(state, event.identity, event.eventTime, event.status, event.payload);
    case 'SnapshotComplete':
      return applySnapshot(state, event.identity, event.eventTime, event.status, event.payload);
    case 'DeleteMediaComplete':
      return applyDelete(state, event.identity, event.eventTime, event.status, event.payload);
    case 'MediaBaseChangeComplete':
      // Echoes of our own UpdateVideoInfo calls (and CreateUploadVideo's 'create'): no stage depends on them.
      return ignored('media base change (title, cover, tags) does not affect stages');
    default:
      return ignored(`${event.eventType} is not a pipeline stage event`);
  }
  function applyUpload(
    s: VideoState,
    e: Extract<VodEvent, { eventType: 'FileUploadComplete' }>,
  ): ApplyResult {
    const stage = s.stages.upload;
    if (stage.identity === e.identity) return unchanged('same upload event again');
    if (e.status === 'fail') {
      if (stage.status === 'succeeded') return unchanged('upload failure after a success: kept the success');
      const failure = { at: e.eventTime, identity: e.identity, ...errorOf(e.payload) };
      return withStage(s, 'upload', { ...stage, status: 'failed', failure, identity: e.identity });
    }
    if (
      stage.status === 'succeeded' &&
      stage.size === e.payload.Size &&
      stage.fileUrl === e.payload.FileUrl
    ) {
      return unchanged('upload already complete with the same file');
    }
    return withStage(s, 'upload', {
      ...stage,
      status: 'succeeded',
      completedAt: e.eventTime,
      source: 'event',
      identity: e.identity,
      size: e.payload.Size,
      fileUrl: e.payload.FileUrl,
    });
  }
}

function applyStream(
  state: VideoState,
  event: Extract<VodEvent, { eventType: 'StreamTranscodeComplete' }>,
): ApplyResult {
  const stream = streamResult(event.payload, 0, event.status);
  const stage = state.stages.transcode;
  const completedIndex = stage.streams.findIndex((s) => s.key === stream.key);
  if (completedIndex >= 0) {
    // The task's TranscodeComplete came first; this only fills in what it left out.
    const merged = mergeStream(stage.streams[completedIndex]!, stream);
    if (sameStream(merged, stage.streams[completedIndex]!)) {
      return {
        state,
        outcome: 'unchanged',
        changed: [],
        note: 'stream already known from TranscodeComplete',
      };
    }
    const streams = stage.streams.map((s, i) => (i === completedIndex ? merged : s));
    return { state: setStage(state, 'transcode', { ...stage, streams }), outcome: 'applied', changed: [] };
  }
  const pendingStreams = [...stage.pendingStreams.filter((s) => s.key !== stream.key), stream];
  return {
    state: setStage(state, 'transcode', { ...stage, pendingStreams }),
    outcome: 'applied',
    changed: [],
    note: `stream ${stream.key} ${stream.status}, waiting for TranscodeComplete`,
  };
}

function applyTranscode(
  state: VideoState,
  identity: string,
  eventTime: string,
  status: string | null,
  payload: TranscodeCompletePayload,
): ApplyResult {
  const stage = state.stages.transcode;
  if (stage.identity === identity) {
    return { state, outcome: 'unchanged', changed: [], note: 'same TranscodeComplete again' };
  }
  const reported = (payload.StreamInfos ?? []).map((s, i) => streamResult(s, i, null));
  const reportedKeys = new Set(reported.map((s) => s.key));
  const pendingByKey = new Map(stage.pendingStreams.map((s) => [s.key, s]));
  // Stream events of this task fill in fields StreamInfos lacks; stream events not listed belong to it too.
  const streams = [
    ...reported.map((s) => (pendingByKey.has(s.key) ? mergeStream(s, pendingByKey.get(s.key)!) : s)),
    ...stage.pendingStreams.filter((s) => !reportedKeys.has(s.key)),
  ];
  const succeeded = streams.filter((s) => s.status === 'success').length;
  const failedStreams = streams.length - succeeded;
  // TranscodeComplete reads 'success' when at least one stream succeeded; trust the streams when present.
  const ok = streams.length > 0 ? succeeded > 0 : status === 'success';
  if (!ok) {
    const failure = { at: eventTime, identity, ...errorOf(payload), ...firstStreamError(streams) };
    if (stage.status === 'succeeded') {
      // A re-transcode that failed leaves the earlier streams playable: keep them, record the failure.
      return {
        state: setStage(state, 'transcode', { ...stage, failure, pendingStreams: [] }),
        outcome: 'applied',
        changed: [],
        note: 'a later transcode failed; the earlier result stays',
      };
    }
    return withStage(state, 'transcode', {
      ...stage,
      status: 'failed',
      identity,
      failure,
      streams,
      partial: false,
      pendingStreams: [],
    });
  }
  if (stage.status === 'succeeded' && sameStreamSet(stage.streams, streams)) {
    return {
      state: setStage(state, 'transcode', { ...stage, pendingStreams: [] }),
      outcome: 'unchanged',
      changed: [],
      note: 'TranscodeComplete with the same streams',
    };
  }
  return withStage(state, 'transcode', {
    ...stage,
    status: 'succeeded',
    completedAt: eventTime,
    source: 'event',
    identity,
    streams,
    partial: failedStreams > 0,
    pendingStreams: [],
  });
}

function applySnapshot(
  state: VideoState,
  identity: string,
  eventTime: string,
  status: string | null,
  payload: SnapshotCompletePayload,
): ApplyResult {
  const stage = state.stages.snapshot;
  if (stage.identity === identity) {
    return { state, outcome: 'unchanged', changed: [], note: 'same SnapshotComplete again' };
  }
  const snapshots = (payload.SnapshotInfos ?? []).map(snapshotResult);
  // The documented sample has no Status: without one, the snapshot results (or a cover) decide.
  const ok =
    status !== 'fail' &&
    (snapshots.length > 0
      ? snapshots.some((s) => s.status === 'success')
      : status === 'success' || typeof payload.CoverUrl === 'string');
  if (!ok) {
    const failure = { at: eventTime, identity, ...errorOf(payload) };
    if (stage.status === 'succeeded') {
      return {
        state: setStage(state, 'snapshot', { ...stage, failure }),
        outcome: 'applied',
        changed: [],
        note: 'a later snapshot job failed; the earlier snapshots stay',
      };
    }
    return withStage(state, 'snapshot', { ...stage, status: 'failed', identity, failure });
  }
  const coverUrl = typeof payload.CoverUrl === 'string' ? payload.CoverUrl : stage.coverUrl;
  // Several snapshot types share the stage: a job replaces the results of its own types only.
  const replacedTypes = new Set(snapshots.map((s) => s.type));
  const merged = [...stage.snapshots.filter((s) => !replacedTypes.has(s.type)), ...snapshots];
  if (
    stage.status === 'succeeded' &&
    coverUrl === stage.coverUrl &&
    JSON.stringify(merged) === JSON.stringify(stage.snapshots)
  ) {
    return { state, outcome: 'unchanged', changed: [], note: 'SnapshotComplete with the same snapshots' };
  }
  return withStage(state, 'snapshot', {
    ...stage,
    status: 'succeeded',
    completedAt: eventTime,
    source: 'event',
    identity,
    ...(coverUrl !== undefined ? { coverUrl } : {}),
    snapshots: merged,
  });
}

function applyDelete(
  state: VideoState,
  identity: string,
  eventTime: string,
  status: string | null,
  payload: DeleteMediaCompletePayload,
): ApplyResult {
  if (status !== 'success') {
    return { state, outcome: 'ignored', changed: [], note: 'a failed deletion changes nothing' };
  }
  if (payload.MediaType && payload.MediaType !== 'video') {
    return { state, outcome: 'ignored', changed: [], note: `deletion of a ${payload.MediaType}` };
  }
  const deleteType = payload.DeleteType ?? 'all';
  if (deleteType === 'mezzanine') {
    return {
      state,
      outcome: 'ignored',
      changed: [],
      note: 'only the source file was deleted; streams remain',
    };
  }
  if (deleteType === 'stream') {
    const jobIds = new Set((payload.JobIds ?? '').split(',').map((j) => j.trim()));
    const stage = state.stages.transcode;
    const streams = stage.streams.filter((s) => !(s.jobId && jobIds.has(s.jobId)));
    if (streams.length === stage.streams.length) {
      return { state, outcome: 'unchanged', changed: [], note: 'deleted streams were not known' };
    }
    return withStage(state, 'transcode', { ...stage, streams, identity });
  }
  return {
    state: { ...state, deleted: { at: eventTime, identity, reason: 'DeleteMediaComplete (DeleteType all)' } },
    outcome: 'applied',
    changed: [],
    note: 'video deleted: pipeline cancelled',
  };
}

// ---------------------------------------------------------------------------------------------
// Reconciliation: what the VOD API says, for stages the events have not settled.

export function applyReconciliation(state: VideoState, report: ReconciliationReport): ApplyResult {
  const counters = { ...state.counters, reconciliations: state.counters.reconciliations + 1 };
  let next: VideoState = { ...state, counters };
  if (next.deleted) return { state: next, outcome: 'ignored', changed: [] };
  if (!report.videoFound) {
    next = {
      ...next,
      deleted: {
        at: report.checkedAt,
        identity: `reconciliation:${report.checkedAt}`,
        reason: 'VOD reports InvalidVideo.NotFound: the video was deleted or never existed',
      },
    };
    return { state: next, outcome: 'applied', changed: [], note: 'video not found in VOD' };
  }
  const identity = `reconciliation:${report.checkedAt}`;
  const changed: StageName[] = [];
  const base = { completedAt: report.checkedAt, source: 'reconciliation' as const, identity };
  for (const name of stageNames) {
    const found = report[name];
    const stage = next.stages[name];
    if (!found || found.status === 'pending' || stage.status === 'succeeded') continue;
    if (found.status === 'failed') {
      if (stage.status === 'failed') continue;
      const failure = {
        at: report.checkedAt,
        identity,
        message: found.detail ?? 'reported failed by the VOD API',
      };
      next = setStage(next, name, {
        ...stage,
        status: 'failed',
        identity,
        failure,
        version: stage.version + 1,
      });
      changed.push(name);
      continue;
    }
    if (name === 'upload' && report.upload) {
      next = setStage(next, 'upload', {
        ...next.stages.upload,
        ...base,
        status: 'succeeded',
        version: stage.version + 1,
        ...(report.upload.size !== undefined ? { size: report.upload.size } : {}),
      });
    } else if (name === 'transcode' && report.transcode) {
      const streams = report.transcode.streams;
      next = setStage(next, 'transcode', {
        ...next.stages.transcode,
        ...base,
        status: 'succeeded',
        version: stage.version + 1,
        streams,
        partial: streams.some((s) => s.status === 'fail'),
        pendingStreams: [],
      });
    } else if (name === 'snapshot' && report.snapshot) {
      next = setStage(next, 'snapshot', {
        ...next.stages.snapshot,
        ...base,
        status: 'succeeded',
        version: stage.version + 1,
        ...(report.snapshot.coverUrl !== undefined ? { coverUrl: report.snapshot.coverUrl } : {}),
        snapshots: report.snapshot.snapshots,
      });
    }
    changed.push(name);
  }
  return { state: next, outcome: changed.length > 0 ? 'applied' : 'unchanged', changed };
}

// ---------------------------------------------------------------------------------------------
// Questions the workflow asks.

export interface RequiredProgress {
  /** Every required stage succeeded. */
  ready: boolean;
  pending: StageName[];
  failed: StageName[];
}

export function requiredProgress(state: VideoState, required: readonly StageName[]): RequiredProgress {
  const pending = required.filter((s) => state.stages[s].status === 'pending');
  const failed = required.filter((s) => state.stages[s].status === 'failed');
  return { ready: pending.length === 0 && failed.length === 0, pending, failed };
}

/** Identifies the inputs a downstream step ran on: it reruns only when this changes. */
export function stageFingerprint(state: VideoState, stages: readonly StageName[]): string {
  return stages.map((s) => `${s[0]}${state.stages[s].version}`).join('-');
}

/** Builds a snapshot URL the way VOD documents: {SnapshotCount} → 1-based index, zero-padded to 5. */
export function snapshotUrl(template: string, index: number): string {
  return template.replace('{SnapshotCount}', String(index).padStart(5, '0'));
}

// ---------------------------------------------------------------------------------------------

const stageOfEvent: Partial<Record<string, StageName>> = {
  FileUploadComplete: 'upload',
  TranscodeComplete: 'transcode',
  SnapshotComplete: 'snapshot',
};

function confirmsReconciliation(stage: StageBase, eventTime: string): boolean {
  if (stage.status !== 'succeeded' || stage.source !== 'reconciliation' || stage.completedAt === undefined) {
    return false;
  }
  return Date.parse(eventTime) <= Date.parse(stage.completedAt);
}

function setStage<K extends StageName>(state: VideoState, name: K, stage: Stages[K]): VideoState {
  return { ...state, stages: { ...state.stages, [name]: stage } };
}

function withStage<K extends StageName>(state: VideoState, name: K, stage: Stages[K]): ApplyResult {
  const bumped = { ...stage, version: state.stages[name].version + 1 };
  return { state: setStage(state, name, bumped), outcome: 'applied', changed: [name] };
}

function errorOf(payload: Record<string, unknown>): { code?: string; message?: string } {
  const code = payload.ErrorCode;
  const message = payload.ErrorMessage;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof message === 'string' ? { message } : {}),
  };
}

function firstStreamError(streams: StreamResult[]): { code?: string; message?: string } {
  const failed = streams.find((s) => s.errorCode || s.errorMessage);
  if (!failed) return {};
  return {
    ...(failed.errorCode ? { code: failed.errorCode } : {}),
    ...(failed.errorMessage ? { message: failed.errorMessage } : {}),
  };
}

function streamResult(info: StreamInfo, index: number, eventStatus: string | null): StreamResult {
  const status = (info.Status ?? eventStatus) === 'fail' ? 'fail' : 'success';
  const key =
    info.JobId ?? (info.Definition || info.Format ? `${info.Definition}/${info.Format}` : `#${index}`);
  const out: StreamResult = { key, status };
  if (info.JobId !== undefined) out.jobId = info.JobId;
  if (info.Definition !== undefined) out.definition = info.Definition;
  if (info.Format !== undefined) out.format = info.Format;
  if (info.FileUrl !== undefined) out.url = info.FileUrl;
  if (typeof info.Bitrate === 'number') out.bitrate = info.Bitrate;
  if (typeof info.Width === 'number') out.width = info.Width;
  if (typeof info.Height === 'number') out.height = info.Height;
  if (typeof info.Size === 'number') out.size = info.Size;
  if (typeof info.Duration === 'number') out.duration = info.Duration;
  if (typeof info.IsAudio === 'boolean') out.isAudio = info.IsAudio;
  if (info.ErrorCode !== undefined) out.errorCode = info.ErrorCode;
  if (info.ErrorMessage !== undefined) out.errorMessage = info.ErrorMessage;
  return out;
}

function mergeStream(primary: StreamResult, extra: StreamResult): StreamResult {
  // Fields of the primary win; status follows the primary (the task's verdict).
  return { ...extra, ...primary };
}

function sameStream(a: StreamResult, b: StreamResult): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameStreamSet(a: StreamResult[], b: StreamResult[]): boolean {
  const digest = (list: StreamResult[]) =>
    list
      .map((s) => `${s.key}:${s.status}:${s.url ?? ''}`)
      .sort()
      .join('|');
  return digest(a) === digest(b);
}

function snapshotResult(info: SnapshotInfo): SnapshotResult {
  const count = typeof info.SnapshotCount === 'number' ? info.SnapshotCount : 0;
  const template = typeof info.SnapshotRegular === 'string' ? info.SnapshotRegular : undefined;
  const urls = template
    ? Array.from({ length: Math.min(count, snapshotUrlsKept) }, (_, i) => snapshotUrl(template, i + 1))
    : [];
  return {
    type: info.SnapshotType ?? 'unknown',
    status: info.Status === 'fail' ? 'fail' : 'success',
    count,
    ...(template !== undefined ? { urlTemplate: template } : {}),
    urls,
    ...(info.JobId !== undefined ? { jobId: info.JobId } : {}),
  };
}
