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
  /**
   * Of task_to_publish_scheduled_ms, the workflow tasks' own runs (started → completed): the
   * worker's activation, a local fetchPlayInfo inside it, and the completion's trip to the server.
   * The rest of that phase is the server's, between one task and the next.
   */
  workflow_task_run_ms: number;
  /** Of publish_ms, scheduled → started: the server handing the activity task to a worker's poll. */
  publish_dispatch_ms: number;
  /** Of publish_ms, started → completed: the webhook call and the completion's trip to the server. */
  publish_run_ms: number;
  /**
   * The whole wait split by who holds the video: the server (dispatching the tasks, and between
   * them) and the worker (running them, each with its completion's trip to the server).
   */
  server_ms: number;
  worker_ms: number;
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
  'workflow_task_run_ms',
  'publish_dispatch_ms',
  'publish_run_ms',
  'server_ms',
  'worker_ms',
  'workflow_tasks',
  'play_info_attempts',
] as const;

// temporal.api.enums.v1.EventType values.
const WORKFLOW_TASK_STARTED = 6;
const WORKFLOW_TASK_COMPLETED = 7;
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
  let runningTaskSince: number | null = null;
  let taskRunMs = 0;
  const scheduled = new Map<string, number>();
  const started = new Map<string, number>();
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
        taskRunMs = 0;
        runningTaskSince = null;
      }
    } else if (type === WORKFLOW_TASK_STARTED) {
      if (lastSignal !== null && !scheduled.has('publishVideoReady')) {
        taskStarted ??= timeMs(event);
        tasks += 1;
        runningTaskSince = timeMs(event);
      }
    } else if (type === WORKFLOW_TASK_COMPLETED) {
      if (runningTaskSince !== null) taskRunMs += timeMs(event) - runningTaskSince;
      runningTaskSince = null;
    } else if (type === ACTIVITY_TASK_SCHEDULED) {
      const name = event.activityTaskScheduledEventAttributes?.activityType?.name ?? '';
      activityName.set(id, name);
      if (!scheduled.has(name)) scheduled.set(name, timeMs(event));
    } else if (type === ACTIVITY_TASK_STARTED) {
      const name = activityName.get(String(event.activityTaskStartedEventAttributes?.scheduledEventId ?? ''));
      // Written with the completion, but stamped with the time the task was handed out.
      if (name && !started.has(name)) started.set(name, timeMs(event));
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
  const publishStarted = started.get('publishVideoReady');
  const publishCompleted = completed.get('publishVideoReady');
  if (
    lastSignal === null ||
    taskStarted === null ||
    publishScheduled === undefined ||
    publishStarted === undefined ||
    publishCompleted === undefined
  ) {
    return null;
  }
  const playScheduled = scheduled.get('fetchPlayInfo');
  const playCompleted = completed.get('fetchPlayInfo');
  const signalToTask = taskStarted - lastSignal;
  const taskToPublish = publishScheduled - taskStarted;
  const publishDispatch = publishStarted - publishScheduled;
  const publishRun = publishCompleted - publishStarted;
  // fetchPlayInfo as an activity task (the path before it ran locally): its run is the worker's.
  const playStarted = started.get('fetchPlayInfo');
  const playRun = playStarted !== undefined && playCompleted !== undefined ? playCompleted - playStarted : 0;
  return {
    signal_to_task_ms: signalToTask,
    task_to_publish_scheduled_ms: taskToPublish,
    play_info_activity_ms:
      playScheduled !== undefined && playCompleted !== undefined ? playCompleted - playScheduled : 0,
    publish_ms: publishCompleted - publishScheduled,
    workflow_task_run_ms: taskRunMs,
    publish_dispatch_ms: publishDispatch,
    publish_run_ms: publishRun,
    server_ms: signalToTask + (taskToPublish - taskRunMs - playRun) + publishDispatch,
    worker_ms: taskRunMs + playRun + publishRun,
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

/** The split in words: who held the videos, and the phases, each as p50 / p99. */
export function phasesText(p: PhaseSummary): string {
  const pair = (x: { p50: number; p99: number }) => `${x.p50} / ${x.p99} ms`;
  return (
    `with the server ${pair(p.server_ms)}, with the worker ${pair(p.worker_ms)} ` +
    `(signal → task ${pair(p.signal_to_task_ms)}, task → webhook scheduled ${pair(p.task_to_publish_scheduled_ms)}, ` +
    `webhook ${pair(p.publish_ms)})`
  );
}
