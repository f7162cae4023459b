/**
 * One run per video (id vod-video-<mediaId>), started by the first event the poller signals.
 * Handlers only dedupe and enqueue; the loop applies events, reconciles overdue stages
 * through the VOD API, runs the step graph once the required stages succeeded, and settles.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { VodflowActivities } from '../activities';
import type { VodEvent } from '../events/model';
import {
  pipelineStateQuery,
  reviewDecisionUpdate,
  vodEventSignal,
  type PipelineState,
  type PipelineStatus,
  type PipelineView,
  type VideoEventDelivery,
  type VideoPipelineInput,
  type VideoPipelineResult,
} from '../shared/definitions';
import { resolvePipelineOptions, type PipelineOptions, type StageName } from '../shared/pipelineOptions';
import { VideoId } from '../shared/searchAttributes';
import type { StageStatus } from '../shared/videoState';
import { DedupeMemory } from './dedupeMemory';
import { Inspection } from './inspection';
import { applyEvent, applyReconciliation, initialVideoState, requiredProgress } from './stageMachine';
import type { StepDefinition } from './stepDefinition';
import { buildStepGraph, hasStepWork, type StepGraph } from './stepGraph';
import { errorMessage, StepRunner } from './stepRunner';

interface CarriedState {
  pipeline: PipelineState;
  options: PipelineOptions;
  seen: string[];
  queue: VideoEventDelivery[];
}

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
    return runPipeline(graph, input);
  };
}

async function runPipeline(graph: StepGraph, input: VideoPipelineInput): Promise<VideoPipelineResult> {
  const carried = input.carried as CarriedState | undefined;
  const options = carried?.options ?? resolvePipelineOptions(input.options);
  const pipeline = carried?.pipeline ? resumed(carried.pipeline) : initialPipeline(input);
  const seen = new DedupeMemory(options.dedupeMemory, carried?.seen);
  const queue: VideoEventDelivery[] = [...(carried?.queue ?? [])];
  let deliveriesThisRun = 0;
  const inspection = new Inspection(() => pipeline, options);
  const steps = new StepRunner({ graph, pipeline, options, onInspectionChange: () => inspection.publish() });

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
      kind: n.definition.kind ?? 'activity',
      optional: n.definition.optional === true,
    })),
  }));
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

  for (;;) {
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

  async function waitForEvents(untilMs: number): Promise<boolean> {
    return condition(() => queue.length > 0, Math.max(1, untilMs - Date.now()));
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

function isSettled(status: PipelineStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'rejected';
}

function isVideoDeletion(event: VodEvent): boolean {
  if (event.eventType !== 'DeleteMediaComplete' || event.status !== 'success') return false;
  const payload = event.payload as { DeleteType?: string; MediaType?: string };
  return (payload.DeleteType ?? 'all') === 'all' && (payload.MediaType ?? 'video') === 'video';
}
