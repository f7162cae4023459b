/**
 * Where a video's ready latency goes, read from its workflow history: the server's own
 * timestamps from the last required signal to the webhook step's completion, split into the
 * phases a fix would target. Pure over the history events; the worker scenario fetches them.
 */
import type { temporal } from '@temporalio/proto';
import { percentile } from '../src/observability/percentiles';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Milliseconds per phase of one video, each from the end of the previous one. */
export interface ReadyPhases {
  /** Last vodEvent signal persisted → the workflow task that handles it starts. */
  signal_to_task_ms: number;
  /** That task starts → fetchPlayInfo is scheduled (the task's own run and its completion). */
  task_to_play_info_scheduled_ms: number;
  /** fetchPlayInfo scheduled → completed (queueing, not-ready retries, the VOD call). */
  play_info_ms: number;
  /** fetchPlayInfo completed → publishVideoReady scheduled (one more workflow task). */
  play_info_to_publish_scheduled_ms: number;
  /** publishVideoReady scheduled → completed (queueing, the webhook call). */
  publish_ms: number;
  /** Attempts fetchPlayInfo took (1 = no not-ready retry). */
  play_info_attempts: number;
}

const phaseNames = [
  'signal_to_task_ms',
  'task_to_play_info_scheduled_ms',
  'play_info_ms',
  'play_info_to_publish_scheduled_ms',
  'publish_ms',
  'play_info_attempts',
] as const;

// temporal.api.enums.v1.EventType values, inlined so the bench does not import the proto at runtime.
const WORKFLOW_TASK_STARTED = 6;
const ACTIVITY_TASK_SCHEDULED = 10;
const ACTIVITY_TASK_STARTED = 11;
const ACTIVITY_TASK_COMPLETED = 12;
const WORKFLOW_EXECUTION_SIGNALED = 26;

function timeMs(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return Number.NaN;
  return Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

/** The phases of one completed video, or null when its history lacks one of them. */
export function readyPhases(events: readonly HistoryEvent[]): ReadyPhases | null {
  const activityName = new Map<string, string>();
  let lastSignal: number | null = null;
  let taskStarted: number | null = null;
  const scheduled = new Map<string, number>();
  const completed = new Map<string, number>();
  let playInfoAttempts = 0;
  for (const event of events) {
    const type = Number(event.eventType);
    const id = String(event.eventId ?? '');
    if (type === WORKFLOW_EXECUTION_SIGNALED) {
      if (event.workflowExecutionSignaledEventAttributes?.signalName === 'vodEvent') {
        lastSignal = timeMs(event);
        taskStarted = null;
      }
    } else if (type === WORKFLOW_TASK_STARTED) {
      if (lastSignal !== null && taskStarted === null) taskStarted = timeMs(event);
    } else if (type === ACTIVITY_TASK_SCHEDULED) {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
      activityName.set(id, name);
      if (!scheduled.has(name)) scheduled.set(name, timeMs(event));
    } else if (type === ACTIVITY_TASK_STARTED) {
      const name = activityName.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId ?? ''));
      if (name === 'fetchPlayInfo') playInfoAttempts = event.activityTaskStartedEventAttributes?.attempt ?? 1;
    } else if (type === ACTIVITY_TASK_COMPLETED) {
      const name = activityName.get(
        String(event.activityTaskCompletedEventAttributes?.scheduledEventId ?? ''),
      );
      if (name && !completed.has(name)) completed.set(name, timeMs(event));
    }
  }
  const playScheduled = scheduled.get('fetchPlayInfo');
  const playCompleted = completed.get('fetchPlayInfo');
  const publishScheduled = scheduled.get('publishVideoReady');
  const publishCompleted = completed.get('publishVideoReady');
  if (
    lastSignal === null ||
    taskStarted === null ||
    playScheduled === undefined ||
    playCompleted === undefined ||
    publishScheduled === undefined ||
    publishCompleted === undefined
  ) {
    return null;
  }
  return {
    signal_to_task_ms: taskStarted - lastSignal,
    task_to_play_info_scheduled_ms: playScheduled - taskStarted,
    play_info_ms: playCompleted - playScheduled,
    play_info_to_publish_scheduled_ms: publishScheduled - playCompleted,
    publish_ms: publishCompleted - publishScheduled,
    play_info_attempts: playInfoAttempts,
  };
}

export type PhaseSummary = Record<(typeof phaseNames)[number], { p50: number; p99: number; max: number }>;

/** p50 / p99 / max of each phase over many videos. */
export function summarizePhases(all: readonly ReadyPhases[]): PhaseSummary {
  const out = {} as PhaseSummary;
  for (const name of phaseNames) {
    const values = all.map((p) => p[name]);
    out[name] = {
      p50: percentile(values, 50),
      p99: percentile(values, 99),
      max: values.reduce((m, v) => Math.max(m, v), 0),
    };
  }
  return out;
}
