/**
 * The operator's side of video pipelines on Temporal: describe, inspect, list and count,
 * rerun and cancel. Every call runs under its own deadline; the commands in cli/ only parse
 * flags, fan out and print. What these decide from is pure (videoReport.ts, historyFacts.ts,
 * visibilityQuery.ts, src/shared/rerun.ts) and unit tested.
 */
import { randomUUID } from 'node:crypto';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import {
  pipelineHandoffQuery,
  pipelineStateQuery,
  pipelineStatuses,
  rerunStepsUpdate,
  videoPipelineWorkflowType,
  videoWorkflowId,
  type PipelineHandoff,
  type PipelineView,
  type RerunRecord,
  type RerunRequest,
  type VideoPipelineInput,
} from '../shared/definitions';
import { rerunRefusal, rerunTargets } from '../shared/rerun';
import { VideoId, VodBackfilled, VodStatus } from '../shared/searchAttributes';
import { historyFacts } from './historyFacts';
import {
  pipelineSettled,
  reportFromHistory,
  reportFromView,
  videoIdOf,
  webUiUrl,
  type RunInfo,
  type VideoReport,
} from './videoReport';
import type { TokenBucket } from './rateLimiter';
import { quoteValue } from './visibilityQuery';

export interface OperatorContext {
  client: Client;
  namespace: string;
  /** The Temporal Web UI's base URL. */
  uiBase: string;
  /** Deadline of each call to Temporal. */
  timeoutMs: number;
  /** Deadline of a query; a closed run's query waits for a worker to replay it. */
  queryTimeoutMs: number;
  /** Every call to Temporal takes a token first (`--rps`). */
  limiter?: TokenBucket;
}

/** Whether workers poll a task queue, asked once per queue and remembered for the command's life. */
export class WorkerPresence {
  private readonly known = new Map<string, Promise<boolean>>();

  constructor(private readonly ctx: OperatorContext) {}

  polled(taskQueue: string): Promise<boolean> {
    let answer = this.known.get(taskQueue);
    if (!answer) {
      answer = withDeadline(this.ctx, this.ctx.timeoutMs, () =>
        this.ctx.client.workflowService.describeTaskQueue({
          namespace: this.ctx.namespace,
          taskQueue: { name: taskQueue },
          taskQueueType: 1, // workflow tasks: what a query needs
        }),
      ).then(
        (response) => (response.pollers ?? []).length > 0,
        () => true, // cannot tell: let the query find out
      );
      this.known.set(taskQueue, answer);
    }
    return answer;
  }

  /** A query timed out: no worker answers on this queue, don't make the next video wait too. */
  markAbsent(taskQueue: string): void {
    this.known.set(taskQueue, Promise.resolve(false));
  }
}

