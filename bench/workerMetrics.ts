/**
 * The worker's own view of a window, from the Temporal SDK's metrics (its Prometheus exporter,
 * milliseconds): how long the worker ran its tasks, how long the server took to hand them out,
 * and how long the server took to answer the worker's completions. A history's timestamps
 * cannot tell the worker's work from the trip of its completion to the server; these can.
 */
import { sumSeries } from './pollerMetrics';

export interface WorkerWindow {
  workflow_tasks: number;
  /** The worker's time per workflow task: its activation, and local activities inside it. */
  workflow_task_execution_ms: number | null;
  /** Scheduled → handed to the worker's poll (the server's matching, and a free poller). */
  workflow_task_schedule_to_start_ms: number | null;
  /** RespondWorkflowTaskCompleted as the worker's client saw it: the server persisting the task. */
  workflow_task_completion_call_ms: number | null;
  activities: number;
  activity_execution_ms: number | null;
  activity_schedule_to_start_ms: number | null;
  activity_completion_call_ms: number | null;
}

function delta(before: string, after: string, name: string, labels: Record<string, string> = {}): number {
  return (sumSeries(after, name, labels) ?? 0) - (sumSeries(before, name, labels) ?? 0);
}

/** The mean of a histogram over the window between two scrapes; null when nothing was observed. */
function windowMean(
  before: string,
  after: string,
  name: string,
  labels: Record<string, string> = {},
): number | null {
  const count = delta(before, after, `${name}_count`, labels);
  if (count <= 0) return null;
  return Math.round((delta(before, after, `${name}_sum`, labels) / count) * 10) / 10;
}

/** Means over the window between two scrapes of the SDK's Prometheus text (default `temporal_` prefix). */
export function workerWindow(before: string, after: string): WorkerWindow {
  const completion = (operation: string) =>
    windowMean(before, after, 'temporal_request_latency', { operation });
  return {
    workflow_tasks: delta(before, after, 'temporal_workflow_task_execution_latency_count'),
    workflow_task_execution_ms: windowMean(before, after, 'temporal_workflow_task_execution_latency'),
    workflow_task_schedule_to_start_ms: windowMean(
      before,
      after,
      'temporal_workflow_task_schedule_to_start_latency',
    ),
    workflow_task_completion_call_ms: completion('RespondWorkflowTaskCompleted'),
    activities: delta(before, after, 'temporal_activity_execution_latency_count'),
    activity_execution_ms: windowMean(before, after, 'temporal_activity_execution_latency'),
    activity_schedule_to_start_ms: windowMean(before, after, 'temporal_activity_schedule_to_start_latency'),
    activity_completion_call_ms: completion('RespondActivityTaskCompleted'),
  };
}

/** The means in words: a workflow task's and an activity's way through the server and the worker. */
export function workerWindowText(m: WorkerWindow): string {
  const ms = (v: number | null) => `${String(v ?? '–')} ms`;
  return (
    `${m.workflow_tasks} workflow tasks: to start ${ms(m.workflow_task_schedule_to_start_ms)}, ` +
    `run ${ms(m.workflow_task_execution_ms)}, completion call ${ms(m.workflow_task_completion_call_ms)}; ` +
    `${m.activities} activities: to start ${ms(m.activity_schedule_to_start_ms)}, ` +
    `run ${ms(m.activity_execution_ms)}, completion call ${ms(m.activity_completion_call_ms)}`
  );
}
