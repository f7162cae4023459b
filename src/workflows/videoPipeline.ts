import {
  allHandlersFinished,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { VodflowActivities } from '../activities';
import type { VodEvent } from '../events/model';
import { DedupeMemory } from './dedupeMemory';
import {
  pipelineStateQuery,
  vodEventSignal,
  type PipelineState,
  type PipelineStatus,
  type PipelineView,
  type VideoEventDelivery,
  type VideoPipelineInput,
  type VideoPipelineResult,
} from '../shared/definitions';
import type { StageStatus } from '../shared/videoState';
import { resolvePipelineOptions, type PipelineOptions, type StageName } from '../shared/pipelineOptions';
import { VideoId, VodRegion, VodStage, VodStatus } from '../shared/searchAttributes';
import { pipelineSteps, type StepContext } from './steps';
import {
  applyEvent,
  applyReconciliation,
  initialVideoState,
  requiredProgress,
  stageFingerprint,
} from './stageMachine';

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

const publicationsKept = 20;
/** Late events that only confirm a reconciliation no longer rerun the steps (chaos finding F1). */
const absorbLateConfirmationsPatch = 'absorb-late-confirmations';

/**
 * One run per video (id vod-video-<mediaId>), started by the first event the poller
 * signals. Handlers only dedupe and enqueue; this loop applies events, runs
 * reconciliation at deadlines and downstream steps once required stages succeed.
 */
export async function videoPipeline(input: VideoPipelineInput): Promise<VideoPipelineResult> {
  const carried = input.carried as CarriedState | undefined;
  const options = carried?.options ?? resolvePipelineOptions(input.options);
  const info = workflowInfo();
  const pipeline: PipelineState = carried?.pipeline
    ? { ...carried.pipeline, run: carried.pipeline.run + 1 }
    : {
        mediaId: input.mediaId,
        region: input.region,
        startedAtMs: Date.now(),
        run: 1,
        status: 'waiting',
        video: initialVideoState(input.mediaId),
        stageSettledAtMs: {},
        steps: {},
        reconciliation: { count: 0 },
        duplicates: 0,
        publications: [],
      };
  const seen = new DedupeMemory(options.dedupeMemory, carried?.seen);
  const queue: VideoEventDelivery[] = [...(carried?.queue ?? [])];
  let deliveriesThisRun = 0;
  let stepScope: CancellationScope | undefined;

  setHandler(vodEventSignal, (delivery) => {
    deliveriesThisRun += 1;
    const identity = delivery?.event?.identity;
    if (typeof identity !== 'string' || !seen.remember(identity)) {
      pipeline.duplicates += 1;
      return;
    }
    queue.push(delivery);
    // A deletion must not wait for a slow step to finish: cancel it now, the loop does the rest.
    if (isVideoDeletion(delivery.event)) stepScope?.cancel();
  });
  setHandler(pipelineStateQuery, (): PipelineView => ({
    ...pipeline,
    options,
    queued: queue.length,
    dedupeMemory: seen.toJSON().length,
  }));

  const published = { stage: '', status: '', memo: '' };
  publishInspection(pipeline, options, published, info.typedSearchAttributes.get(VideoId) === undefined);

  for (;;) {
    drainQueue();
    if (pipeline.video.deleted) {
      settle('deleted', pipeline.video.deleted.reason);
      return result();
    }

    const progress = requiredProgress(pipeline.video, options.requiredStages);
    if (progress.ready) {
      if (hasStepWork()) {
        await runSteps();
        continue; // events may have arrived while the steps ran
      }
      const failedStep = Object.entries(pipeline.steps).find(([, r]) => r.status === 'failed');
      if (failedStep) settle('failed', `step ${failedStep[0]} failed: ${failedStep[1].error}`);
      else settle('completed');
    } else if (progress.failed.length > 0) {
      settle('failed', progress.failed.map((s) => failureReason(s)).join('; '));
    } else if (pipeline.status !== 'waiting') {
      pipeline.status = 'waiting';
      pipeline.reason = undefined;
      pipeline.settledAtMs = undefined;
    }
    publishInspection(pipeline, options, published, false);

    if (workflowInfo().continueAsNewSuggested || deliveriesThisRun >= options.continueAsNewAfterEvents) {
      await condition(allHandlersFinished);
      const next: CarriedState = { pipeline, options, seen: seen.toJSON(), queue: [...queue] };
      return await continueAsNew<typeof videoPipeline>({
        mediaId: input.mediaId,
        region: input.region,
        carried: next,
      });
    }

    if (pipeline.status === 'completed' || pipeline.status === 'failed') {
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
    if (
      pastFinal &&
      !pipeline.video.deleted &&
      !requiredProgress(pipeline.video, options.requiredStages).ready
    ) {
      const after = requiredProgress(pipeline.video, options.requiredStages);
      if (after.failed.length === 0) {
        const last = pipeline.reconciliation.lastReport;
        const vodSays = last?.videoStatus ? ` (VOD video status ${last.videoStatus})` : '';
        settle(
          'stalled',
          `required stages not complete ${Math.round(options.finalDeadlineMs / 1000)} s after the first event: ` +
            `${after.pending.join(', ')}${vodSays}${pipeline.reconciliation.lastError ? `; last reconciliation error: ${pipeline.reconciliation.lastError}` : ''}`,
        );
        publishInspection(pipeline, options, published, false);
        return result();
      }
    }
  }

  function drainQueue(): void {
    while (queue.length > 0) {
      const delivery = queue.shift()!;
      const applied = applyEvent(pipeline.video, delivery.event, {
        absorbLateConfirmations: patched(absorbLateConfirmationsPatch),
      });
      pipeline.video = applied.state;
      for (const stage of applied.changed) {
        if (pipeline.video.stages[stage].status === 'succeeded')
          pipeline.stageSettledAtMs[stage] ??= Date.now();
      }
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

  async function waitForEvents(untilMs: number): Promise<boolean> {
    return condition(() => queue.length > 0, Math.max(1, untilMs - Date.now()));
  }

  function overdueAt(stage: StageName): number {
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
      for (const stage of applied.changed) {
        if (pipeline.video.stages[stage].status === 'succeeded')
          pipeline.stageSettledAtMs[stage] ??= Date.now();
      }
    } catch (err) {
      // Retries are exhausted: keep waiting for events and the next reconciliation.
      pipeline.reconciliation.lastError = errorMessage(err);
      log.warn('reconciliation failed', { error: pipeline.reconciliation.lastError });
    }
  }

  /** True when a step's inputs changed since it last ran, unless an earlier step failed on the current inputs. */
  function hasStepWork(): boolean {
    for (const step of pipelineSteps) {
      if (step.patchId !== undefined && !patched(step.patchId)) continue;
      const record = pipeline.steps[step.name];
      if (record?.version !== stageFingerprint(pipeline.video, step.dependsOn)) return true;
      if (record.status === 'failed') return false;
    }
    return false;
  }

  async function runSteps(): Promise<void> {
    pipeline.status = 'processing';
    pipeline.reason = undefined;
    publishInspection(pipeline, options, published, false);
    const outputs: Record<string, unknown> = {};
    for (const step of pipelineSteps) {
      const version = stageFingerprint(pipeline.video, step.dependsOn);
      const previous = pipeline.steps[step.name];
      if (step.patchId !== undefined && !patched(step.patchId)) continue;
      if (previous?.version === version) {
        if (previous.status === 'failed') return; // blocked until its inputs change
        if (previous.output !== undefined) outputs[step.name] = previous.output;
        continue;
      }
      const ctx: StepContext = {
        workflowId: info.workflowId,
        mediaId: pipeline.mediaId,
        region: pipeline.region,
        options,
        video: pipeline.video,
        outputs,
        version,
      };
      if (step.when && !step.when(ctx)) {
        pipeline.steps[step.name] = { status: 'skipped', version, atMs: Date.now() };
        continue;
      }
      const scope = new CancellationScope();
      stepScope = scope;
      try {
        const output = await scope.run(() => step.run(ctx));
        pipeline.steps[step.name] = { status: 'succeeded', version, atMs: Date.now(), output };
        outputs[step.name] = output;
        const key = (output as { idempotencyKey?: unknown } | undefined)?.idempotencyKey;
        if (typeof key === 'string' && (output as { delivered?: boolean }).delivered) {
          pipeline.publications = [...pipeline.publications, key].slice(-publicationsKept);
        }
      } catch (err) {
        if (isCancellation(err)) return; // a deletion arrived; the loop settles it
        pipeline.steps[step.name] = { status: 'failed', version, atMs: Date.now(), error: errorMessage(err) };
        return; // later steps depend on earlier ones
      } finally {
        stepScope = undefined;
      }
    }
  }

  function failureReason(stage: StageName): string {
    const failure = pipeline.video.stages[stage].failure;
    const detail = [failure?.code, failure?.message].filter(Boolean).join(': ');
    return `${stage} failed${detail ? ` (${detail})` : ''}`;
  }

  function settle(status: PipelineStatus, reason?: string): void {
    if (pipeline.status !== status || pipeline.reason !== reason) {
      pipeline.status = status;
      pipeline.reason = reason;
      pipeline.settledAtMs = Date.now();
    }
  }

  function result(): VideoPipelineResult {
    publishInspection(pipeline, options, published, false);
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

function isVideoDeletion(event: VodEvent): boolean {
  if (event.eventType !== 'DeleteMediaComplete' || event.status !== 'success') return false;
  const payload = event.payload as { DeleteType?: string; MediaType?: string };
  return (payload.DeleteType ?? 'all') === 'all' && (payload.MediaType ?? 'video') === 'video';
}

/** VodStage: the first outstanding required stage, or where post-processing stands. */
export function currentStage(pipeline: PipelineState, options: PipelineOptions): string {
  if (pipeline.status === 'processing') return 'post-processing';
  if (pipeline.status === 'completed') return 'done';
  const progress = requiredProgress(pipeline.video, options.requiredStages);
  const blocking = progress.failed[0] ?? progress.pending[0];
  return blocking ?? 'post-processing';
}

/** Search attributes, memo and the UI's current details; each upsert only when it changed (each is a history event). */
function publishInspection(
  pipeline: PipelineState,
  options: PipelineOptions,
  published: { stage: string; status: string; memo: string },
  setVideoId: boolean,
): void {
  const stage = currentStage(pipeline, options);
  if (setVideoId || stage !== published.stage || pipeline.status !== published.status) {
    upsertSearchAttributes([
      ...(setVideoId ? [{ key: VideoId, value: pipeline.mediaId }] : []),
      { key: VodStage, value: stage },
      { key: VodStatus, value: pipeline.status },
      { key: VodRegion, value: pipeline.region },
    ]);
    published.stage = stage;
    published.status = pipeline.status;
  }
  const memo = {
    videoId: pipeline.mediaId,
    region: pipeline.region,
    requiredStages: options.requiredStages,
    status: pipeline.status,
    reason: pipeline.reason ?? null,
  };
  const memoKey = JSON.stringify(memo);
  if (memoKey !== published.memo) {
    upsertMemo(memo);
    published.memo = memoKey;
  }
  const { upload, transcode, snapshot } = pipeline.video.stages;
  const streams = transcode.streams.filter((s) => s.status === 'success').length;
  setCurrentDetails(
    [
      `**${pipeline.mediaId}** (${pipeline.region}) — ${pipeline.status}${pipeline.reason ? `: ${pipeline.reason}` : ''}`,
      `- upload: ${upload.status}${upload.source ? ` (${upload.source})` : ''}`,
      `- transcode: ${transcode.status}, ${streams} stream(s)${transcode.partial ? ', partially failed' : ''}`,
      `- snapshot: ${snapshot.status}${snapshot.coverUrl ? ', cover set' : ''}`,
      `- required: ${options.requiredStages.join(', ')}; run ${pipeline.run}; publications ${pipeline.publications.length}`,
    ].join('\n'),
  );
}

function errorMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return e?.cause?.message ?? e?.message ?? String(err);
}
