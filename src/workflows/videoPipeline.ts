/**
 * One run per video (id vod-video-<mediaId>), started by the first event the poller signals.
 * Handlers only dedupe and enqueue; the loop applies events, reconciles overdue stages
 * through the VOD API, runs the step graph once the required stages succeeded, and settles.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { VodflowActivities } from '../activities';
import type { VodEvent } from '../events/model';
import {
  pipelineHandoffQuery,
  pipelineStateQuery,
  rerunStepsUpdate,
  reviewDecisionUpdate,
  vodEventSignal,
  type PipelineHandoff,
  type PipelineState,
  type PipelineStatus,
  type PipelineView,
  type RerunRecord,
  type RerunRequest,
  type VideoEventDelivery,
  type VideoPipelineInput,
  type VideoPipelineResult,
} from '../shared/definitions';
import { resolvePipelineOptions, type StageName } from '../shared/pipelineOptions';
import { rerunRefusal, rerunTargets, type RerunGraphStep } from '../shared/rerun';
import { VideoId } from '../shared/searchAttributes';
import type { StageStatus } from '../shared/videoState';
import { DedupeMemory } from './dedupeMemory';
import { Inspection } from './inspection';
import { applyEvent, applyReconciliation, initialVideoState, requiredProgress } from './stageMachine';
import type { StepDefinition } from './stepDefinition';
import { buildStepGraph, hasStepWork, type StepGraph } from './stepGraph';
import { errorMessage, StepRunner } from './stepRunner';

/** What continue-as-new carries (and `vodflow rerun` hands a closed run's successor). */
type CarriedState = PipelineHandoff;

/** Reruns kept in the state (each is small; the history has them all). */
const rerunsKept = 10;

const reconcileCalls = proxyActivities<VodflowActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
  },
});

/** Late events that only confirm a reconciliation no longer rerun the steps (chaos finding F1). */
const absorbLateConfirmationsPatch = 'absorb-late-confirmations';

export type VideoPipelineWorkflow = (input: VideoPipelineInput) => Promise<VideoPipelineResult>;

/** The videoPipeline workflow running the given step graph (built-in steps plus a team's). */
export function videoPipelineWith(steps: readonly StepDefinition[]): VideoPipelineWorkflow {
  const graph = buildStepGraph(steps);
  return async function videoPipeline(input: VideoPipelineInput): Promise<VideoPipelineResult> {
    const cancellation: CancellationEnd = {};
    try {
      return await runPipeline(graph, input, cancellation);
    } catch (err) {
      // Cancelled (`vodflow cancel`, the Web UI's Cancel) while waiting: end as a result, not a failure.
      if (isCancellation(err) && CancellationScope.current().consideredCancelled && cancellation.finish) {
        return await cancellation.finish();
      }
      throw err;
    }
  };
}

/** How a pipeline ends when the workflow is cancelled; set by runPipeline once its state exists. */
interface CancellationEnd {
  finish?: () => Promise<VideoPipelineResult>;
}

