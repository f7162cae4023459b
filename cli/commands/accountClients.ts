import { createVodApi } from '../../src/activities/vodApi';
import type { VodflowConfig } from '../../src/config';
import type { QueueSpec } from '../../src/config/queueSpec';
import { createMnsClient } from '../../src/mns/client';
import type { SetupClients } from '../../src/operations/setup';
import type { RegionSetupTarget } from '../../src/operations/setup';

/** The VOD and MNS clients setup and doctor use for one configured queue. */
export function accountClients(config: VodflowConfig, spec: QueueSpec): SetupClients {
  if (!config.credentials)
    throw new Error('ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are required');
  const api = createVodApi({
    credentials: config.credentials,
    ...(config.worker.vodEndpoint ? { endpoint: config.worker.vodEndpoint } : {}),
    timeoutMs: config.worker.vodTimeoutMs,
  });
  return {
    vod: { request: (action, params) => api.call(spec.region, action, params) },
    mns: createMnsClient({
      endpoint: spec.endpoint,
      ...config.credentials,
      timeoutMs: config.poller.mnsTimeoutMs,
    }),
  };
}

export function setupTarget(spec: QueueSpec): RegionSetupTarget {
  return {
    region: spec.region,
    mnsEndpoint: spec.endpoint,
    queueName: spec.queue,
    deadLetterQueueName: spec.deadLetterQueue,
  };
}
