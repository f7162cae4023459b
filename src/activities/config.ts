import type { VodflowConfig } from '../config';
import type { ActivityDeps } from './index';

/**
 * The activities' dependencies from the validated configuration. Credentials stay in the
 * worker process; workflows only ever see the region they pass to an activity.
 */
export function activityDeps(config: Pick<VodflowConfig, 'credentials' | 'worker'>): ActivityDeps {
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
  };
}