async function runPipeline(
  graph: StepGraph,
  input: VideoPipelineInput,
  cancellation: CancellationEnd,
): Promise<VideoPipelineResult> {
  const carried = input.carried as CarriedState | undefined;
  const options = carried?.options ?? resolvePipelineOptions(input.options);
  const pipeline = carried?.pipeline ? resumed(carried.pipeline) : initialPipeline(input);
  const seen = new DedupeMemory(options.dedupeMemory, carried?.seen);
  const queue: VideoEventDelivery[] = [...(carried?.queue ?? [])];
  let deliveriesThisRun = 0;
  const inspection = new Inspection(() => pipeline, options);
  // Cancelling the workflow (`vodflow cancel`, the Web UI) cancels this scope and everything in it.
  const root = CancellationScope.current();
  const steps = new StepRunner({
    graph,
    pipeline,
    options,
    onInspectionChange: () => inspection.publish(),
    workflowCancelled: () => root.consideredCancelled,
  });
  const rerunGraph: RerunGraphStep[] = graph.nodes.map((n) => ({
    name: n.definition.name,
    waitsFor: n.stepDeps,
  }));
  /** Set by a rerun: wakes a lingering (or sleeping) loop; cleared when the loop looks again. */
  let rerunRequested = false;
  cancellation.finish = finishCancelled;

  setHandler(vodEventSignal, (delivery) => {
    deliveriesThisRun += 1;
    const identity = delivery?.event?.identity;
    if (typeof identity !== 'string' || !seen.remember(identity)) {
      pipeline.duplicates += 1;
      return;
    }
    queue.push(delivery);
    // A deletion must not wait for a slow step to finish: cancel it now, the loop does the rest.
    if (isVideoDeletion(delivery.event)) steps.cancel();
  });
  setHandler(pipelineStateQuery, (): PipelineView => ({
    ...pipeline,
    options,
    queued: queue.length,
    dedupeMemory: seen.toJSON().length,
    stepGraph: graph.nodes.map((n) => ({
      name: n.definition.name,
      dependsOn: [...(n.definition.dependsOn ?? [])],
      waitsFor: [...n.stepDeps],
      kind: n.definition.kind ?? 'activity',
      optional: n.definition.optional === true,
    })),
  }));
  setHandler(pipelineHandoffQuery, (): CarriedState => handoff());
  setHandler(rerunStepsUpdate, (request) => applyRerun(request), {
    validator: (request) => {
      const problem = malformedRerun(request) ?? rerunRefusal(rerunSubject(), request);
      if (problem) throw new Error(problem);
    },
  });
  setHandler(reviewDecisionUpdate, (decision) => steps.decide(decision), {
    validator: (decision) => {
      if (typeof decision?.approve !== 'boolean') throw new Error('a decision needs approve: true or false');
      steps.pendingReview(decision.step);
    },
  });

  inspection.publish({
    setVideoId: workflowInfo().typedSearchAttributes.get(VideoId) === undefined,
    markBackfilled: pipeline.origin === 'backfill' && pipeline.run === 1,
  });
  // The successor of a closed run started by `vodflow rerun`: the rerun is its first act.
  if (input.rerun) {
    const problem = malformedRerun(input.rerun) ?? rerunRefusal(rerunSubject(), input.rerun);
    if (problem) log.warn('rerun refused', { problem });
    else applyRerun(input.rerun);
  }

  for (;;) {
    rerunRequested = false;
    drainQueue();
    if (pipeline.video.deleted) {
      settle('deleted', pipeline.video.deleted.reason);
      return result();
    }

    const progress = requiredProgress(pipeline.video, options.requiredStages);
    if (progress.ready) {
      if (hasStepWork(steps.plan())) {
        setStatus('processing');
        inspection.publish();
        await steps.run();
        if (root.consideredCancelled) return await finishCancelled();
        continue; // events may have arrived while the steps ran
      }
      settleSteps();
    } else if (progress.failed.length > 0) {
      settle('failed', progress.failed.map((s) => failureReason(s)).join('; '));
    } else if (pipeline.status !== 'waiting') {
      setStatus('waiting');
    }
    inspection.publish();

    if (workflowInfo().continueAsNewSuggested || deliveriesThisRun >= options.continueAsNewAfterEvents) {
      await condition(allHandlersFinished);
      const next: CarriedState = { pipeline, options, seen: seen.toJSON(), queue: [...queue] };
      return await continueAsNew<VideoPipelineWorkflow>({
        mediaId: input.mediaId,
        region: input.region,
        carried: next,
      });
    }

    if (isSettled(pipeline.status)) {
      const lingerEnd = (pipeline.settledAtMs ?? Date.now()) + options.lingerAfterCompletionMs;
      if (await waitForEvents(lingerEnd)) continue;
      return result();
    }

    // Waiting for required stages: sleep until an event, the next reconciliation or the final deadline.
    const finalDeadline = pipeline.startedAtMs + options.finalDeadlineMs;
    const wakeAt = Math.min(nextReconciliationAt(progress.pending), finalDeadline);
    if (await waitForEvents(wakeAt)) continue;
    const pastFinal = Date.now() >= finalDeadline;
    await reconcile(pastFinal ? progress.pending : overduePending(progress.pending));
    drainQueue();
    if (pastFinal && !pipeline.video.deleted && stallIfStillPending()) return result();
  }

  /**
   * The workflow was cancelled: running steps were cancelled (and recorded so), the video ends
   * `cancelled`, and the run completes normally. A run lingering after it settled keeps its
   * outcome: its work was done, cancelling only cuts the linger short. Nothing here may be
   * cancelled again.
   */
  async function finishCancelled(): Promise<VideoPipelineResult> {
    return CancellationScope.nonCancellable(async () => {
      drainQueue();
      if (pipeline.video.deleted) settle('deleted', pipeline.video.deleted.reason);
      else if (!isSettled(pipeline.status)) settle('cancelled', cancelledReason());
      await condition(allHandlersFinished);
      return result();
    });
  }

  function cancelledReason(): string {
    const cancelledSteps = Object.entries(pipeline.steps)
      .filter(([, r]) => r.status === 'cancelled')
      .map(([name]) => name);
    if (cancelledSteps.length > 0) return `cancelled on request while running ${cancelledSteps.join(', ')}`;
    const pending = requiredProgress(pipeline.video, options.requiredStages).pending;
    if (pipeline.status === 'waiting' && pending.length > 0) {
      return `cancelled on request while waiting for ${pending.join(', ')}`;
    }
    return `cancelled on request while ${pipeline.status}`;
  }

  function handoff(): CarriedState {
    return { pipeline, options, seen: seen.toJSON(), queue: [...queue] };
  }

  function rerunSubject() {
    return {
      status: pipeline.status,
      video: pipeline.video,
      requiredStages: options.requiredStages,
      graph: rerunGraph,
    };
  }

  function applyRerun(request: RerunRequest): RerunRecord {
    const targets = rerunTargets(rerunGraph, request.from);
    steps.rerun(targets, request.newPublication === true);
    const record: RerunRecord = {
      atMs: Date.now(),
      steps: targets,
      ...(request.from !== undefined ? { from: request.from } : {}),
      newPublication: request.newPublication === true,
      ...(request.requestedBy ? { requestedBy: request.requestedBy.slice(0, 200) } : {}),
      ...(request.reason ? { reason: request.reason.slice(0, 500) } : {}),
      run: pipeline.run,
    };
    pipeline.reruns = [...(pipeline.reruns ?? []), record].slice(-rerunsKept);
    rerunRequested = true;
    log.info('rerun requested', { steps: targets, newPublication: record.newPublication });
    return record;
  }

  function drainQueue(): void {
    while (queue.length > 0) {
      const delivery = queue.shift()!;
      const applied = applyEvent(pipeline.video, delivery.event, {
        absorbLateConfirmations: patched(absorbLateConfirmationsPatch),
      });
      pipeline.video = applied.state;
      stagesChanged(applied.changed);
      if (applied.outcome !== 'applied') {
        log.info('event not applied', {
          identity: delivery.event.identity,
          eventType: delivery.event.eventType,
          outcome: applied.outcome,
          note: applied.note,
        });
      }
    }
  }

  function stagesChanged(changed: readonly StageName[]): void {
    if (changed.length === 0) return;
    steps.inputsChanged();
    for (const stage of changed) {
      if (pipeline.video.stages[stage].status === 'succeeded')
        pipeline.stageSettledAtMs[stage] ??= Date.now();
    }
  }

  /** Sleeps until an event (or a rerun) arrives or `untilMs`; true when woken. */
  async function waitForEvents(untilMs: number): Promise<boolean> {
    return condition(() => queue.length > 0 || rerunRequested, Math.max(1, untilMs - Date.now()));
  }

  function overdueAt(stage: StageName): number {
    // Nothing will come by events for a backfilled video: every stage is due for the VOD API at once.
    if (pipeline.origin === 'backfill') return pipeline.startedAtMs;
    const anchor =
      stage === 'upload' ? pipeline.startedAtMs : (pipeline.stageSettledAtMs.upload ?? pipeline.startedAtMs);
    return anchor + options.overdueAfterMs[stage];
  }

  function nextReconciliationAt(pending: StageName[]): number {
    const last = pipeline.reconciliation.lastAtMs;
    const times = pending.map((s) =>
      Math.max(overdueAt(s), last === undefined ? 0 : last + options.reconcileIntervalMs),
    );
    return times.length > 0 ? Math.min(...times) : Number.MAX_SAFE_INTEGER;
  }

  function overduePending(pending: StageName[]): StageName[] {
    return pending.filter((s) => overdueAt(s) <= Date.now());
  }

  async function reconcile(stages: StageName[]): Promise<void> {
    pipeline.reconciliation.lastAtMs = Date.now();
    if (stages.length === 0) return;
    pipeline.reconciliation.count += 1;
    try {
      const report = await reconcileCalls.reconcileVideo({
        mediaId: pipeline.mediaId,
        region: pipeline.region,
        stages,
      });
      pipeline.reconciliation.lastReport = report;
      pipeline.reconciliation.lastError = undefined;
      const applied = applyReconciliation(pipeline.video, report);
      pipeline.video = applied.state;
      stagesChanged(applied.changed);
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Retries are exhausted: keep waiting for events and the next reconciliation.
      pipeline.reconciliation.lastError = errorMessage(err);
      log.warn('reconciliation failed', { error: pipeline.reconciliation.lastError });
    }
  }

  /** Every step settled at the current inputs: the video's outcome is the steps' outcome. */
  function settleSteps(): void {
    const failed = steps.plan().failed;
    const rejected = failed.find((f) => f.status === 'rejected');
    if (rejected) settle('rejected', `step ${rejected.name} ${rejected.error ?? 'rejected'}`);
    else if (failed.length > 0) settle('failed', `step ${failed[0]!.name} failed: ${failed[0]!.error}`);
    else settle('completed');
  }

  /** At the final deadline: a video whose required stages are still pending ends stalled. */
  function stallIfStillPending(): boolean {
    const after = requiredProgress(pipeline.video, options.requiredStages);
    if (after.ready || after.failed.length > 0) return false;
    const last = pipeline.reconciliation.lastReport;
    const vodSays = last?.videoStatus ? ` (VOD video status ${last.videoStatus})` : '';
    const lastError = pipeline.reconciliation.lastError;
    settle(
      'stalled',
      `required stages not complete ${Math.round(options.finalDeadlineMs / 1000)} s after the first event: ` +
        `${after.pending.join(', ')}${vodSays}${lastError ? `; last reconciliation error: ${lastError}` : ''}`,
    );
    inspection.publish();
    return true;
  }

  function failureReason(stage: StageName): string {
    const failure = pipeline.video.stages[stage].failure;
    const detail = [failure?.code, failure?.message].filter(Boolean).join(': ');
    return `${stage} failed${detail ? ` (${detail})` : ''}`;
  }

  function setStatus(status: 'waiting' | 'processing'): void {
    pipeline.status = status;
    pipeline.reason = undefined;
    pipeline.settledAtMs = undefined;
  }

  function settle(status: PipelineStatus, reason?: string): void {
    if (pipeline.status !== status || pipeline.reason !== reason) {
      pipeline.status = status;
      pipeline.reason = reason;
      pipeline.settledAtMs = Date.now();
    }
  }

  function result(): VideoPipelineResult {
    inspection.publish();
    const { upload, transcode, snapshot } = pipeline.video.stages;
    const stage = (s: { status: StageStatus; version: number; source?: string }) => ({
      status: s.status,
      version: s.version,
      ...(s.source ? { source: s.source } : {}),
    });
    return {
      mediaId: pipeline.mediaId,
      region: pipeline.region,
      status: pipeline.status as VideoPipelineResult['status'],
      ...(pipeline.reason ? { reason: pipeline.reason } : {}),
      stages: { upload: stage(upload), transcode: stage(transcode), snapshot: stage(snapshot) },
      publications: pipeline.publications,
      runs: pipeline.run,
    };
  }
}

