/**
 * What a videoPipeline run's history says, without a worker: its input, the events signalled
 * to it, every activity and how it ended, the search attributes and memo it set, the updates
 * it accepted, and how it closed. `vodflow status` falls back to these when no worker answers
 * the pipelineState query (a query on a closed run needs one to replay it). Pure: the caller
 * fetches the history.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { VideoEventDelivery, VideoPipelineInput } from '../shared/definitions';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;
type Failure = temporal.api.failure.v1.IFailure;

export type ActivityState = 'scheduled' | 'running' | 'completed' | 'failed' | 'timed out' | 'cancelled';

export interface ActivityFacts {
  activityId: string;
  activityType: string;
  input?: unknown;
  state: ActivityState;
  /** The attempt that last started (the history records only the last one of a retried activity). */
  attempt?: number;
  result?: unknown;
  /** `Type: message` of the failure (its cause's, when it has one). */
  error?: string;
  cancelRequested?: boolean;
  scheduledAtMs?: number;
  closedAtMs?: number;
}

export type CloseKind =
  'completed' | 'failed' | 'cancelled' | 'terminated' | 'timed out' | 'continued as new';

export interface HistoryFacts {
  input?: VideoPipelineInput;
  /** Signals and activity completions in history order: what the stages are rebuilt from. */
  timeline: TimelineEntry[];
  activities: ActivityFacts[];
  /** The last value of every search attribute the run upserted. */
  searchAttributes: Record<string, unknown>;
  /** The memo as the run last upserted it. */
  memo: Record<string, unknown>;
  updates: { name: string; atMs?: number; args: unknown[] }[];
  /** Patch ids whose markers the run recorded. */
  patches: string[];
  cancelRequestedAtMs?: number;
  close?: { kind: CloseKind; atMs?: number; result?: unknown; error?: string };
}

export type TimelineEntry =
  | { kind: 'event'; atMs?: number; delivery: VideoEventDelivery }
  | { kind: 'activity'; atMs?: number; activity: ActivityFacts };

export function historyFacts(events: readonly HistoryEvent[]): HistoryFacts {
  const facts: HistoryFacts = {
    timeline: [],
    activities: [],
    searchAttributes: {},
    memo: {},
    updates: [],
    patches: [],
  };
  const byScheduledId = new Map<string, ActivityFacts>();
  for (const event of events) {
    const atMs = timestampMs(event.eventTime);
    const id = String(event.eventId ?? '');
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      facts.input = decodeFirst(started.input?.payloads) as VideoPipelineInput | undefined;
      continue;
    }
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal) {
      const delivery = decodeFirst(signal.input?.payloads) as VideoEventDelivery | undefined;
      if (signal.signalName === 'vodEvent' && delivery?.event) {
        facts.timeline.push({ kind: 'event', ...(atMs !== undefined ? { atMs } : {}), delivery });
      }
      continue;
    }
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) {
      const activity: ActivityFacts = {
        activityId: scheduled.activityId ?? id,
        activityType: scheduled.activityType?.name ?? 'unknown',
        input: decodeFirst(scheduled.input?.payloads),
        state: 'scheduled',
        ...(atMs !== undefined ? { scheduledAtMs: atMs } : {}),
      };
      byScheduledId.set(id, activity);
      facts.activities.push(activity);
      continue;
    }
    const activityStarted = event.activityTaskStartedEventAttributes;
    if (activityStarted) {
      const activity = byScheduledId.get(String(activityStarted.scheduledEventId));
      if (activity) {
        activity.state = 'running';
        if (activityStarted.attempt) activity.attempt = activityStarted.attempt;
      }
      continue;
    }
    const ended = activityEnd(event);
    if (ended) {
      const activity = byScheduledId.get(ended.scheduledEventId);
      if (!activity) continue;
      activity.state = ended.state;
      if (atMs !== undefined) activity.closedAtMs = atMs;
      if (ended.result !== undefined) activity.result = ended.result;
      if (ended.error !== undefined) activity.error = ended.error;
      facts.timeline.push({ kind: 'activity', ...(atMs !== undefined ? { atMs } : {}), activity });
      continue;
    }
    const cancelRequest = event.activityTaskCancelRequestedEventAttributes;
    if (cancelRequest) {
      const activity = byScheduledId.get(String(cancelRequest.scheduledEventId));
      if (activity) activity.cancelRequested = true;
      continue;
    }
    const upsert = event.upsertWorkflowSearchAttributesEventAttributes;
    if (upsert) {
      for (const [key, payload] of Object.entries(upsert.searchAttributes?.indexedFields ?? {})) {
        facts.searchAttributes[key] = decode(payload);
      }
      continue;
    }
    const properties = event.workflowPropertiesModifiedEventAttributes;
    if (properties) {
      for (const [key, payload] of Object.entries(properties.upsertedMemo?.fields ?? {})) {
        const value = decode(payload);
        if (value === undefined || value === null) delete facts.memo[key];
        else facts.memo[key] = value;
      }
      continue;
    }
    const marker = event.markerRecordedEventAttributes;
    if (marker) {
      if (marker.markerName === 'core_patch') {
        const data = decodeFirst(marker.details?.['patch-data']?.payloads) as { id?: unknown } | undefined;
        if (typeof data?.id === 'string') facts.patches.push(data.id);
      }
      continue;
    }
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    if (accepted) {
      const request = accepted.acceptedRequest;
      facts.updates.push({
        name: request?.input?.name ?? 'unknown',
        ...(atMs !== undefined ? { atMs } : {}),
        args: (request?.input?.args?.payloads ?? []).map(decode),
      });
      continue;
    }
    if (event.workflowExecutionCancelRequestedEventAttributes) {
      if (atMs !== undefined) facts.cancelRequestedAtMs = atMs;
      continue;
    }
    const close = closeOf(event);
    if (close) facts.close = { ...close, ...(atMs !== undefined ? { atMs } : {}) };
  }
  return facts;
}

