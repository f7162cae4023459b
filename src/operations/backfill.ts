/**
 * The backfill sweep: find the videos whose events never reached vodflow (a callback pointing
 * elsewhere, VOD's role to write to MNS missing, queue retention run out during an outage,
 * VOD's three pushes failed) by listing them through the VOD API, and start a pipeline for
 * each one that has none, or whose last run ended stalled. `vodflow backfill` and the
 * scheduled backfillSweep workflow share this module: the window splitting and the decision
 * are pure; listing and starting are behind small interfaces (docs/PRODUCTION.md).
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { VodApiError, type VodApi } from '../activities/vodApi';
import { videoPipelineWorkflowType, videoWorkflowId, type VideoPipelineInput } from '../shared/definitions';
import type { PipelineOptionsInput } from '../shared/pipelineOptions';
import { VodStatus } from '../shared/searchAttributes';

/** GetVideoList pages reach only the first 5,000 matches of a query. */
export const listingCap = 5_000;
/** GetVideoList's largest page. */
export const listingPageSize = 100;

/**
 * A range of creation times in whole seconds, sent as StartTime/EndTime. VOD does not say
 * whether EndTime is included, so adjacent windows may both list a video created in the
 * second they share: the sweep dedupes by VideoId.
 */
export interface CreationWindow {
  startMs: number;
  endMs: number;
}

export interface PlannedWindow extends CreationWindow {
  region: string;
  /** GetVideoList's Total when the window was planned. */
  total: number;
}

/** The window widened to whole seconds, at least one second long. */
export function alignWindow(sinceMs: number, untilMs: number): CreationWindow {
  const startMs = Math.floor(sinceMs / 1000) * 1000;
  const endMs = Math.max(Math.ceil(untilMs / 1000) * 1000, startMs + 1000);
  return { startMs, endMs };
}

/** Halves at a whole second; null for a one-second window, which cannot be split. */
export function splitWindow(window: CreationWindow): [CreationWindow, CreationWindow] | null {
  const seconds = (window.endMs - window.startMs) / 1000;
  if (seconds < 2) return null;
  const middle = window.startMs + Math.floor(seconds / 2) * 1000;
  return [
    { startMs: window.startMs, endMs: middle },
    { startMs: middle, endMs: window.endMs },
  ];
}

/** VOD's time parameter form, `yyyy-MM-ddTHH:mm:ssZ`. */
export function vodTimeParam(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

// ---------------------------------------------------------------------------------------------
// The decision

/** What Temporal knows of a video's pipeline. */
export type PipelineLookup =
  | { kind: 'none' }
  | { kind: 'open' }
  /** `executionStatus` is Temporal's (COMPLETED, TERMINATED, …); `vodStatus` the run's VodStatus. */
  | { kind: 'closed'; executionStatus: string; vodStatus?: string };

/**
 * started: there was no pipeline · restarted: the last run ended stalled, a new one started ·
 * running: a run is open (it reconciles by itself) · finished: the last run ended otherwise
 * (completed, failed, deleted, cancelled by an operator, …): left alone · otherApp: the video
 * belongs to another VOD app than the one vodflow's callback serves · failed: the lookup or
 * the start failed.
 */
export type BackfillOutcome = 'started' | 'restarted' | 'running' | 'finished' | 'otherApp' | 'failed';
export const backfillOutcomes: readonly BackfillOutcome[] = [
  'started',
  'restarted',
  'running',
  'finished',
  'otherApp',
  'failed',
];

export type BackfillDecision =
  | { action: 'start'; outcome: 'started' }
  | { action: 'restart'; outcome: 'restarted' }
  | { action: 'leave'; outcome: 'running' | 'finished'; detail?: string };

/** Pure: what the sweep does about one video, given what Temporal says about its pipeline. */
export function decideBackfill(lookup: PipelineLookup): BackfillDecision {
  if (lookup.kind === 'none') return { action: 'start', outcome: 'started' };
  if (lookup.kind === 'open') return { action: 'leave', outcome: 'running' };
  if (lookup.executionStatus === 'COMPLETED' && lookup.vodStatus === 'stalled') {
    return { action: 'restart', outcome: 'restarted' };
  }
  return {
    action: 'leave',
    outcome: 'finished',
    detail: lookup.vodStatus ?? lookup.executionStatus.toLowerCase(),
  };
}

// ---------------------------------------------------------------------------------------------
// Pace: a rate limiter and backoff on throttling

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * Spaces calls evenly at `rps` per second (no bursts: VOD counts per second, and a burst at
 * the start of each second is what gets throttled). `slowDown` pushes the next slot out after
 * a Throttling answer.
 */
export class RateLimiter {
  private nextAt = 0;
  constructor(
    private readonly rps: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(rps > 0)) throw new Error('rps must be > 0');
  }

  /** Resolves when the caller may make its call. */
  async take(): Promise<void> {
    const now = this.clock.now();
    const at = Math.max(now, this.nextAt);
    this.nextAt = at + 1000 / this.rps;
    if (at > now) await this.clock.sleep(at - now);
  }

  slowDown(ms: number): void {
    this.nextAt = Math.max(this.nextAt, this.clock.now() + ms);
  }
}