/** The video's latest run, or null when Temporal has none. */
export async function describeVideo(ctx: OperatorContext, videoId: string): Promise<RunInfo | null> {
  try {
    const description = await withDeadline(ctx, ctx.timeoutMs, () =>
      ctx.client.workflow.getHandle(videoWorkflowId(videoId)).describe(),
    );
    return runInfo(description);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

export function runInfo(info: WorkflowExecutionInfo | WorkflowExecutionDescription): RunInfo {
  const searchAttributes: Record<string, unknown> = {};
  for (const pair of info.typedSearchAttributes.getAll()) searchAttributes[pair.key.name] = pair.value;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    execution: info.status.name,
    taskQueue: info.taskQueue,
    startedAt: info.startTime,
    ...(info.closeTime ? { closedAt: info.closeTime } : {}),
    searchAttributes,
  };
}

export type InspectOutcome =
  { videoId: string; found: false } | { videoId: string; found: true; report: VideoReport };

/**
 * The video's pipeline: the workflow's own view through the pipelineState query when a worker
 * answers it (open or closed run), else rebuilt from the history and the result.
 */
export async function inspectVideo(
  ctx: OperatorContext,
  workers: WorkerPresence,
  videoId: string,
): Promise<InspectOutcome> {
  const run = await describeVideo(ctx, videoId);
  if (!run) return { videoId, found: false };
  const uiUrl = webUiUrl(ctx.uiBase, ctx.namespace, run.workflowId);
  const handle = ctx.client.workflow.getHandle(run.workflowId, run.runId);
  const notes: string[] = [];
  if (await workers.polled(run.taskQueue)) {
    try {
      const view = await withDeadline(ctx, ctx.queryTimeoutMs, () => handle.query(pipelineStateQuery));
      return { videoId, found: true, report: reportFromView(view, run, uiUrl) };
    } catch (err) {
      if (isDeadline(err)) workers.markAbsent(run.taskQueue);
      notes.push(
        `no worker answered the pipelineState query (${describeError(err)}): shown from the history`,
      );
    }
  } else {
    notes.push(`no worker polls task queue ${run.taskQueue}: shown from the history`);
  }
  const history = await withDeadline(ctx, ctx.timeoutMs, () => handle.fetchHistory());
  return {
    videoId,
    found: true,
    report: reportFromHistory(historyFacts(history.events ?? []), run, uiUrl, notes),
  };
}

// ---------------------------------------------------------------------------------------------
// list

export interface VideoRow {
  videoId: string;
  workflowId: string;
  runId: string;
  execution: string;
  status?: string;
  stage?: string;
  region?: string;
  backfilled: boolean;
  startedAt: string;
  closedAt?: string;
}

export interface VideoListing {
  query: string;
  /** One row per video: its newest matching run. */
  rows: VideoRow[];
  /** More runs matched than `limit`. */
  truncated: boolean;
  /** Matching runs per VodStatus. */
  counts: Record<string, number>;
  /** group-by: one count query · per-status: a count query per status (the server has no GROUP BY on it). */
  countedBy: 'group-by' | 'per-status';
}

export async function listVideos(
  ctx: OperatorContext,
  query: string,
  options: { limit: number },
): Promise<VideoListing> {
  const listed = await listVideoRows(ctx, query, options);
  const counted = await countByStatus(ctx, query);
  return { query, ...listed, ...counted };
}

/** One row per video (its newest matching run) among the first `limit` matching runs. */
export async function listVideoRows(
  ctx: OperatorContext,
  query: string,
  options: { limit: number },
): Promise<{ rows: VideoRow[]; truncated: boolean }> {
  const rows = new Map<string, VideoRow>();
  let seen = 0;
  let truncated = false;
  const pageSize = Math.min(1_000, options.limit + 1);
  await ctx.limiter?.take();
  for await (const info of ctx.client.workflow.list({ query, pageSize })) {
    if (seen >= options.limit) {
      truncated = true;
      break;
    }
    seen += 1;
    // One token per page the iterator fetches.
    if (seen % pageSize === 0) await ctx.limiter?.take();
    const row = videoRow(info);
    const known = rows.get(row.workflowId);
    if (!known || known.startedAt < row.startedAt) rows.set(row.workflowId, row);
  }
  return { rows: [...rows.values()], truncated };
}

export function videoRow(info: WorkflowExecutionInfo): VideoRow {
  const run = runInfo(info);
  const sa = run.searchAttributes;
  const text = (v: unknown) =>
    typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
  const status = text(sa.VodStatus);
  const stage = text(sa.VodStage);
  const region = text(sa.VodRegion);
  return {
    videoId: text(sa.VideoId) ?? videoIdOf(run.workflowId),
    workflowId: run.workflowId,
    runId: run.runId,
    execution: run.execution,
    ...(status ? { status } : {}),
    ...(stage ? { stage } : {}),
    ...(region ? { region } : {}),
    backfilled: text(sa.VodBackfilled) === 'true',
    startedAt: info.startTime.toISOString(),
    ...(info.closeTime ? { closedAt: info.closeTime.toISOString() } : {}),
  };
}

/** Counts per VodStatus: one GROUP BY query where the server supports it, else one count per status. */
async function countByStatus(
  ctx: OperatorContext,
  query: string,
): Promise<Pick<VideoListing, 'counts' | 'countedBy'>> {
  try {
    const grouped = await withDeadline(ctx, ctx.timeoutMs, () =>
      ctx.client.workflow.count(`${query} GROUP BY ${VodStatus.name}`),
    );
    const counts: Record<string, number> = {};
    for (const group of grouped.groups) {
      const value = group.groupValues[0];
      counts[typeof value === 'string' ? value : String(value ?? 'none')] = group.count;
    }
    return { counts, countedBy: 'group-by' };
  } catch {
    // SQL visibility (the dev server, PostgreSQL/MySQL clusters) groups by ExecutionStatus only.
  }
  const counts: Record<string, number> = {};
  for (const status of pipelineStatuses) {
    const { count } = await withDeadline(ctx, ctx.timeoutMs, () =>
      ctx.client.workflow.count(`${query} AND ${VodStatus.name} = ${quoteValue(status)}`),
    );
    if (count > 0) counts[status] = count;
  }
  return { counts, countedBy: 'per-status' };
}

// ---------------------------------------------------------------------------------------------
// rerun

export type RerunOutcome =
  | { videoId: string; action: 'updated'; runId: string; record: RerunRecord }
  | { videoId: string; action: 'restarted'; closedRunId: string; runId: string; steps: string[] }
  | {
      videoId: string;
      action: 'would-update' | 'would-restart';
      runId: string;
      steps?: string[];
      note?: string;
    }
  | { videoId: string; action: 'refused'; reason: string }
  | { videoId: string; action: 'superseded'; runId: string; latestRunId: string }
  | { videoId: string; action: 'not-found' };

export interface RerunOptions {
  dryRun: boolean;
  /** Remembers task queues no worker polls, so a batch of closed runs fails fast without one. */
  workers?: WorkerPresence;
  /** The run a query selected: skipped when the video has a newer one. */
  selectedRunId?: string;
}

/**
 * Reruns a video's steps. An open run (waiting, processing or lingering) gets the rerunSteps
 * update, deduplicated by its update id. A closed run is continued by a new run of the same
 * workflow id that carries the closed run's handoff (its final state, read with the
 * pipelineHandoff query: a worker must answer it) and applies the rerun as it starts.
 */
export async function rerunVideo(
  ctx: OperatorContext,
  videoId: string,
  request: RerunRequest,
  options: RerunOptions,
): Promise<RerunOutcome> {
  const updateId = `rerun-${randomUUID()}`;
  // A run may close (its linger ends) or open (a new event) between the look and the act: look again once.
  for (let attempt = 1; ; attempt += 1) {
    const run = await describeVideo(ctx, videoId);
    if (!run) return { videoId, action: 'not-found' };
    if (options.selectedRunId && options.selectedRunId !== run.runId) {
      return { videoId, action: 'superseded', runId: options.selectedRunId, latestRunId: run.runId };
    }
    try {
      return run.execution === 'RUNNING'
        ? await rerunOpen(ctx, videoId, run, request, options, updateId)
        : await rerunClosed(ctx, videoId, run, request, options);
    } catch (err) {
      const raced =
        (run.execution === 'RUNNING' && err instanceof WorkflowNotFoundError) ||
        err instanceof WorkflowExecutionAlreadyStartedError;
      if (!raced || attempt >= 2) throw err;
    }
  }
}

async function rerunOpen(
  ctx: OperatorContext,
  videoId: string,
  run: RunInfo,
  request: RerunRequest,
  options: RerunOptions,
  updateId: string,
): Promise<RerunOutcome> {
  const handle = ctx.client.workflow.getHandle(run.workflowId, run.runId);
  if (options.dryRun) {
    const view = await tryQuery(ctx, () => handle.query(pipelineStateQuery));
    if (!view.ok) return { videoId, action: 'would-update', runId: run.runId, note: view.note };
    const refusal = rerunRefusal(subjectOf(view.value), request);
    if (refusal) return { videoId, action: 'refused', reason: refusal };
    return {
      videoId,
      action: 'would-update',
      runId: run.runId,
      steps: rerunTargets(view.value.stepGraph, request.from),
    };
  }
  try {
    const record = await withDeadline(ctx, ctx.timeoutMs, () =>
      handle.executeUpdate(rerunStepsUpdate, { args: [request], updateId }),
    );
    return { videoId, action: 'updated', runId: run.runId, record };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      return { videoId, action: 'refused', reason: err.cause?.message ?? err.message };
    }
    if (isDeadline(err)) {
      throw new Error(
        `no worker took the rerunSteps update within ${ctx.timeoutMs} ms: is a worker running?`,
      );
    }
    throw err;
  }
}

