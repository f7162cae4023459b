import { randomUUID, timingSafeEqual } from 'node:crypto';
import { ApiError, apiErrors } from './errors';
import type { Body, Params } from './readApis';
import { signRpc, stringToSign } from './signature';

/**
 * The gateway in front of the actions: common parameters, Signature V1, timestamp and nonce
 * checks, fault knobs, then dispatch (docs/VOD-API.md). Pure apart from the nonce memory, so
 * it is unit-testable without sockets.
 */
export const apiVersion = '2017-03-21';
const maxSkewMs = 15 * 60 * 1000;

export type ActionHandler = (params: Params) => Body;

export interface GatewayDeps {
  now(): number;
  secretFor(accessKeyId: string): string | undefined;
  actions: Record<string, ActionHandler>;
  /** Called after authentication; may throw Throttling/InternalError (fault knobs, QPS limits). */
  admit?(action: string): void;
  hostId: string;
}

export interface GatewayResult {
  status: number;
  format: 'JSON' | 'XML';
  action: string;
  body: Body;
}

const timestampPattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

export function parseTimestamp(value: string): number | null {
  const m = timestampPattern.exec(value);
  if (!m) return null;
  const ms = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Number.isNaN(ms) ? null : ms;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export class RpcGateway {
  private readonly nonces = new Map<string, number>();

  constructor(private readonly deps: GatewayDeps) {}

  handle(method: string, params: Params): GatewayResult {
    const requestId = randomUUID().toUpperCase();
    // XML is the gateway's default; pop-core always asks for JSON.
    const format = params.Format?.toUpperCase() === 'JSON' ? 'JSON' : 'XML';
    const action = params.Action ?? '';
    try {
      const body = this.authenticateAndRun(method, params);
      return { status: 200, format, action, body: { RequestId: requestId, ...body } };
    } catch (err) {
      const e = err instanceof ApiError ? err : apiErrors.internalError();
      return {
        status: e.httpStatus,
        format,
        action,
        body: {
          RequestId: requestId,
          HostId: this.deps.hostId,
          Code: e.code,
          Message: e.message,
          Recommend: `https://api.alibabacloud.com/troubleshoot?q=${encodeURIComponent(e.code)}&product=Vod&requestId=${requestId}`,
        },
      };
    }
  }

  private authenticateAndRun(method: string, params: Params): Body {
    if (method !== 'GET' && method !== 'POST') throw apiErrors.unsupportedMethod();
    for (const name of [
      'Action',
      'Version',
      'AccessKeyId',
      'SignatureMethod',
      'SignatureVersion',
      'SignatureNonce',
    ]) {
      if (!params[name]) throw apiErrors.missingParameter(name);
    }
    if (!params.Signature)
      throw apiErrors.incompleteSignature('The request signature does not conform to Aliyun standards.');
    if (!params.Timestamp) throw apiErrors.timestampFormat();
    if (params.SignatureMethod !== 'HMAC-SHA1') throw apiErrors.signatureMethod();
    if (params.SignatureVersion !== '1.0') {
      throw apiErrors.invalidParameter('SignatureVersion', 'Only 1.0 is supported.');
    }
    const ts = parseTimestamp(params.Timestamp);
    if (ts === null) throw apiErrors.timestampFormat();
    const now = this.deps.now();
    if (Math.abs(now - ts) > maxSkewMs) throw apiErrors.timestampExpired();

    const accessKeyId = params.AccessKeyId as string;
    const secret = this.deps.secretFor(accessKeyId);
    if (secret === undefined) throw apiErrors.accessKeyNotFound();
    const expected = signRpc(method, params, secret);
    if (!safeEqual(expected, params.Signature))
      throw apiErrors.signatureDoesNotMatch(stringToSign(method, params));

    this.rememberNonce(`${accessKeyId}:${params.SignatureNonce as string}`, now);

    // Own keys only: `constructor`, `toString` or `__proto__` are no actions.
    const action = params.Action as string;
    const handler = Object.hasOwn(this.deps.actions, action) ? this.deps.actions[action] : undefined;
    if (!handler) throw apiErrors.actionNotFound();
    if (params.Version !== apiVersion) throw apiErrors.noSuchVersion();
    this.deps.admit?.(params.Action as string);
    return handler(params);
  }

  private rememberNonce(key: string, now: number): void {
    if (this.nonces.size > 10_000) {
      for (const [k, seenAt] of this.nonces) if (now - seenAt > 2 * maxSkewMs) this.nonces.delete(k);
    }
    if (this.nonces.has(key)) throw apiErrors.nonceUsed();
    this.nonces.set(key, now);
  }
}