export interface RetryPolicy {
  attempts: number;
  initialMs: number;
  maxMs: number;
}

export const listingRetry: RetryPolicy = { attempts: 8, initialMs: 1_000, maxMs: 30_000 };

/** Backoff before attempt `attempt + 1` (1-based): exponential, with jitter in its upper half. */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Throttling, 5xx, timeouts and network errors are worth another try; anything else is not. */
export function retryableListingError(err: unknown): boolean {
  return err instanceof VodApiError && err.retryable;
}

/** Runs `call` under the limiter, retrying retryable VOD errors with backoff (Throttling also slows the limiter). */
export async function paced<T>(
  limiter: RateLimiter,
  call: () => Promise<T>,
  options: {
    policy?: RetryPolicy;
    clock?: Clock;
    onRetry?: (err: VodApiError, delayMs: number) => void;
  } = {},
): Promise<T> {
  const policy = options.policy ?? listingRetry;
  const clock = options.clock ?? systemClock;
  for (let attempt = 1; ; attempt += 1) {
    await limiter.take();
    try {
      return await call();
    } catch (err) {
      if (!retryableListingError(err) || attempt >= policy.attempts) throw err;
      const delay = backoffMs(policy, attempt);
      if ((err as VodApiError).errorClass === 'throttled') limiter.slowDown(delay);
      options.onRetry?.(err as VodApiError, delay);
      await clock.sleep(delay);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Listing

export interface ListedVideo {
  videoId: string;
  status: string;
  creationTime: string;
  appId?: string;
}

export interface VideoPage {
  total: number;
  videos: ListedVideo[];
}

export interface VideoLister {
  page(region: string, window: CreationWindow, pageNo: number, pageSize: number): Promise<VideoPage>;
}

interface GetVideoListResponse {
  Total?: number | string | { toString(): string };
  VideoList?: { Video?: Array<Record<string, unknown>> } | Array<Record<string, unknown>>;
}

/** GetVideoList through the VOD client, paced and retried. Oldest first, so paging is stable while videos are added. */
export function vodVideoLister(
  api: VodApi,
  limiter: RateLimiter,
  options: {
    clock?: Clock;
    policy?: RetryPolicy;
    onRetry?: (err: VodApiError, delayMs: number) => void;
  } = {},
): VideoLister {
  return {
    async page(region, window, pageNo, pageSize) {
      const response = await paced(
        limiter,
        () =>
          api.call<GetVideoListResponse>(region, 'GetVideoList', {
            StartTime: vodTimeParam(window.startMs),
            EndTime: vodTimeParam(window.endMs),
            SortBy: 'CreationTime:Asc',
            PageNo: pageNo,
            PageSize: pageSize,
          }),
        options,
      );
      const total = Number(String(response.Total ?? 0));
      const list = response.VideoList;
      const raw = Array.isArray(list) ? list : (list?.Video ?? []);
      const videos: ListedVideo[] = [];
      for (const item of raw) {
        if (typeof item.VideoId !== 'string' || item.VideoId === '') continue;
        videos.push({
          videoId: item.VideoId,
          status: typeof item.Status === 'string' ? item.Status : 'unknown',
          creationTime: typeof item.CreationTime === 'string' ? item.CreationTime : '',
          ...(typeof item.AppId === 'string' ? { appId: item.AppId } : {}),
        });
      }
      return { total: Number.isFinite(total) ? total : 0, videos };
    },
  };
}

export interface WindowPlan {
  /** Windows of at most 5,000 videos each, covering the range, oldest first. */
  windows: PlannedWindow[];
  /** One-second windows still over the cap: only their first 5,000 videos can be listed. */
  overCap: PlannedWindow[];
}

/** Splits the range in halves until every window lists at most 5,000 videos (one-item pages: only Total matters). */
export async function planWindows(
  lister: VideoLister,
  region: string,
  range: CreationWindow,
): Promise<WindowPlan> {
  const plan: WindowPlan = { windows: [], overCap: [] };
  const visit = async (window: CreationWindow): Promise<void> => {
    const { total } = await lister.page(region, window, 1, 1);
    if (total === 0) return;
    const halves = total > listingCap ? splitWindow(window) : null;
    if (halves) {
      for (const half of halves) await visit(half);
      return;
    }
    const planned = { region, ...window, total };
    plan.windows.push(planned);
    if (total > listingCap) plan.overCap.push(planned);
  };
  await visit(range);
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Pipelines

export interface PipelineStarter {
  lookup(mediaId: string): Promise<PipelineLookup>;
  /** Starts a backfilled run; `exists` when a run appeared meanwhile (the poller, another sweep). */
  start(mediaId: string, region: string, replacing: boolean): Promise<'started' | 'exists'>;
}

export interface TemporalPipelinesOptions {
  client: Client;
  taskQueue: string;
  /** Sent in the start input, as the poller does. */
  pipelineOptions?: PipelineOptionsInput;
  /** Per Temporal call. */
  timeoutMs?: number;
}

/**
 * Lookups by describe (authoritative, unlike visibility, which lags); starts with
 * conflict FAIL, so an open run is never touched, and reuse REJECT_DUPLICATE for a video
 * without a pipeline (a closed run that appeared meanwhile is not replaced) or
 * ALLOW_DUPLICATE for a stalled one.
 */
export function temporalPipelines(options: TemporalPipelinesOptions): PipelineStarter {
  const { client } = options;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = <T>(fn: () => Promise<T>): Promise<T> => client.withDeadline(Date.now() + timeoutMs, fn);
  return {
    async lookup(mediaId) {
      try {
        const description = await deadline(() =>
          client.workflow.getHandle(videoWorkflowId(mediaId)).describe(),
        );
        if (description.status.name === 'RUNNING') return { kind: 'open' };
        const vodStatus = description.typedSearchAttributes.get(VodStatus);
        return {
          kind: 'closed',
          executionStatus: description.status.name,
          ...(vodStatus !== undefined ? { vodStatus } : {}),
        };
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { kind: 'none' };
        throw err;
      }
    },
    async start(mediaId, region, replacing) {
      const input: VideoPipelineInput = {
        mediaId,
        region,
        origin: 'backfill',
        ...(options.pipelineOptions && Object.keys(options.pipelineOptions).length > 0
          ? { options: options.pipelineOptions }
          : {}),
      };
      try {
        await deadline(() =>
          client.workflow.start(videoPipelineWorkflowType, {
            workflowId: videoWorkflowId(mediaId),
            taskQueue: options.taskQueue,
            args: [input],
            workflowIdConflictPolicy: 'FAIL',
            workflowIdReusePolicy: replacing ? 'ALLOW_DUPLICATE' : 'REJECT_DUPLICATE',
          }),
        );
        return 'started';
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return 'exists';
        throw err;
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The sweep

export type OutcomeCounts = Record<BackfillOutcome, number>;

export function emptyCounts(): OutcomeCounts {
  return { started: 0, restarted: 0, running: 0, finished: 0, otherApp: 0, failed: 0 };
}

export function addCounts(into: OutcomeCounts, from: OutcomeCounts): OutcomeCounts {
  for (const key of backfillOutcomes) into[key] += from[key];
  return into;
}

export interface VideoResult {
  videoId: string;
  region: string;
  outcome: BackfillOutcome;
  /** VOD's status of the video when listed. */
  vodStatus: string;
  detail?: string;
}

export interface SweepOptions {
  /** Decide only; start nothing. */
  dryRun?: boolean;
  /** Only videos of this VOD app (the one whose callback vodflow configures); others count as otherApp. */
  appId?: string;
  /** Parallel Temporal calls per page. Default 8. */
  concurrency?: number;
  /** VideoIds already handled in this sweep (adjacent windows may share a second). */
  seen?: Set<string>;
  /** After each video. */
  onVideo?: (result: VideoResult) => void;
  /** After each page: the page number just done (a retry may resume after it). */
  onPage?: (pageNo: number) => void;
  /** Resume after this page (a retried activity's heartbeat). */
  afterPage?: number;
}

export interface WindowReport {
  counts: OutcomeCounts;
  /** Videos listed (duplicates across windows counted once). */
  listed: number;
  /** Windows still over the cap after splitting: videos beyond the 5,000th were not listed. */
  overCap: PlannedWindow[];
  /** The first failures, for the summary (the count is in counts.failed). */
  failures: Array<{ videoId: string; error: string }>;
}

const maxFailuresKept = 20;

/** One video: look its pipeline up, decide, act. Never throws: a failure is an outcome. */
async function sweepVideo(
  pipelines: PipelineStarter,
  video: ListedVideo,
  region: string,
  options: SweepOptions,
): Promise<VideoResult> {
  const base = { videoId: video.videoId, region, vodStatus: video.status };
  if (options.appId !== undefined && video.appId !== undefined && video.appId !== options.appId) {
    return { ...base, outcome: 'otherApp', detail: video.appId };
  }
  try {
    const decision = decideBackfill(await pipelines.lookup(video.videoId));
    if (decision.action === 'leave') {
      return { ...base, outcome: decision.outcome, ...(decision.detail ? { detail: decision.detail } : {}) };
    }
    if (options.dryRun) return { ...base, outcome: decision.outcome, detail: 'dry run' };
    const started = await pipelines.start(video.videoId, region, decision.action === 'restart');
    return started === 'started'
      ? { ...base, outcome: decision.outcome }
      : { ...base, outcome: 'running', detail: 'a run started meanwhile' };
  } catch (err) {
    return { ...base, outcome: 'failed', detail: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Lists one window page by page and sweeps every video on it. A window found over the cap
 * (it grew since it was planned) is split again here.
 */
export async function sweepWindow(
  deps: { lister: VideoLister; pipelines: PipelineStarter },
  region: string,
  window: CreationWindow,
  options: SweepOptions = {},
): Promise<WindowReport> {
  const report: WindowReport = { counts: emptyCounts(), listed: 0, overCap: [], failures: [] };
  const seen = options.seen ?? new Set<string>();
  const concurrency = Math.max(1, options.concurrency ?? 8);
  let pageNo = (options.afterPage ?? 0) + 1;
  for (;;) {
    const page = await deps.lister.page(region, window, pageNo, listingPageSize);
    if (pageNo === 1 && page.total > listingCap) {
      const halves = splitWindow(window);
      if (halves) {
        for (const half of halves)
          merge(report, await sweepWindow(deps, region, half, { ...options, seen, afterPage: 0 }));
        return report;
      }
      report.overCap.push({ region, ...window, total: page.total });
    }
    const fresh = page.videos.filter((v) => !seen.has(v.videoId));
    for (const v of fresh) seen.add(v.videoId);
    report.listed += fresh.length;
    for (let i = 0; i < fresh.length; i += concurrency) {
      const results = await Promise.all(
        fresh.slice(i, i + concurrency).map((video) => sweepVideo(deps.pipelines, video, region, options)),
      );
      for (const result of results) {
        report.counts[result.outcome] += 1;
        if (result.outcome === 'failed' && report.failures.length < maxFailuresKept) {
          report.failures.push({ videoId: result.videoId, error: result.detail ?? 'failed' });
        }
        options.onVideo?.(result);
      }
    }
    options.onPage?.(pageNo);
    const reachable = Math.min(page.total, listingCap);
    if (page.videos.length < listingPageSize || pageNo * listingPageSize >= reachable) return report;
    pageNo += 1;
  }
}

function merge(into: WindowReport, from: WindowReport): void {
  addCounts(into.counts, from.counts);
  into.listed += from.listed;
  into.overCap.push(...from.overCap);
  into.failures.push(...from.failures.slice(0, maxFailuresKept - into.failures.length));
}

export interface BackfillRequest extends SweepOptions {
  regions: readonly string[];
  sinceMs: number;
  untilMs: number;
  /** Once planned: how many videos the windows hold (the progress bar's total). */
  onPlanned?: (plan: WindowPlan) => void;
}

export interface BackfillReport extends WindowReport {
  range: CreationWindow;
  windows: number;
  dryRun: boolean;
  byRegion: Record<string, OutcomeCounts>;
}

/** The whole sweep: plan every region's windows, then sweep them one after the other. */
export async function runBackfill(
  deps: { lister: VideoLister; pipelines: PipelineStarter },
  request: BackfillRequest,
): Promise<BackfillReport> {
  const range = alignWindow(request.sinceMs, request.untilMs);
  const plan: WindowPlan = { windows: [], overCap: [] };
  for (const region of request.regions) {
    const regional = await planWindows(deps.lister, region, range);
    plan.windows.push(...regional.windows);
    plan.overCap.push(...regional.overCap);
  }
  request.onPlanned?.(plan);
  const report: BackfillReport = {
    range,
    windows: plan.windows.length,
    dryRun: request.dryRun === true,
    counts: emptyCounts(),
    listed: 0,
    overCap: [],
    failures: [],
    byRegion: Object.fromEntries(request.regions.map((r) => [r, emptyCounts()])),
  };
  const seen = new Set<string>();
  for (const window of plan.windows) {
    const windowReport = await sweepWindow(deps, window.region, window, { ...request, seen });
    merge(report, windowReport);
    addCounts(report.byRegion[window.region]!, windowReport.counts);
  }
  return report;
}

/** 0: every video listed and handled · 1: some failed or could not be listed (over the cap). */
export function backfillExitCode(report: WindowReport): 0 | 1 {
  return report.counts.failed === 0 && report.overCap.length === 0 ? 0 : 1;
}