async function rerunClosed(
  ctx: OperatorContext,
  videoId: string,
  run: RunInfo,
  request: RerunRequest,
  options: RerunOptions,
): Promise<RerunOutcome> {
  const handle = ctx.client.workflow.getHandle(run.workflowId, run.runId);
  const polled = options.workers ? await options.workers.polled(run.taskQueue) : true;
  const view: QueryAnswer<PipelineView> = polled
    ? await tryQuery(ctx, () => handle.query(pipelineStateQuery))
    : { ok: false, note: `no worker polls task queue ${run.taskQueue}`, timedOut: false };
  if (!view.ok) {
    if (view.timedOut) options.workers?.markAbsent(run.taskQueue);
    if (options.dryRun) return { videoId, action: 'would-restart', runId: run.runId, note: view.note };
    throw new Error(`rerunning a closed run needs a worker to read its final state: ${view.note}`);
  }
  const refusal = rerunRefusal(subjectOf(view.value), request);
  if (refusal) return { videoId, action: 'refused', reason: refusal };
  const steps = rerunTargets(view.value.stepGraph, request.from);
  if (options.dryRun) return { videoId, action: 'would-restart', runId: run.runId, steps };
  const handoff = await withDeadline(ctx, ctx.queryTimeoutMs, () => handle.query(pipelineHandoffQuery));
  const input: VideoPipelineInput = {
    mediaId: handoff.pipeline.mediaId,
    region: handoff.pipeline.region,
    carried: handoff satisfies PipelineHandoff,
    rerun: request,
  };
  const backfilled = run.searchAttributes[VodBackfilled.name];
  const started = await withDeadline(ctx, ctx.timeoutMs, () =>
    ctx.client.workflow.start(videoPipelineWorkflowType, {
      workflowId: run.workflowId,
      taskQueue: run.taskQueue,
      args: [input],
      // Only this closed run may be followed; an open one means someone else acted first.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: [
        { key: VideoId, value: videoId },
        ...(backfilled === 'true' ? [{ key: VodBackfilled, value: 'true' }] : []),
      ],
    }),
  );
  return { videoId, action: 'restarted', closedRunId: run.runId, runId: started.firstExecutionRunId, steps };
}

