import { reconcileVideo, type ReconcileInput } from './reconcile';
import { fetchPlayInfo, type PlayInfo, type PlayInfoInput } from './playInfo';
import { describeWorker } from './probe';
import { createVodApi, type VodApiSettings } from './vodApi';
import { publishDocument, type PublishInput, type PublishResult, type WebhookSettings } from './webhook';
import type { ReconciliationReport } from '../shared/videoState';

export { describeWorker } from './probe';
export type { VodApiSettings, VodCredentials } from './vodApi';
export type { WebhookSettings } from './webhook';
export { activityDeps } from './config';

/** Everything activities need from the outside world; secrets stay in the worker process. */
export interface ActivityDeps {
  vod: VodApiSettings;
  webhook: WebhookSettings;
}

/**
 * The worker's activities, bound to their dependencies. A new downstream step adds one
 * function here and one step in src/workflows/builtinSteps.ts (docs/EXTENDING.md).
 */
export function createActivities(deps: ActivityDeps) {
  const vod = createVodApi(deps.vod);
  return {
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
  };
}

export type VodflowActivities = ReturnType<typeof createActivities>;
