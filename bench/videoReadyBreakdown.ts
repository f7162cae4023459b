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
  /**
   * That task starts → publishVideoReady is scheduled: the workflow tasks on the way and
   * fetchPlayInfo (an activity task, or a local activity inside the workflow task).
   */
  task_to_publish_scheduled_ms: number;
  /** fetchPlayInfo scheduled → completed when it ran as an activity task (0 when local). */
  play_info_activity_ms: number;
  /** publishVideoReady scheduled → completed (queueing, the webhook call). */
  publish_ms: number;
  /** Workflow tasks started from the last signal until publishVideoReady was scheduled. */
  workflow_tasks: number;
  /** Attempts fetchPlayInfo took (1 = no not-ready retry). */
  play_info_attempts: number;
}

const phaseNames = [
  'signal_to_task_ms',
  'task_to_publish_scheduled_ms',
  'play_info_activity_ms',
  'publish_ms',
  'workflow_tasks',
  'play_info_attempts',
] as const;

// temporal.api.enums.v1.EventType values.
const WORKFLOW_TASK_STARTED = 6;
const ACTIVITY_TASK_SCHEDULED = 10;
const ACTIVITY_TASK_STARTED = 11;
const ACTIVITY_TASK_COMPLETED = 12;
const MARKER_RECORDED = 25;
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
  let tasks = 0;
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
        tasks = 0;
      }
    } else if (type === WORKFLOW_TASK_STARTED) {
      if (lastSignal !== null && !scheduled.has('publishVideoReady')) {
        taskStarted ??= timeMs(event);
        tasks += 1;
      }
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
    } else if (
      type === MARKER_RECORDED &&
      event.markerRecordedEventAttributes?.markerName === 'core_local_activity'
    ) {
      // A local activity's marker: its details are JSON payloads; only the attempt count matters here.
      playInfoAttempts = Math.max(playInfoAttempts, localActivityAttempt(event) ?? 1);
    }
  }
  const publishScheduled = scheduled.get('publishVideoReady');
  const publishCompleted = completed.get('publishVideoReady');
  if (
    lastSignal === null ||
    taskStarted === null ||
    publishScheduled === undefined ||
    publishCompleted === undefined
  ) {
    return null;
  }
  const playScheduled = scheduled.get('fetchPlayInfo');
  const playCompleted = completed.get('fetchPlayInfo');
  return {
    signal_to_task_ms: taskStarted - lastSignal,
    task_to_publish_scheduled_ms: publishScheduled - taskStarted,
    play_info_activity_ms:
      playScheduled !== undefined && playCompleted !== undefined ? playCompleted - playScheduled : 0,
    publish_ms: publishCompleted - publishScheduled,
    workflow_tasks: tasks,
    play_info_attempts: playInfoAttempts,
  };
}

function localActivityAttempt(event: HistoryEvent): number | undefined {
  const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as {
      attempt?: number;
      activity_type?: string;
    };
    return typeof parsed.attempt === 'number' ? parsed.attempt : undefined;
  } catch {
    return undefined;
  }
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
