/**
 * One video's pipeline as `vodflow status` shows it: stages with versions and where each
 * result came from, steps with outputs or errors, waiting review gates, reconciliations,
 * publications, reruns and the Web UI link. Built from the pipelineState query when a worker
 * answers it, else from the run's history (historyFacts.ts) and its result. Pure.
 */
import {
  videoWorkflowId,
  type PipelineStatus,
  type PipelineView,
  type RerunRecord,
  type StepRecord,
  type VideoEventDelivery,
  type VideoPipelineResult,
} from '../shared/definitions';
import { resolvePipelineOptions, stageNames, type StageName } from '../shared/pipelineOptions';
import type { ReconciliationReport, VideoState } from '../shared/videoState';
import { applyEvent, applyReconciliation, initialVideoState } from '../workflows/stageMachine';
import type { ActivityFacts, HistoryFacts } from './historyFacts';

/** The run as Temporal describes it (describe() or a visibility listing). */
export interface RunInfo {
  workflowId: string;
  runId: string;
  /** Temporal's execution status: RUNNING, COMPLETED, TERMINATED, … */
  execution: string;
  taskQueue: string;
  startedAt?: Date;
  closedAt?: Date;
  searchAttributes: Record<string, unknown>;
}

export interface StageReport {
  name: StageName;
  required: boolean;
  status: string;
  version: number;
  /** event: a VOD event said so · reconciliation: the VOD API did. */
  source?: string;
  completedAt?: string;
  /** The event (or reconciliation) identity that produced the result. */
  identity?: string;
  failure?: string;
}

export interface StepReport {
  name: string;
  status: string;
  version?: string;
  /** `<workflowId>:<step>:<version>`: what a receiver deduplicates this step's effect by. */
  idempotencyKey?: string;
  runs?: number;
  /** Attempts of the step's last activity (history only). */
  attempt?: number;
  output?: unknown;
  error?: string;
  blockedBy?: string;
  /** A rerun asked for it; it runs again when the pipeline gets to it. */
  rerunPending?: boolean;
}

export interface VideoReport {
  videoId: string;
  workflowId: string;
  runId: string;
  execution: string;
  /** Open although settled: waiting out `lingerAfterCompletionMs` for late events. */
  lingering: boolean;
  /** query: the workflow's own view · history: rebuilt from the history without a worker. */
  source: 'query' | 'history';
  status: PipelineStatus | 'unknown';
  reason?: string;
  stage?: string;
  region?: string;
  run?: number;
  origin?: string;
  startedAt?: string;
  closedAt?: string;
  uiUrl: string;
  requiredStages: StageName[];
  stages: StageReport[];
  steps: StepReport[];
  reviews: { step: string; since: string; deadline: string; onTimeout: string }[];
  reconciliation: { count: number; lastAt?: string; lastError?: string; videoStatus?: string };
  publications: string[];
  reruns: RerunRecord[];
  events: {
    eventType: string;
    status: string | null;
    eventTime: string;
    identity: string;
    outcome?: string;
  }[];
  duplicates?: number;
  notes: string[];
}