function initialPipeline(input: VideoPipelineInput): PipelineState {
  return {
    mediaId: input.mediaId,
    region: input.region,
    ...(input.origin === 'backfill' ? { origin: 'backfill' as const } : {}),
    startedAtMs: Date.now(),
    run: 1,
    status: 'waiting',
    video: initialVideoState(input.mediaId),
    stageSettledAtMs: {},
    steps: {},
    reviews: [],
    reconciliation: { count: 0 },
    duplicates: 0,
    publications: [],
  };
}

/** A run continued as new: the same pipeline, one run later (older carried states lack newer fields). */
function resumed(carried: PipelineState): PipelineState {
  return { ...carried, reviews: carried.reviews ?? [], run: carried.run + 1 };
}

/** A rerun request that is not even well-formed (a client outside the CLI may send anything). */
function malformedRerun(request: RerunRequest | undefined): string | null {
  if (typeof request !== 'object' || request === null) return 'a rerun needs a request object';
  if (request.from !== undefined && typeof request.from !== 'string') return '`from` must be a step name';
  if (request.newPublication !== undefined && typeof request.newPublication !== 'boolean') {
    return '`newPublication` must be true or false';
  }
  return null;
}

function isSettled(status: PipelineStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'rejected';
}

function isVideoDeletion(event: VodEvent): boolean {
  if (event.eventType !== 'DeleteMediaComplete' || event.status !== 'success') return false;
  const payload = event.payload as { DeleteType?: string; MediaType?: string };
  return (payload.DeleteType ?? 'all') === 'all' && (payload.MediaType ?? 'video') === 'video';
}