function activityEnd(
  event: HistoryEvent,
): { scheduledEventId: string; state: ActivityState; result?: unknown; error?: string } | null {
  const completed = event.activityTaskCompletedEventAttributes;
  if (completed) {
    return {
      scheduledEventId: String(completed.scheduledEventId),
      state: 'completed',
      result: decodeFirst(completed.result?.payloads),
    };
  }
  const failed = event.activityTaskFailedEventAttributes;
  if (failed) {
    return {
      scheduledEventId: String(failed.scheduledEventId),
      state: 'failed',
      error: failureText(failed.failure),
    };
  }
  const timedOut = event.activityTaskTimedOutEventAttributes;
  if (timedOut) {
    return {
      scheduledEventId: String(timedOut.scheduledEventId),
      state: 'timed out',
      error: failureText(timedOut.failure),
    };
  }
  const cancelled = event.activityTaskCanceledEventAttributes;
  if (cancelled) return { scheduledEventId: String(cancelled.scheduledEventId), state: 'cancelled' };
  return null;
}

function closeOf(event: HistoryEvent): { kind: CloseKind; result?: unknown; error?: string } | null {
  const completed = event.workflowExecutionCompletedEventAttributes;
  if (completed) return { kind: 'completed', result: decodeFirst(completed.result?.payloads) };
  const failed = event.workflowExecutionFailedEventAttributes;
  if (failed) return { kind: 'failed', error: failureText(failed.failure) };
  if (event.workflowExecutionCanceledEventAttributes) return { kind: 'cancelled' };
  const terminated = event.workflowExecutionTerminatedEventAttributes;
  if (terminated) return { kind: 'terminated', ...(terminated.reason ? { error: terminated.reason } : {}) };
  if (event.workflowExecutionTimedOutEventAttributes) return { kind: 'timed out' };
  if (event.workflowExecutionContinuedAsNewEventAttributes) return { kind: 'continued as new' };
  return null;
}

/** The innermost useful text: an activity failure wraps the application failure that says why. */
export function failureText(failure: Failure | null | undefined): string | undefined {
  if (!failure) return undefined;
  let inner: Failure = failure;
  while (inner.cause) inner = inner.cause;
  const type = inner.applicationFailureInfo?.type;
  const message = inner.message ?? failure.message ?? '';
  return type ? `${type}: ${message}` : message;
}

function decodeFirst(payloads: readonly Payload[] | null | undefined): unknown {
  const first = payloads?.[0];
  return first ? decode(first) : undefined;
}

function decode(payload: Payload): unknown {
  try {
    return defaultPayloadConverter.fromPayload(
      payload as Parameters<typeof defaultPayloadConverter.fromPayload>[0],
    );
  } catch {
    // An encoding this tool does not know (a codec, say): the value is shown as unknown.
    return undefined;
  }
}

/** A protobuf Timestamp in ms; its seconds may be a Long, a number or a string, depending on who parsed it. */
function timestampMs(ts: temporal.api.history.v1.IHistoryEvent['eventTime']): number | undefined {
  if (!ts) return undefined;
  const seconds = Number(String(ts.seconds ?? 0));
  return Number.isFinite(seconds) ? seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6) : undefined;
}
