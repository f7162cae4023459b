import type { VodflowConfig } from '../config';
import type { ActivityDeps } from './index';

/**
 * The activities' dependencies from the validated configuration. Credentials stay in the
 * worker process; workflows only ever see the region they pass to an activity.
 */
export function activityDeps(
  config: Pick<VodflowConfig, 'credentials' | 'worker'> &
    Partial<Pick<VodflowConfig, 'temporal' | 'pipeline' | 'backfill' | 'poller'>>,
): ActivityDeps {
  if (!config.credentials) {
    throw new Error(
      'the worker needs ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET for the VOD API',
    );
  }
  if (config.worker.webhookUrl && !config.worker.webhookSecrets?.length) {
    throw new Error('the worker needs VODFLOW_WEBHOOK_SECRET to sign publications to VODFLOW_WEBHOOK_URL');
  }
  return {
    vod: {
      credentials: config.credentials,
      ...(config.worker.vodEndpoint ? { endpoint: config.worker.vodEndpoint } : {}),
      timeoutMs: config.worker.vodTimeoutMs,
    },
    webhook: {
      ...(config.worker.webhookUrl ? { url: config.worker.webhookUrl } : {}),
      secrets: config.worker.webhookSecrets ?? [],
      timeoutMs: config.worker.webhookTimeoutMs,
    },
    // The sweep starts pipelines on the worker's own cluster and task queue.
    ...(config.temporal
      ? {
          backfill: {
            temporal: config.temporal,
            taskQueue: config.temporal.taskQueue,
            pipeline: config.pipeline ?? {},
            rps: config.backfill?.rps ?? 20,
            timeoutMs: config.poller?.signalTimeoutMs ?? 10_000,
          },
        }
      : {}),
  };
}
