import type { MnsManagementRpc, QueueAdmin, VodRpc } from './accountPorts';
import { describeError, serviceErrorCode } from './accountPorts';
import { ensureHttpCallback, type HttpCallbackTarget } from './httpCallback';
import { defaultAppId, nativeDeadLetterQueue, queueAttributes } from './requirements';
import { callbackEndpoint, eventTypesToSet, getMessageCallback, missingEventTypes } from './vodCallback';

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

  const eventTypeList = eventTypesToSet(current?.CallbackType === 'MNS' ? current.EventTypeList : undefined);
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
