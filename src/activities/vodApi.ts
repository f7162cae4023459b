import RPCClient from '@alicloud/pop-core';

/** Static or STS credentials. They live in the worker process only, never in workflow inputs. */
export interface VodCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface VodApiSettings {
  credentials: VodCredentials;
  /** VODFLOW_VOD_ENDPOINT: one endpoint for every region (the emulator). Otherwise per region. */
  endpoint?: string;
  /** Per call, connect and read. pop-core's own default (3 s) is too short on a loaded machine. */
  timeoutMs: number;
}

export const vodApiVersion = '2017-03-21';

/** `https://vod.<region>.aliyuncs.com`: each VOD region serves only its own storage region. */
export function vodEndpoint(region: string, override?: string): string {
  if (override) return override.replace(/\/+$/, '');
  if (!/^[a-z0-9-]+$/.test(region)) throw new Error(`not a VOD region id: ${JSON.stringify(region)}`);
  return `https://vod.${region}.aliyuncs.com`;
}

export type VodErrorClass = 'throttled' | 'server' | 'timeout' | 'network' | 'client' | 'not-found';

/** A VOD API failure with its class; `retryable` decides the activity's retry behaviour. */
export class VodApiError extends Error {
  override readonly name = 'VodApiError';
  constructor(
    readonly action: string,
    /** VOD's Code (e.g. InvalidVideo.NotFound), or a transport code (RequestTimeout, ECONNREFUSED). */
    readonly code: string,
    readonly errorClass: VodErrorClass,
    message: string,
    readonly requestId?: string,
  ) {
    super(`${action}: ${code}: ${message}`);
  }

  get retryable(): boolean {
    return (
      this.errorClass === 'throttled' ||
      this.errorClass === 'server' ||
      this.errorClass === 'timeout' ||
      this.errorClass === 'network'
    );
  }
}

const notFoundCodes = new Set(['InvalidVideo.NotFound', 'InvalidVideo.NoneStream', 'NoSuchResource']);
const serverCodes = new Set(['InternalError', 'ServiceUnavailable', 'ServiceUnAvailable', 'ServiceBusy']);

/**
 * VOD codes that keep their own value in the worker's error_type metric label: the ones
 * classified here, the client's own transport codes, throttling and credential problems.
 * VOD can answer with any code, so every other one counts as `other`.
 */
export const namedVodErrorCodes: readonly string[] = [
  ...notFoundCodes,
  ...serverCodes,
  'Throttling',
  'Throttling.User',
  'Throttling.Api',
  'RequestTimeout',
  'InvalidResponse',
  'NetworkError',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'InvalidAccessKeyId.NotFound',
  'SignatureDoesNotMatch',
  'InvalidSecurityToken.Expired',
  'InvalidTimeStamp.Expired',
  'Forbidden.RAM',
];

/** Classifies whatever pop-core threw. Pure, exported for unit tests. */
export function classifyVodError(action: string, err: unknown): VodApiError {
  if (err instanceof VodApiError) return err;
  const e = err as {
    name?: string;
    code?: unknown;
    message?: string;
    data?: { RequestId?: string; Message?: string };
  };
  const message = stripUrl(e?.data?.Message ?? e?.message ?? String(err));
  const requestId = e?.data?.RequestId;
  if (e?.data && typeof e.code === 'string') {
    const code = e.code;
    const errorClass: VodErrorClass = code.startsWith('Throttling')
      ? 'throttled'
      : serverCodes.has(code)
        ? 'server'
        : notFoundCodes.has(code)
          ? 'not-found'
          : 'client';
    return new VodApiError(action, code, errorClass, message, requestId);
  }
  if (e?.name === 'RequestTimeoutError' || /timeout/i.test(e?.name ?? '')) {
    return new VodApiError(action, 'RequestTimeout', 'timeout', message);
  }
  if (e?.name === 'SyntaxError') {
    // A non-JSON body: a gateway or proxy page in front of the API, typically a 502/504.
    return new VodApiError(action, 'InvalidResponse', 'server', message);
  }
  const code = typeof e?.code === 'string' ? e.code : 'NetworkError';
  return new VodApiError(action, code, 'network', message);
}

/** pop-core appends ", URL: <url>" (and the URL of a GET carries the signed query). */
function stripUrl(message: string): string {
  return message.replace(/,? URL: \S+/, '').replace(/ (GET|POST) \S+ failed\./, ' request failed.');
}

/** pop-core stringifies undefined and null into "undefined"/"null": drop them before calling. */
export function definedParams(params: Record<string, unknown>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    out[key] = value as string | number | boolean;
  }
  return out;
}

export interface VodApi {
  call<T = Record<string, unknown>>(
    region: string,
    action: string,
    params: Record<string, unknown>,
  ): Promise<T>;
}

/** One RPCClient per endpoint (each keeps its own keep-alive agent); every call POSTs with a timeout. */
export function createVodApi(settings: VodApiSettings): VodApi {
  const clients = new Map<string, RPCClient>();
  const clientFor = (region: string): RPCClient => {
    const endpoint = vodEndpoint(region, settings.endpoint);
    let client = clients.get(endpoint);
    if (!client) {
      client = new RPCClient({
        endpoint,
        apiVersion: vodApiVersion,
        accessKeyId: settings.credentials.accessKeyId,
        accessKeySecret: settings.credentials.accessKeySecret,
        ...(settings.credentials.securityToken ? { securityToken: settings.credentials.securityToken } : {}),
        opts: { timeout: settings.timeoutMs },
      });
      clients.set(endpoint, client);
    }
    return client;
  };
  return {
    async call<T>(region: string, action: string, params: Record<string, unknown>): Promise<T> {
      try {
        // 'POST' exactly: pop-core compares the raw string to choose the form-body path
        // (docs/VOD-API.md, "The pop-core client").
        return await clientFor(region).request<T>(action, definedParams(params), {
          method: 'POST',
          timeout: settings.timeoutMs,
        });
      } catch (err) {
        throw classifyVodError(action, err);
      }
    },
  };
}
