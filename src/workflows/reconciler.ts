/**
 * Recovering lost events through the VOD API: when each pending stage is overdue (from the
 * pipeline's start, or from the upload's completion for transcode and snapshot), and one
 * reconciliation through the reconcileVideo activity.
 */
import { isCancellation, log, proxyActivities } from '@temporalio/workflow';
import type { VodflowActivities } from '../activities';
import type { PipelineState } from '../shared/definitions';
import type { PipelineOptions, StageName } from '../shared/pipelineOptions';
import { applyReconciliation } from './stageMachine';
import { errorMessage } from './stepRunner';

const reconcileCalls = proxyActivities<VodflowActivities>({
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
  },
});

export class Reconciler {
  constructor(
    private readonly pipeline: PipelineState,
    private readonly options: PipelineOptions,
  ) {}

  overdueAt(stage: StageName): number {
    const { pipeline, options } = this;
    // Nothing will come by events for a backfilled video: every stage is due for the VOD API at once.
    if (pipeline.origin === 'backfill') return pipeline.startedAtMs;
    const anchor =
      stage === 'upload' ? pipeline.startedAtMs : (pipeline.stageSettledAtMs.upload ?? pipeline.startedAtMs);
    return anchor + options.overdueAfterMs[stage];
  }

  /** When the next reconciliation is due for these pending stages (never before the interval). */
  nextAt(pending: readonly StageName[]): number {
    const last = this.pipeline.reconciliation.lastAtMs;
    const times = pending.map((s) =>
      Math.max(this.overdueAt(s), last === undefined ? 0 : last + this.options.reconcileIntervalMs),
    );
    return times.length > 0 ? Math.min(...times) : Number.MAX_SAFE_INTEGER;
  }

  overdue(pending: readonly StageName[]): StageName[] {
    return pending.filter((s) => this.overdueAt(s) <= Date.now());
  }

  /**
   * Asks the VOD API about these stages and applies its answer; `stagesChanged` hears which
   * changed. A failure after the activity's retries is recorded, and the pipeline keeps waiting.
   */
  async reconcile(
    stages: readonly StageName[],
    stagesChanged: (changed: readonly StageName[]) => void,
  ): Promise<void> {
    const { pipeline } = this;
    pipeline.reconciliation.lastAtMs = Date.now();
    if (stages.length === 0) return;
    pipeline.reconciliation.count += 1;
    try {
      const report = await reconcileCalls.reconcileVideo({
        mediaId: pipeline.mediaId,
        region: pipeline.region,
        stages: [...stages],
      });
      pipeline.reconciliation.lastReport = report;
      pipeline.reconciliation.lastError = undefined;
      const applied = applyReconciliation(pipeline.video, report);
      pipeline.video = applied.state;
      stagesChanged(applied.changed);
    } catch (err) {
      if (isCancellation(err)) throw err;
      pipeline.reconciliation.lastError = errorMessage(err);
      log.warn('reconciliation failed', { error: pipeline.reconciliation.lastError });
    }
  }
}