/** `<ui>/namespaces/<ns>/workflows/<workflowId>`: the Web UI's page of the video's latest run. */
export function webUiUrl(uiBase: string, namespace: string, workflowId: string): string {
  return `${uiBase.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The video id back from the workflow id (`vod-video-<id>`). */
export function videoIdOf(workflowId: string): string {
  const prefix = videoWorkflowId('');
  return workflowId.startsWith(prefix) ? workflowId.slice(prefix.length) : workflowId;
}

const settledStatuses = new Set(['completed', 'failed', 'rejected']);
const finalStatuses = new Set(['stalled', 'deleted', 'cancelled']);

/** Nothing more will happen without a new event or request: settled (or final), no step running or due. */
export function pipelineSettled(report: VideoReport): boolean {
  if (!settledStatuses.has(report.status) && !finalStatuses.has(report.status)) return false;
  return report.steps.every((s) => s.status !== 'running' && !s.rerunPending);
}

export function reportFromView(
  view: PipelineView,
  run: RunInfo,
  uiUrl: string,
  notes: string[] = [],
): VideoReport {
  const open = run.execution === 'RUNNING';
  return {
    ...base(run, uiUrl, notes),
    lingering: open && settledStatuses.has(view.status),
    source: 'query',
    status: view.status,
    ...(view.reason ? { reason: view.reason } : {}),
    ...stageAttribute(run),
    region: view.region,
    run: view.run,
    ...(view.origin ? { origin: view.origin } : {}),
    requiredStages: view.options.requiredStages,
    stages: stagesOf(view.video, view.options.requiredStages),
    steps: view.stepGraph
      .map((node) => stepOf(run.workflowId, node.name, view.steps[node.name]))
      // Records of steps no longer in this worker's graph (retired) are still shown.
      .concat(
        Object.entries(view.steps)
          .filter(([name]) => !view.stepGraph.some((n) => n.name === name))
          .map(([name, record]) => stepOf(run.workflowId, name, record)),
      ),
    reviews: view.reviews.map((r) => ({
      step: r.step,
      since: iso(r.sinceMs),
      deadline: iso(r.deadlineMs),
      onTimeout: r.onTimeout,
    })),
    reconciliation: reconciliationOf(view.reconciliation),
    publications: view.publications,
    reruns: view.reruns ?? [],
    events: view.video.recent.map((e) => ({
      eventType: e.eventType,
      status: e.status,
      eventTime: e.eventTime,
      identity: e.identity,
      outcome: e.outcome,
    })),
    duplicates: view.duplicates,
  };
}

/**
 * The report rebuilt from the history: stages by replaying the signalled events and the
 * reconciliation results through the same pure stage machine the workflow uses; steps from
 * the activities the run scheduled (built-in steps call one activity of their name); the
 * status from the result of a closed run, else from the memo the run last wrote.
 */
export function reportFromHistory(
  facts: HistoryFacts,
  run: RunInfo,
  uiUrl: string,
  notes: string[] = [],
): VideoReport {
  const input = facts.input;
  const carried = input?.carried as
    | { pipeline?: { video?: VideoState; run?: number }; options?: { requiredStages?: StageName[] } }
    | undefined;
  const requiredStages =
    carried?.options?.requiredStages ?? resolvePipelineOptions(input?.options).requiredStages;
  const video = rebuildStages(facts, input?.mediaId ?? videoIdOf(run.workflowId), carried?.pipeline?.video);
  const result =
    facts.close?.kind === 'completed' ? (facts.close.result as VideoPipelineResult | undefined) : undefined;
  const memoStatus = typeof facts.memo.status === 'string' ? facts.memo.status : undefined;
  const status = (result?.status ??
    memoStatus ??
    stringOf(run.searchAttributes.VodStatus) ??
    'unknown') as VideoReport['status'];
  const reason = result?.reason ?? (typeof facts.memo.reason === 'string' ? facts.memo.reason : undefined);
  const stages = stagesOf(video, requiredStages);
  // A closed run's result is the workflow's own word on its stages.
  for (const stage of stages) {
    const fromResult = result?.stages?.[stage.name];
    if (fromResult)
      Object.assign(stage, {
        status: fromResult.status,
        version: fromResult.version,
        ...(fromResult.source ? { source: fromResult.source } : {}),
      });
  }
  const reconciliations = facts.activities.filter((a) => a.activityType === 'reconcileVideo');
  const lastReconciliation = reconciliations.at(-1);
  const lastReport = lastReconciliation?.result as ReconciliationReport | undefined;
  const publications = result?.publications ?? publicationsOf(facts.activities);
  const open = run.execution === 'RUNNING';
  const closeNote =
    facts.close?.kind && facts.close.kind !== 'completed'
      ? [`the run ${facts.close.kind}${facts.close.error ? `: ${facts.close.error}` : ''}`]
      : [];
  return {
    ...base(run, uiUrl, [...notes, ...closeNote]),
    lingering: open && settledStatuses.has(status),
    source: 'history',
    status,
    ...(reason ? { reason } : {}),
    ...stageAttribute(run, facts),
    ...(input?.region ? { region: input.region } : {}),
    ...(result?.runs !== undefined
      ? { run: result.runs }
      : carried?.pipeline?.run !== undefined
        ? { run: carried.pipeline.run + 1 }
        : input
          ? { run: 1 }
          : {}),
    ...(input?.origin ? { origin: input.origin } : {}),
    requiredStages,
    stages,
    steps: stepsFromActivities(run.workflowId, facts.activities),
    reviews: [],
    reconciliation: {
      count: reconciliations.length,
      ...(lastReconciliation?.closedAtMs !== undefined ? { lastAt: iso(lastReconciliation.closedAtMs) } : {}),
      ...(lastReconciliation?.error ? { lastError: lastReconciliation.error } : {}),
      ...(lastReport?.videoStatus ? { videoStatus: lastReport.videoStatus } : {}),
    },
    publications,
    reruns: facts.updates
      .filter((u) => u.name === 'rerunSteps')
      .map((u) => ({ ...(u.args[0] as object), atMs: u.atMs ?? 0 }) as RerunRecord),
    events: facts.timeline
      .flatMap((entry) =>
        entry.kind === 'event'
          ? [
              {
                eventType: entry.delivery.event.eventType,
                status: entry.delivery.event.status,
                eventTime: entry.delivery.event.eventTime,
                identity: entry.delivery.event.identity,
              },
            ]
          : [],
      )
      .slice(-20),
  };
}

/** The same fold the workflow makes: deduped events and reconciliation reports, in history order. */
function rebuildStages(facts: HistoryFacts, mediaId: string, carried: VideoState | undefined): VideoState {
  let video = carried ?? initialVideoState(mediaId);
  const absorbLateConfirmations = facts.patches.includes('absorb-late-confirmations');
  const seen = new Set<string>();
  for (const entry of facts.timeline) {
    if (entry.kind === 'event') {
      const event = (entry.delivery as VideoEventDelivery).event;
      if (seen.has(event.identity)) continue;
      seen.add(event.identity);
      video = applyEvent(video, event, { absorbLateConfirmations }).state;
    } else if (entry.activity.activityType === 'reconcileVideo' && entry.activity.state === 'completed') {
      video = applyReconciliation(video, entry.activity.result as ReconciliationReport).state;
    }
  }
  return video;
}

function stepsFromActivities(workflowId: string, activities: readonly ActivityFacts[]): StepReport[] {
  const last = new Map<string, ActivityFacts>();
  const runs = new Map<string, number>();
  for (const activity of activities) {
    if (activity.activityType === 'reconcileVideo') continue;
    last.set(activity.activityType, activity);
    runs.set(activity.activityType, (runs.get(activity.activityType) ?? 0) + 1);
  }
  return [...last].map(([name, activity]) => {
    const input = activity.input as { idempotencyKey?: unknown } | undefined;
    const key = typeof input?.idempotencyKey === 'string' ? input.idempotencyKey : undefined;
    const version = key?.startsWith(`${workflowId}:${name}:`)
      ? key.slice(workflowId.length + name.length + 2)
      : undefined;
    return {
      name,
      status: activityStatus(activity),
      ...(version ? { version } : {}),
      ...(key ? { idempotencyKey: key } : {}),
      runs: runs.get(name)!,
      ...(activity.attempt !== undefined ? { attempt: activity.attempt } : {}),
      ...(activity.result !== undefined ? { output: activity.result } : {}),
      ...(activity.error ? { error: activity.error } : {}),
    };
  });
}

function activityStatus(activity: ActivityFacts): string {
  switch (activity.state) {
    case 'completed':
      return 'succeeded';
    case 'scheduled':
    case 'running':
      return activity.cancelRequested ? 'cancelled' : 'running';
    default:
      return activity.state;
  }
}

function publicationsOf(activities: readonly ActivityFacts[]): string[] {
  return activities.flatMap((a) => {
    const result = a.result as { delivered?: unknown; idempotencyKey?: unknown } | undefined;
    return a.state === 'completed' && result?.delivered === true && typeof result.idempotencyKey === 'string'
      ? [result.idempotencyKey]
      : [];
  });
}

function base(run: RunInfo, uiUrl: string, notes: string[]) {
  return {
    videoId: videoIdOf(run.workflowId),
    workflowId: run.workflowId,
    runId: run.runId,
    execution: run.execution,
    ...(run.startedAt ? { startedAt: run.startedAt.toISOString() } : {}),
    ...(run.closedAt ? { closedAt: run.closedAt.toISOString() } : {}),
    uiUrl,
    notes,
  };
}

function stageAttribute(run: RunInfo, facts?: HistoryFacts): { stage?: string } {
  const stage = stringOf(facts?.searchAttributes.VodStage) ?? stringOf(run.searchAttributes.VodStage);
  return stage ? { stage } : {};
}

function stagesOf(video: VideoState, required: readonly StageName[]): StageReport[] {
  return stageNames.map((name) => {
    const stage = video.stages[name];
    const failure = stage.failure
      ? [stage.failure.code, stage.failure.message].filter(Boolean).join(': ')
      : '';
    return {
      name,
      required: required.includes(name),
      status: stage.status,
      version: stage.version,
      ...(stage.source ? { source: stage.source } : {}),
      ...(stage.completedAt ? { completedAt: stage.completedAt } : {}),
      ...(stage.identity ? { identity: stage.identity } : {}),
      ...(failure ? { failure } : {}),
    };
  });
}

function stepOf(workflowId: string, name: string, record: StepRecord | undefined): StepReport {
  if (!record) return { name, status: 'not run' };
  return {
    name,
    status: record.status,
    version: record.version,
    idempotencyKey: `${workflowId}:${name}:${record.version}`,
    ...(record.runs !== undefined ? { runs: record.runs } : {}),
    ...(record.output !== undefined ? { output: record.output } : {}),
    ...(record.error ? { error: record.error } : {}),
    ...(record.blockedBy ? { blockedBy: record.blockedBy } : {}),
    ...(record.rerun ? { rerunPending: true } : {}),
  };
}

function reconciliationOf(r: PipelineView['reconciliation']): VideoReport['reconciliation'] {
  return {
    count: r.count,
    ...(r.lastAtMs !== undefined ? { lastAt: iso(r.lastAtMs) } : {}),
    ...(r.lastError ? { lastError: r.lastError } : {}),
    ...(r.lastReport?.videoStatus ? { videoStatus: r.lastReport.videoStatus } : {}),
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function stringOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return stringOf(value[0]);
  return typeof value === 'string' ? value : undefined;
}
