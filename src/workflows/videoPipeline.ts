/**
 * One run per video (id vod-video-<mediaId>), started by the first event the poller signals.
 * Handlers only dedupe, queue and record requests; the loop applies events, reconciles overdue
 * stages through the VOD API, runs the step graph once the required stages succeeded, and
 * settles. Each of those is a part of its own (eventIntake, reconciler, stepRunner, reruns,
 * inspection, pipelineState); this file wires them and holds the loop.
 */
import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  pipelineHandoffQuery,
  pipelineStateQuery,
  rerunStepsUpdate,
  reviewDecisionUpdate,
  vodEventSignal,
  type PipelineHandoff,
  type PipelineView,
  type VideoPipelineInput,
  type VideoPipelineResult,
} from '../shared/definitions';
import { resolvePipelineOptions, type StageName } from '../shared/pipelineOptions';
import { VideoId } from '../shared/searchAttributes';
import { EventIntake, isVideoDeletion } from './eventIntake';
import { Inspection } from './inspection';
import {
  cancelledReason,
  failureReason,
  initialPipeline,
  isSettled,
  pipelineResult,
  resumed,
  setStatus,
  settle,
  settleSteps,
  stallIfStillPending,
} from './pipelineState';
import { Reconciler } from './reconciler';
import { Reruns } from './reruns';
import { requiredProgress } from './stageMachine';
import type { StepDefinition } from './stepDefinition';
import { buildStepGraph, hasStepWork, type StepGraph } from './stepGraph';
import { StepRunner } from './stepRunner';

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
  // What continue-as-new carries (and `vodflow rerun` hands a closed run's successor).
  const carried = input.carried as PipelineHandoff | undefined;
  const options = carried?.options ?? resolvePipelineOptions(input.options);
  const pipeline = carried?.pipeline ? resumed(carried.pipeline) : initialPipeline(input);
  const intake = new EventIntake(options.dedupeMemory, carried);
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
  const reconciler = new Reconciler(pipeline, options);
  const reruns = new Reruns(pipeline, options, steps, graph);
  const handoff = (): PipelineHandoff => ({
    pipeline,
    options,
    seen: intake.remembered(),
    queue: [...intake.queue],
  });
  cancellation.finish = finishCancelled;

  setHandler(vodEventSignal, (delivery) => {
    // A deletion must not wait for a slow step to finish: cancel it now, the loop does the rest.
    if (intake.receive(pipeline, delivery) && isVideoDeletion(delivery.event)) steps.cancel();
  });
  setHandler(pipelineStateQuery, (): PipelineView => view());
  setHandler(pipelineHandoffQuery, handoff);
  setHandler(rerunStepsUpdate, (request) => reruns.apply(request), {
    validator: (request) => reruns.check(request),
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
  reruns.applyAtStart(input.rerun);

  for (;;) {
    reruns.requested = false;
    intake.drain(pipeline, stagesChanged);
    if (pipeline.video.deleted) {
      settle(pipeline, 'deleted', pipeline.video.deleted.reason);
      return result();
    }

    const progress = requiredProgress(pipeline.video, options.requiredStages);
    if (progress.ready) {
      if (hasStepWork(steps.plan())) {
        setStatus(pipeline, 'processing');
        inspection.publish();
        await steps.run();
        if (root.consideredCancelled) return await finishCancelled();
        continue; // events may have arrived while the steps ran
      }
      settleSteps(pipeline, steps.plan().failed);
    } else if (progress.failed.length > 0) {
      settle(pipeline, 'failed', failureReason(pipeline, progress.failed));
    } else if (pipeline.status !== 'waiting') {
      setStatus(pipeline, 'waiting');
    }
    inspection.publish();

    if (
      workflowInfo().continueAsNewSuggested ||
      intake.deliveriesThisRun >= options.continueAsNewAfterEvents
    ) {
      await condition(allHandlersFinished);
      return await continueAsNew<VideoPipelineWorkflow>({
        mediaId: input.mediaId,
        region: input.region,
        carried: handoff(),
      });
    }

    if (isSettled(pipeline.status)) {
      const lingerEnd = (pipeline.settledAtMs ?? Date.now()) + options.lingerAfterCompletionMs;
      if (await waitForEvents(lingerEnd)) continue;
      return result();
    }

    // Waiting for required stages: sleep until an event, the next reconciliation or the final deadline.
    const finalDeadline = pipeline.startedAtMs + options.finalDeadlineMs;
    const wakeAt = Math.min(reconciler.nextAt(progress.pending), finalDeadline);
    if (await waitForEvents(wakeAt)) continue;
    const pastFinal = Date.now() >= finalDeadline;
    await reconciler.reconcile(
      pastFinal ? progress.pending : reconciler.overdue(progress.pending),
      stagesChanged,
    );
    intake.drain(pipeline, stagesChanged);
    if (pastFinal && !pipeline.video.deleted && stallIfStillPending(pipeline, options)) {
      inspection.publish();
      return result();
    }
  }

  /** A stage's result changed: its dependent steps may run again, and transcode/snapshot deadlines re-anchor. */
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
    return condition(() => intake.queue.length > 0 || reruns.requested, Math.max(1, untilMs - Date.now()));
  }

  /**
   * The workflow was cancelled: running steps were cancelled (and recorded so), the video ends
   * `cancelled`, and the run completes normally. A run lingering after it settled keeps its
   * outcome: its work was done, cancelling only cuts the linger short. Nothing here may be
   * cancelled again.
   */
  async function finishCancelled(): Promise<VideoPipelineResult> {
    return CancellationScope.nonCancellable(async () => {
      intake.drain(pipeline, stagesChanged);
      if (pipeline.video.deleted) settle(pipeline, 'deleted', pipeline.video.deleted.reason);
      else if (!isSettled(pipeline.status)) settle(pipeline, 'cancelled', cancelledReason(pipeline, options));
      await condition(allHandlersFinished);
      return result();
    });
  }

  function result(): VideoPipelineResult {
    inspection.publish();
    return pipelineResult(pipeline);
  }

  function view(): PipelineView {
    return {
      ...pipeline,
      options,
      queued: intake.queue.length,
      dedupeMemory: intake.remembered().length,
      stepGraph: graph.nodes.map((n) => ({
        name: n.definition.name,
        dependsOn: [...(n.definition.dependsOn ?? [])],
        waitsFor: [...n.stepDeps],
        kind: n.definition.kind ?? 'activity',
        optional: n.definition.optional === true,
      })),
    };
  }
}
