/**
 * The slice of MNS's management API (the RPC-style OpenAPI, version 2022-01-19) that the XML
 * API lacks: a queue's native dead-letter policy. The real service serves it on its own
 * endpoint (`mns-open.{region}.aliyuncs.com`); the emulator serves it on its own port, told
 * apart from the XML API by the `Action` parameter at `/`. Requests are signed with Alibaba
 * Cloud's RPC Signature V1, as @alicloud/pop-core sends them.
 */
import { timingSafeEqual } from 'node:crypto';
import { signRpc } from '../vod/signature';
import type { MnsAccount } from './account';
import { MnsServiceError } from './errors';
import type { DeadLetterPolicy } from './queueAttributes';

export const managementApiVersion = '2022-01-19';
const maxSkewMs = 15 * 60 * 1000;
/** The console's range is not published; 1..1000 is the emulator's choice (docs/MNS-EMULATOR.md). */
export const maxReceiveCountRange = [1, 1000] as const;

export interface ManagementReply {
  status: number;
  body: Record<string, unknown>;
}

class ManagementError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string): ManagementError => new ManagementError(400, 'InvalidParameter', message);

/** True when a request at the URL root names an RPC action (the XML API never does). */
export function isManagementRequest(path: string, query: Map<string, string>, body: string): boolean {
  if (path !== '/' && path !== '') return false;
  return query.has('action') || /(^|&)Action=/.test(body);
}

/** Query and form parameters, percent-decoded, names as sent (RPC names are case-sensitive). */
export function managementParams(rawQuery: string, body: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const source of [rawQuery, body]) {
    for (const [name, value] of new URLSearchParams(source)) params[name] = value;
  }
  return params;
}

export function handleManagement(
  account: MnsAccount,
  method: string,
  params: Record<string, string>,
  secrets: ReadonlyMap<string, string>,
  nowMs: number,
  requestId: string,
): ManagementReply {
  try {
    authenticateRpc(method, params, secrets, nowMs);
    if (params.Version !== managementApiVersion)
      throw new ManagementError(400, 'InvalidVersion', `Specified parameter Version is not valid.`);
    const queueName = params.QueueName;
    if (!queueName)
      throw new ManagementError(400, 'MissingQueueName', 'QueueName is mandatory for this action.');
    switch (params.Action) {
      case 'SetQueueAttributes': {
        account.getQueue(queueName);
        if (params.DlqPolicy !== undefined) {
          account.setDeadLetterPolicy(queueName, parseDlqPolicy(account, queueName, params.DlqPolicy));
        }
        return ok(requestId, { QueueName: queueName });
      }
      case 'GetQueueAttributes': {
        const policy = account.getQueue(queueName).attributes.dlqPolicy;
        return ok(requestId, {
          QueueName: queueName,
          ...(policy
            ? {
                DlqPolicy: {
                  Enabled: policy.enabled,
                  DeadLetterTargetQueue: policy.deadLetterTargetQueue,
                  MaxReceiveCount: String(policy.maxReceiveCount),
                },
              }
            : {}),
        });
      }
      default:
        throw new ManagementError(
          404,
          'InvalidAction.NotFound',
          'Specified api is not found, please check your url and method.',
        );
    }
  } catch (err) {
    const e =
      err instanceof ManagementError
        ? err
        : err instanceof MnsServiceError
          ? new ManagementError(err.status, err.code, err.message)
          : new ManagementError(500, 'InternalError', 'Interal error.');
    return {
      status: e.status,
      body: { RequestId: requestId, Code: e.code, Message: e.message, Success: false },
    };
  }
}

function ok(requestId: string, data: Record<string, unknown>): ManagementReply {
  return {
    status: 200,
    body: {
      RequestId: requestId,
      Code: 200,
      Status: 'Success',
      Message: 'operation success',
      Success: true,
      Data: data,
    },
  };
}

function authenticateRpc(
  method: string,
  params: Record<string, string>,
  secrets: ReadonlyMap<string, string>,
  nowMs: number,
): void {
  for (const name of ['AccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'Timestamp']) {
    if (!params[name])
      throw new ManagementError(400, 'MissingParameter', `${name} is mandatory for this action.`);
  }
  const secret = secrets.get(params.AccessKeyId!);
  if (secret === undefined)
    throw new ManagementError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.');
  const expected = Buffer.from(signRpc(method, params, secret));
  const given = Buffer.from(params.Signature!);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new ManagementError(
      400,
      'SignatureDoesNotMatch',
      'Specified signature is not matched with our calculation.',
    );
  }
  const ts = Date.parse(params.Timestamp!);
  if (Number.isNaN(ts) || Math.abs(nowMs - ts) > maxSkewMs)
    throw new ManagementError(
      400,
      'InvalidTimeStamp.Expired',
      'Specified time stamp or date value is expired.',
    );
}

/** `{"Enabled":true,"DeadLetterTargetQueue":"q-dlq","MaxReceiveCount":5}`, as the SDKs send it. */
function parseDlqPolicy(account: MnsAccount, queueName: string, text: string): DeadLetterPolicy | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw invalid('DlqPolicy is not valid JSON.');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw invalid('DlqPolicy must be an object.');
  const { Enabled, DeadLetterTargetQueue, MaxReceiveCount } = raw as Record<string, unknown>;
  const enabled = Enabled === true || Enabled === 'true';
  if (!enabled) return undefined;
  if (typeof DeadLetterTargetQueue !== 'string' || DeadLetterTargetQueue === '')
    throw invalid('DlqPolicy.DeadLetterTargetQueue is required.');
  if (DeadLetterTargetQueue === queueName) throw invalid('A queue cannot be its own dead-letter queue.');
  account.getQueue(DeadLetterTargetQueue);
  const count = Number(MaxReceiveCount);
  const [low, high] = maxReceiveCountRange;
  if (!Number.isInteger(count) || count < low || count > high)
    throw invalid(`DlqPolicy.MaxReceiveCount should be between ${low} and ${high}.`);
  return { enabled: true, deadLetterTargetQueue: DeadLetterTargetQueue, maxReceiveCount: count };
}
