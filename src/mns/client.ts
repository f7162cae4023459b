/**
 * The one place vodflow builds `@alicloud/mns` clients, for the real service and for the
 * emulator alike, plus the queue-URL parser and the error classification the poller uses.
 */
import MNSClient from '@alicloud/mns';
import { MnsBadResponseError, MnsServiceError, MnsTimeoutError } from './errors';

export type MnsClient = MNSClient;
export type {
  BatchDeleteFailure,
  BatchSendFailure,
  PeekedMessage,
  QueueAttributes,
  QueueAttributesInput,
  ReceivedMessage,
  Response as MnsResponse,
  SendMessageInput,
  SentMessage,
  VisibilityChange,
} from '@alicloud/mns';

export interface MnsClientOptions {
  /** `http://1234567.mns.cn-shanghai.aliyuncs.com` or an emulator's `http://127.0.0.1:PORT`. */
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /**
   * Read timeout per request. It must exceed the longest long-poll wait (30 s) or every
   * empty long poll turns into a timeout; default 40 s, the SDK's own.
   */
  timeoutMs?: number;
}

/**
 * The SDK's options as vodflow sets them. The SDK calls its second timeout "connect", but its
 * HTTP layer (httpx) hands it to `http.request` as `timeout`, which Node applies to the socket
 * as an idle timeout for the whole exchange: a long poll that waits longer than it without a
 * byte is aborted (`RequestTimeoutError: ConnectTimeout`). So it may never be shorter than the
 * read timeout, which already covers the longest wait.
 */
export function mnsClientTimeouts(timeoutMs?: number): { readTimeout: number; connectTimeout: number } {
  const readTimeout = timeoutMs ?? 40_000;
  return { readTimeout, connectTimeout: readTimeout };
}

/** Account id used when the endpoint's host does not carry one (emulator, proxies). */
const placeholderAccountId = 'vodflow';

export function createMnsClient(options: MnsClientOptions): MnsClient {
  const url = new URL(options.endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`MNS endpoint must be http(s): ${options.endpoint}`);
  }
  // The SDK appends resources ("/queues/...") to the endpoint verbatim and signs only the
  // resource, so the endpoint must be the bare origin: a path would break the signature.
  const origin = url.origin;
  return new MNSClient(accountIdFromHost(url.hostname) ?? placeholderAccountId, {
    endpoint: origin,
    accessKeyId: options.accessKeyId,
    accessKeySecret: options.accessKeySecret,
    ...(options.securityToken ? { securityToken: options.securityToken } : {}),
    ...mnsClientTimeouts(options.timeoutMs),
  });
}

export interface MnsQueueLocation {
  /** Origin only, e.g. `http://1234567.mns.cn-shanghai.aliyuncs.com`. */
  endpoint: string;
  /** From a `{AccountId}.mns.{region}.aliyuncs.com` host; absent for other hosts. */
  accountId?: string;
  region?: string;
  queueName: string;
}

const mnsHost = /^(\d+)\.mns\.([a-z0-9-]+)\.aliyuncs\.com$/i;
// At most 120 characters: the current CreateQueue documentation (docs/MNS-EMULATOR.md).
const queueNamePattern = /^[A-Za-z0-9][A-Za-z0-9-]{0,119}$/;

function accountIdFromHost(hostname: string): string | undefined {
  return mnsHost.exec(hostname)?.[1];
}

/**
 * Parses vodflow's queue URL form `http://1234567.mns.cn-shanghai.aliyuncs.com/vod-events`.
 * The service's own QueueURL form (`.../queues/vod-events`) is accepted too.
 */
