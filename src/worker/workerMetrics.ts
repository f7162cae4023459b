import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The worker's Prometheus metrics, on a registry of its own (like the poller's) so several
 * workers in one process never collide in prom-client's global registry. Every label value
 * comes from a closed set: activity types the worker registers, outcomes, allow-listed
 * error types and pipeline statuses. Never an id or a message.
 */
export interface WorkerMetrics {
  registry: Registry;
  activityExecutions: Counter<'activity' | 'outcome' | 'error_type'>;
  activityDuration: Histogram<'activity'>;
  pipelinesFinished: Counter<'status'>;
  /** outcome: started | restarted | running | finished | other_app | failed */
  backfillVideos: Counter<'outcome'>;
}

/** From a local VOD emulator call (a few ms) to an attempt at the longest activity timeout (1 min). */
const activityBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * `defaultMetrics` adds the Node process metrics (prefix `vodflow_`). A process that also
 * runs a poller (`run`, `dev`) gets them from the poller's registry, and two registries
 * with the same names would scrape as duplicates: pass false there.
 */
export function createWorkerMetrics(options: { defaultMetrics?: boolean } = {}): WorkerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'vodflow_' });
  const metrics: WorkerMetrics = {
    registry,
    activityExecutions: new Counter({
      name: 'vodflow_worker_activity_executions_total',
      help: 'Activity attempts by outcome; error_type is the failure type, or other when not a known one.',
      labelNames: ['activity', 'outcome', 'error_type'],
      registers: [registry],
    }),
    activityDuration: new Histogram({
      name: 'vodflow_worker_activity_duration_seconds',
      help: 'Duration of activity attempts, successful or not.',
      labelNames: ['activity'],
      buckets: activityBuckets,
      registers: [registry],
    }),
    pipelinesFinished: new Counter({
      name: 'vodflow_pipelines_finished_total',
      help: 'videoPipeline runs that returned a result, by its status (continue-as-new is not an end).',
      labelNames: ['status'],
      registers: [registry],
    }),
    backfillVideos: new Counter({
      name: 'vodflow_backfill_videos_total',
      help: 'Videos the scheduled backfill sweep looked at, by outcome; started/restarted mean events never reached vodflow.',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
  // Series born at 0, so Prometheus' increase() sees the first stalled video or missed event.
  for (const status of pipelineStatuses) metrics.pipelinesFinished.inc({ status }, 0);
  for (const outcome of backfillOutcomeLabels) metrics.backfillVideos.inc({ outcome }, 0);
  return metrics;
}

const pipelineStatuses = ['completed', 'failed', 'rejected', 'stalled', 'deleted', 'cancelled'] as const;
export const backfillOutcomeLabels = [
  'started',
  'restarted',
  'running',
  'finished',
  'other_app',
  'failed',
] as const;