function subjectOf(view: PipelineView) {
  return {
    status: view.status,
    video: view.video,
    requiredStages: view.options.requiredStages,
    graph: view.stepGraph,
  };
}

// ---------------------------------------------------------------------------------------------
// cancel

export type CancelOutcome =
  | { videoId: string; action: 'cancelled'; runId: string; status: string; reason?: string }
  | { videoId: string; action: 'closed-settled'; runId: string; status: string }
  | { videoId: string; action: 'requested'; runId: string }
  | { videoId: string; action: 'would-cancel'; runId: string; status?: string }
  | { videoId: string; action: 'already-closed'; runId: string; execution: string; status?: string }
  | { videoId: string; action: 'not-found' };

/**
 * Asks Temporal to cancel the video's open run (what the Web UI's Cancel button does) and
 * waits up to `waitMs` for it to close. The workflow cancels its running steps and ends
 * `cancelled`; a run lingering after it settled keeps its outcome and only stops lingering.
 */
export async function cancelVideo(
  ctx: OperatorContext,
  videoId: string,
  options: { dryRun: boolean; waitMs: number },
): Promise<CancelOutcome> {
  const run = await describeVideo(ctx, videoId);
  if (!run) return { videoId, action: 'not-found' };
  const status =
    typeof run.searchAttributes.VodStatus === 'string' ? run.searchAttributes.VodStatus : undefined;
  if (run.execution !== 'RUNNING') {
    return {
      videoId,
      action: 'already-closed',
      runId: run.runId,
      execution: run.execution,
      ...(status ? { status } : {}),
    };
  }
  if (options.dryRun)
    return { videoId, action: 'would-cancel', runId: run.runId, ...(status ? { status } : {}) };
  const handle = ctx.client.workflow.getHandle(run.workflowId, run.runId);
  await withDeadline(ctx, ctx.timeoutMs, () => handle.cancel());
  const deadline = Date.now() + options.waitMs;
  while (Date.now() < deadline) {
    const now = await describeVideo(ctx, videoId);
    if (now && now.runId === run.runId && now.execution !== 'RUNNING') {
      const finalStatus =
        typeof now.searchAttributes.VodStatus === 'string' ? now.searchAttributes.VodStatus : 'unknown';
      if (finalStatus !== 'cancelled')
        return { videoId, action: 'closed-settled', runId: run.runId, status: finalStatus };
      const result = await resultOf(ctx, run).catch(() => undefined);
      return {
        videoId,
        action: 'cancelled',
        runId: run.runId,
        status: finalStatus,
        ...(result?.reason ? { reason: result.reason } : {}),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { videoId, action: 'requested', runId: run.runId };
}

async function resultOf(ctx: OperatorContext, run: RunInfo): Promise<{ reason?: string } | undefined> {
  return withDeadline(ctx, ctx.timeoutMs, () =>
    ctx.client.workflow.getHandle(run.workflowId, run.runId, { followRuns: false }).result(),
  ) as Promise<{ reason?: string } | undefined>;
}

// ---------------------------------------------------------------------------------------------
// waiting for an outcome

/**
 * Polls each video until its pipeline settled (pipelineSettled) or `waitMs` passed; the last
 * report of each, settled or not.
 */
export async function waitUntilSettled(
  ctx: OperatorContext,
  workers: WorkerPresence,
  videoIds: readonly string[],
  waitMs: number,
): Promise<Map<string, VideoReport>> {
  const reports = new Map<string, VideoReport>();
  const pending = new Set(videoIds);
  const deadline = Date.now() + waitMs;
  while (pending.size > 0) {
    for (const videoId of [...pending]) {
      const outcome = await inspectVideo(ctx, workers, videoId).catch(() => null);
      if (!outcome?.found) continue;
      reports.set(videoId, outcome.report);
      if (pipelineSettled(outcome.report)) pending.delete(videoId);
    }
    if (pending.size === 0 || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return reports;
}

// ---------------------------------------------------------------------------------------------

type QueryAnswer<T> = { ok: true; value: T } | { ok: false; note: string; timedOut: boolean };

async function tryQuery<T>(ctx: OperatorContext, query: () => Promise<T>): Promise<QueryAnswer<T>> {
  try {
    return { ok: true, value: await withDeadline(ctx, ctx.queryTimeoutMs, query) };
  } catch (err) {
    const timedOut = isDeadline(err);
    return {
      ok: false,
      note: timedOut
        ? `no worker answered the query within ${ctx.queryTimeoutMs} ms`
        : `the query failed: ${describeError(err)}`,
      timedOut,
    };
  }
}

/** One call to Temporal: a token from the limiter, then the call under its own deadline. */
async function withDeadline<T>(ctx: OperatorContext, ms: number, fn: () => Promise<T>): Promise<T> {
  await ctx.limiter?.take();
  return ctx.client.withDeadline(Date.now() + ms, fn);
}

function isDeadline(err: unknown): boolean {
  for (let e: unknown = err; e; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === 4) return true; // gRPC DEADLINE_EXCEEDED
    if (/deadline/i.test(String((e as { message?: unknown }).message ?? ''))) return true;
  }
  return false;
}

export function describeError(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  const message = e?.cause?.message ?? e?.message ?? String(err);
  return message.split('\n')[0]!.slice(0, 300);
}