export function parseMnsQueueUrl(queueUrl: string): MnsQueueLocation {
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch {
    throw new Error(`invalid MNS queue URL: ${queueUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`invalid MNS queue URL (scheme must be http or https): ${queueUrl}`);
  }
  if (url.search || url.hash) {
    throw new Error(`invalid MNS queue URL (no query or fragment allowed): ${queueUrl}`);
  }
  const segments = url.pathname.split('/').filter((s) => s.length > 0);
  if (segments.length === 2 && segments[0] === 'queues') segments.shift();
  const queueName = segments.length === 1 ? decodeURIComponent(segments[0]!) : '';
  if (!queueNamePattern.test(queueName)) {
    throw new Error(`invalid MNS queue URL (expected <endpoint>/<queueName>): ${queueUrl}`);
  }
  const host = mnsHost.exec(url.hostname);
  return {
    endpoint: url.origin,
    ...(host ? { accountId: host[1]!, region: host[2]!.toLowerCase() } : {}),
    queueName,
  };
}

export type MnsErrorKind =
  | 'message-not-exist'
  | 'receipt-handle-invalid'
  | 'queue-not-exist'
  | 'auth'
  | 'throttled'
  | 'server'
  | 'network'
  | 'timeout'
  | 'client';

/** Codes the service puts into `<Error><Code>` (docs/MNS-PROTOCOL.md, "Errors"). */
export type MnsErrorCode =
  | 'AccessDenied'
  | 'InvalidAccessKeyId'
  | 'SignatureDoesNotMatch'
  | 'InternalError'
  | 'InternalServerError'
  | 'ServiceUnavailable'
  | 'InvalidAuthorizationHeader'
  | 'InvalidDateHeader'
  | 'InvalidArgument'
  | 'InvalidDegist'
  | 'InvalidDigest'
  | 'InvalidRequestURL'
  | 'InvalidQueryString'
  | 'MalformedXML'
  | 'MissingAuthorizationHeader'
  | 'MissingDateHeader'
  | 'MissingReceiptHandle'
  | 'MissingVisibilityTimeout'
  | 'MessageNotExist'
  | 'QueueAlreadyExist'
  | 'QueueDeletedRecently'
  | 'InvalidQueueName'
  | 'QueueNameLengthError'
  | 'QueueNotExist'
  | 'ReceiptHandleError'
  | 'TimeExpired'
  | 'QpsLimitExceeded'
  | 'TooManyRequests'
  | 'MissingVersionHeader'
  | 'InvalidVersionHeader';

export interface MnsErrorClass {
  kind: MnsErrorKind;
  /** The XML `<Code>` when the service answered with an error document. */
  code?: string;
  status?: number;
  /** Worth retrying the same call later (after a backoff). */
  retryable: boolean;
}

const authCodes = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'TimeExpired',
  'MissingAuthorizationHeader',
  'InvalidAuthorizationHeader',
  'MissingDateHeader',
  'InvalidDateHeader',
]);
const serverCodes = new Set(['InternalError', 'InternalServerError', 'ServiceUnavailable']);
const networkErrnos = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
]);
const retryableKinds = new Set<MnsErrorKind>(['throttled', 'server', 'network', 'timeout']);

function classified(kind: MnsErrorKind, code?: string, status?: number): MnsErrorClass {
  return {
    kind,
    ...(code !== undefined ? { code } : {}),
    ...(status !== undefined ? { status } : {}),
    retryable: retryableKinds.has(kind),
  };
}

/**
 * Maps whatever an MNS call rejected with, from the `@alicloud/mns` SDK or the lean transport
 * (poller/mnsHttpQueue.ts), onto what the caller should do. Both transports' errors land on the same kinds.
 */
export function classifyMnsError(err: unknown): MnsErrorClass {
  if (err instanceof MnsUnexpectedStatusError) return classifyStatus(err.status);
  if (err instanceof MnsServiceError) {
    return err.code === undefined ? classifyStatus(err.status) : classifyServiceCode(err.code, err.status);
  }
  if (err instanceof MnsTimeoutError) return classified('timeout');
  if (err instanceof MnsBadResponseError) return classified('server', undefined, err.status);
  if (!(err instanceof Error)) return classified('client');
  const name = err.name;
  const errno = (err as NodeJS.ErrnoException).code;
  // The SDK names service errors 'MNS' + Code + 'Error' and puts the status into the message.
  const service = /^MNS(.+)Error$/.exec(name);
  if (service) {
    const statusMatch = / failed with (\d{3})\./.exec(err.message);
    return classifyServiceCode(service[1]!, statusMatch ? Number(statusMatch[1]) : undefined);
  }
  // httpx names both its connect and read timeouts RequestTimeoutError.
  if (name === 'RequestTimeoutError' || errno === 'ETIMEDOUT' || errno === 'ESOCKETTIMEDOUT') {
    return classified('timeout');
  }
  if ((errno !== undefined && networkErrnos.has(errno)) || /socket hang up|aborted/i.test(err.message)) {
    return classified('network');
  }
  // A truncated or garbled response body fails in xml2js; the call itself may have happened.
  if (
    /Unexpected close tag|Unclosed root tag|Non-whitespace before first tag|Invalid character/.test(
      err.message,
    )
  ) {
    return classified('server');
  }
  return classified('client');
}

/** An MNS `<Error><Code>` with the status it came with. */
function classifyServiceCode(code: string, status: number | undefined): MnsErrorClass {
  if (code === 'MessageNotExist') return classified('message-not-exist', code, status);
  if (code === 'ReceiptHandleError') return classified('receipt-handle-invalid', code, status);
  if (code === 'QueueNotExist') return classified('queue-not-exist', code, status);
  if (authCodes.has(code)) return classified('auth', code, status);
  // TooManyRequests (429) is the current throttling answer; QpsLimitExceeded the old one.
  if (code === 'TooManyRequests' || code === 'QpsLimitExceeded' || status === 429) {
    return classified('throttled', code, status);
  }
  if (serverCodes.has(code) || (status !== undefined && status >= 500)) {
    return classified('server', code, status);
  }
  return classified('client', code, status);
}

function classifyStatus(status: number): MnsErrorClass {
  if (status === 401 || status === 403) return classified('auth', undefined, status);
  if (status === 429) return classified('throttled', undefined, status);
  if (status >= 500) return classified('server', undefined, status);
  return classified('client', undefined, status);
}

/**
 * The SDK does not throw when a response is not XML (a proxy's HTML 502, say); it hands back
 * `{ code, body: undefined }`. Callers pass such responses here to turn them into an error
 * `classifyMnsError` understands.
 */
export class MnsUnexpectedStatusError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
  ) {
    super(`MNS ${operation} answered with unexpected status ${status}`);
    this.name = 'MnsUnexpectedStatusError';
  }
}

export function assertMnsStatus(
  operation: string,
  response: { code: number },
  expected: readonly number[],
): void {
  if (!expected.includes(response.code)) throw new MnsUnexpectedStatusError(operation, response.code);
}
