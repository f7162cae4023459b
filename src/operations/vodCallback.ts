/**
 * VOD's message callback of an app: reading it, and the event types vodflow needs in it.
 * setup (MNS or HTTP callback) writes it, doctor checks it.
 */
import type { VodRpc } from './accountPorts';
import { requiredEventTypes } from './requirements';

/**
 * The callback endpoint VOD wants: the public account endpoint in its documented http:// form,
 * with a trailing slash. VOD writes to it over Alibaba Cloud's network with its own role,
 * whatever scheme vodflow reads the queue with (https in production).
 */
export function callbackEndpoint(mnsEndpoint: string): string {
  const endpoint = mnsEndpoint.endsWith('/') ? mnsEndpoint : `${mnsEndpoint}/`;
  return /^https:\/\/\d+\.mns\.[a-z0-9-]+\.aliyuncs\.com\/$/i.test(endpoint)
    ? `http://${endpoint.slice('https://'.length)}`
    : endpoint;
}

export interface MessageCallback {
  CallbackType?: string;
  CallbackURL?: string;
  AuthSwitch?: string;
  AuthKey?: string;
  MnsEndpoint?: string;
  MnsQueueName?: string;
  EventTypeList?: string;
  AppId?: string;
}

export async function getMessageCallback(vod: VodRpc, appId: string): Promise<MessageCallback | undefined> {
  const response = (await vod.request('GetMessageCallback', { AppId: appId }, { method: 'POST' })) as {
    MessageCallback?: MessageCallback;
  };
  return response.MessageCallback;
}

/** The event types a callback list delivers; `ALL` delivers everything. */
export function missingEventTypes(eventTypeList: string | undefined): string[] {
  const listed = new Set((eventTypeList ?? '').split(',').map((s) => s.trim()));
  if (listed.has('ALL')) return [];
  return requiredEventTypes.filter((t) => !listed.has(t));
}

/**
 * The EventTypeList to set: vodflow's types on top of those already listed (`existing`), which
 * the user may have enabled for other consumers of the same callback; `ALL` stays `ALL`.
 */
export function eventTypesToSet(existing: string | undefined): string {
  const keep = (existing ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return keep.includes('ALL') ? 'ALL' : [...new Set([...keep, ...requiredEventTypes])].join(',');
}
