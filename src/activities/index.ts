import { ApplicationFailure } from '@temporalio/common';
import type { VodflowConfig } from '../config';
import { reconcileVideo, type ReconcileInput } from './reconcile';
import { fetchPlayInfo, type PlayInfo, type PlayInfoInput } from './playInfo';
import { describeWorker } from './probe';
import { createBackfillActivities, type BackfillActivitySettings } from './backfill';
import { lazyTemporalClient, type TemporalClientSource } from './temporalClient';
import { createVodApi, type VodApiSettings } from './vodApi';
import { publishDocument, type PublishInput, type PublishResult, type WebhookSettings } from './webhook';
import type { ReconciliationReport } from '../shared/videoState';
import type { BackfillCounts } from '../shared/backfill';

export { describeWorker } from './probe';
export type { VodApiSettings, VodCredentials } from './vodApi';
export type { WebhookSettings } from './webhook';
export type { BackfillActivitySettings } from './backfill';
export { activityDeps } from './config';

/** Everything activities need from the outside world; secrets stay in the worker process. */
export interface ActivityDeps {
  vod: VodApiSettings;
  webhook: WebhookSettings;
  /**
   * The backfill sweep's activities start pipelines, so they need Temporal: the worker's own
   * settings. Absent (a test's worker, an embedding without them): those activities refuse.
   */
  backfill?: BackfillActivitySettings & { temporal: VodflowConfig['temporal'] };
}

export interface ActivityHooks {
  /** Each video a backfill sweep handled, by outcome (the worker counts them). */
  onBackfillOutcome?: (outcome: keyof BackfillCounts) => void;
}

/** The activities plus what must be released when the worker stops (the sweep's Temporal client). */
export interface ActivityRuntime {
  activities: VodflowActivities;
  close(): Promise<void>;
}

/**
 * The worker's activities, bound to their dependencies. A new downstream step adds one
 * function here and one step in src/workflows/builtinSteps.ts (docs/EXTENDING.md).
 */
export function createActivityRuntime(deps: ActivityDeps, hooks: ActivityHooks = {}): ActivityRuntime {
  const vod = createVodApi(deps.vod);
  const temporal: TemporalClientSource | null = deps.backfill
    ? lazyTemporalClient(deps.backfill.temporal)
    : null;
  const backfill =
    deps.backfill && temporal
      ? createBackfillActivities(vod, temporal, deps.backfill, hooks.onBackfillOutcome)
      : null;
  const noBackfill = (): never => {
    throw ApplicationFailure.nonRetryable(
      'this worker was started without Temporal settings for the backfill sweep',
      'BackfillUnavailable',
    );
  };
  const activities = {
    describeWorker,
    async reconcileVideo(input: ReconcileInput): Promise<ReconciliationReport> {
      return reconcileVideo(vod, input);
    },
    async fetchPlayInfo(input: PlayInfoInput): Promise<PlayInfo> {
      return fetchPlayInfo(vod, input);
    },
    async publishVideoReady(input: PublishInput): Promise<PublishResult> {
      return publishDocument(deps.webhook, input);
    },
    planBackfillWindows: backfill?.planBackfillWindows ?? noBackfill,
    backfillWindow: backfill?.backfillWindow ?? noBackfill,
  } satisfies Record<string, (...args: never[]) => unknown>;
  return { activities, close: async () => temporal?.close() };
}

type BackfillActivities = ReturnType<typeof createBackfillActivities>;

export type VodflowActivities = {
  describeWorker: typeof describeWorker;
  reconcileVideo(input: ReconcileInput): Promise<ReconciliationReport>;
  fetchPlayInfo(input: PlayInfoInput): Promise<PlayInfo>;
  publishVideoReady(input: PublishInput): Promise<PublishResult>;
} & BackfillActivities;

/** The activities alone (for embeddings that manage no lifecycle; the backfill ones need createActivityRuntime). */
export function createActivities(deps: ActivityDeps): VodflowActivities {
  return createActivityRuntime({ ...deps, backfill: undefined }).activities;
}
