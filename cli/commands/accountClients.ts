import RPCClient from '@alicloud/pop-core';
import { createVodApi } from '../../src/activities/vodApi';
import type { VodflowConfig } from '../../src/config';
import type { QueueSpec } from '../../src/config/queueSpec';
import { createMnsClient, parseMnsQueueUrl, type MnsClient } from '../../src/mns/client';
import type { SetupClients } from '../../src/operations/setup';
import type { RegionSetupTarget } from '../../src/operations/setup';

/** The VOD and MNS clients setup and doctor use for one configured queue. */
export function accountClients(config: VodflowConfig, spec: QueueSpec): SetupClients & { mns: MnsClient } {
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
    mnsManagement: new RPCClient({
      endpoint: mnsManagementEndpoint(spec.endpoint, spec.region),
      apiVersion: '2022-01-19',
      accessKeyId: config.credentials.accessKeyId,
      accessKeySecret: config.credentials.accessKeySecret,
      ...(config.credentials.securityToken ? { securityToken: config.credentials.securityToken } : {}),
      opts: { timeout: config.poller.mnsTimeoutMs },
    }),
  };
}

/**
 * MNS's management API lives at `mns-open.{region}.aliyuncs.com`; an endpoint that is not an
 * MNS account host (the emulator, a proxy) is asked directly: the emulator serves the API on
 * its own port.
 */
export function mnsManagementEndpoint(mnsEndpoint: string, region: string): string {
  const location = parseMnsQueueUrl(`${mnsEndpoint}/probe`);
  if (location.accountId === undefined) return location.endpoint;
  return `https://mns-open.${region}.aliyuncs.com`;
}

export function setupTarget(spec: QueueSpec): RegionSetupTarget {
  return {
    region: spec.region,
    mnsEndpoint: spec.endpoint,
    queueName: spec.queue,
    deadLetterQueueName: spec.deadLetterQueue,
  };
}
