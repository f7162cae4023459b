import type { MnsManagementRpc, QueueAdmin, VodRpc } from './accountPorts';
import { describeError, serviceErrorCode } from './accountPorts';
import { ensureHttpCallback, type HttpCallbackTarget } from './httpCallback';
import { defaultAppId, nativeDeadLetterQueue, queueAttributes, requiredEventTypes } from './requirements';

export interface RegionSetupTarget {
  region: string;
  /** The MNS account endpoint VOD writes to, e.g. http://1234567.mns.cn-shanghai.aliyuncs.com */
  mnsEndpoint: string;
  queueName: string;
  deadLetterQueueName: string;
  appId?: string;
  /** Point VOD's callback at vodflow's HTTP ingress instead of the queue (docs/INGRESS.md). */
  httpCallback?: HttpCallbackTarget;
}

export type SetupAction = {
  subject: string;
  outcome: 'created' | 'updated' | 'unchanged' | 'removed';
  detail: string;
};

export interface SetupClients {
  vod: VodRpc;
  mns: QueueAdmin;
  /** Needed only for the native dead-letter policy. */
  mnsManagement?: MnsManagementRpc;
}

export interface SetupOptions {
  /**
   * Also give the queue MNS's native dead-letter policy: a message received this many times
   * moves to `<queue>-mns-dlq`. A safety net for what vodflow's own dead-lettering cannot
   * reach (a poller that crashes on a message before it can act); it must exceed
   * VODFLOW_MAX_DEQUEUE_COUNT so vodflow's dead-letter queue, with its reason, goes first.
   */
  mnsDeadLetterAfter?: number;
}

/**
 * Makes one region ready: the VOD callback points at our queue with the events we
 * need, and the queue and its dead-letter queue exist. Idempotent: a second run
 * reports every item unchanged and calls no write API.
 */
export async function setupRegion(
  target: RegionSetupTarget,
  clients: SetupClients,
  options: SetupOptions = {},
): Promise<SetupAction[]> {
  const actions: SetupAction[] = [];
  const native = options.mnsDeadLetterAfter;
  const queues = [target.queueName, target.deadLetterQueueName];
  if (native !== undefined) queues.push(nativeDeadLetterQueue(target.queueName));
  for (const queueName of queues) actions.push(await ensureQueue(clients.mns, queueName));
  if (native !== undefined) {
    if (!clients.mnsManagement) throw new Error('the native dead-letter policy needs the MNS management API');
    actions.push(await ensureDeadLetterPolicy(clients.mnsManagement, target.queueName, native));
  }
  actions.push(
    target.httpCallback
      ? await ensureHttpCallback(target, target.httpCallback, clients.vod)
      : await ensureCallback(target, clients.vod),
  );
  return actions;
}

interface ManagementQueueAttributes {
  Data?: {
    DlqPolicy?: {
      Enabled?: boolean | string;
      DeadLetterTargetQueue?: string;
      MaxReceiveCount?: string | number;
    };
  };
}

async function ensureDeadLetterPolicy(
  management: MnsManagementRpc,
  queueName: string,
  maxReceiveCount: number,
): Promise<SetupAction> {
  const subject = `MNS dead-letter policy ${queueName}`;
  const target = nativeDeadLetterQueue(queueName);
  const detail = `after ${maxReceiveCount} receives to ${target}`;
  let current: ManagementQueueAttributes;
  try {
    current = (await management.request(
      'GetQueueAttributes',
      { QueueName: queueName },
      { method: 'POST' },
    )) as ManagementQueueAttributes;
  } catch (err) {
    throw new Error(`${subject}: ${describeError(err)}`);
  }
  const policy = current.Data?.DlqPolicy;
  const enabled = policy?.Enabled === true || policy?.Enabled === 'true';
  if (
    enabled &&
    policy?.DeadLetterTargetQueue === target &&
    Number(policy.MaxReceiveCount) === maxReceiveCount
  ) {
    return { subject, outcome: 'unchanged', detail };
  }
  const wanted = { Enabled: true, DeadLetterTargetQueue: target, MaxReceiveCount: maxReceiveCount };
  try {
    await management.request(
      'SetQueueAttributes',
      { QueueName: queueName, DlqPolicy: JSON.stringify(wanted) },
      { method: 'POST' },
    );
  } catch (err) {
    throw new Error(`${subject}: ${describeError(err)}`);
  }
  return { subject, outcome: enabled ? 'updated' : 'created', detail };
}

/** Creates the queue with vodflow's attributes when it is missing; never changes an existing one. */
export async function ensureQueue(mns: QueueAdmin, queueName: string): Promise<SetupAction> {
  const subject = `MNS queue ${queueName}`;
  try {
    await mns.getQueueAttributes(queueName);
    return { subject, outcome: 'unchanged', detail: 'exists (doctor checks its attributes)' };
  } catch (err) {
    if (serviceErrorCode(err) !== 'QueueNotExist') throw new Error(`${subject}: ${describeError(err)}`);
  }
  await mns.createQueue(queueName, { ...queueAttributes });
  return {
    subject,
    outcome: 'created',
    detail: `retention ${queueAttributes.MessageRetentionPeriod} s, max message ${queueAttributes.MaximumMessageSize} bytes`,
  };
}

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

async function ensureCallback(target: RegionSetupTarget, vod: VodRpc): Promise<SetupAction> {
  const appId = target.appId ?? defaultAppId;
  const subject = `VOD callback ${target.region}/${appId}`;
  const wanted = callbackEndpoint(target.mnsEndpoint);
  const current = await getMessageCallback(vod, appId);
  // Keep event types the user enabled for other consumers; add only what vodflow needs.
  const missing = missingEventTypes(current?.EventTypeList);
  const matches =
    current?.CallbackType === 'MNS' &&
    callbackEndpoint(current.MnsEndpoint ?? '') === wanted &&
    current.MnsQueueName === target.queueName &&
    missing.length === 0;
  if (matches) return { subject, outcome: 'unchanged', detail: `MNS ${wanted} queue ${target.queueName}` };

  const keep =
    current?.CallbackType === 'MNS' && current.EventTypeList
      ? current.EventTypeList.split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  const eventTypeList = keep.includes('ALL')
    ? 'ALL'
    : [...new Set([...keep, ...requiredEventTypes])].join(',');
  await vod.request(
    'SetMessageCallback',
    {
      AppId: appId,
      CallbackType: 'MNS',
      MnsEndpoint: wanted,
      MnsQueueName: target.queueName,
      EventTypeList: eventTypeList,
    },
    { method: 'POST' },
  );
  return {
    subject,
    outcome: current?.CallbackType ? 'updated' : 'created',
    detail: `MNS ${wanted} queue ${target.queueName}, events ${eventTypeList}`,
  };
}
