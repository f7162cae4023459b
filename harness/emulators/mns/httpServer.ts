/**
 * Transport: node:http with keep-alive, signature checks, fault injection, the optional
 * admin endpoint, and the exact response headers (docs/MNS-PROTOCOL.md, "Response headers and namespaces").
 */
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { createHttpServer, type HttpLimits } from '../../../src/http';
import type { Logger } from '../../../src/observability/logger';
import type { MnsAccount } from './account';
import { mnsError, MnsServiceError } from './errors';
import { FaultInjector, validateFaultConfig, type MnsOperation } from './faults';
import {
  errorReply,
  execute,
  parseQuery,
  route,
  type ErrorReply,
  type MnsReply,
  type MnsRequest,
} from './protocol';
import { handleManagement, isManagementRequest, managementParams } from './management';
import { authenticate, type AuthenticationOptions } from './signature';
import { requestWeight, type Throttle } from './throttle';
import { errorDocument } from './xml';

/** Far above the 64 KiB message limit plus XML escaping; anything bigger is not an MNS request. */
const maxRequestBytes = 1024 * 1024;
export const adminPrefix = '/__admin/';

export interface HttpServerOptions {
  account: MnsAccount;
  /** The emulator's clock (the signature's Date window is checked against it). */
  clock: () => number;
  secrets: ReadonlyMap<string, string>;
  faults: FaultInjector;
  admin: boolean;
  /** Used when a request has no Host header. */
  fallbackOrigin: () => string;
  adminStats: () => unknown;
  logger: Logger;
  /** Serve HTTPS with this key pair instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Reject a Content-MD5 that does not match the body (400 InvalidDegist). */
  checkContentMd5: boolean;
  /** Wraps each operation so that its reply waits until its change is persisted (a data dir). */
  persisted?: <T>(operation: () => Promise<T>) => Promise<T>;
  throttle: Throttle;
  /** Counts requests throttled by the rate (injected ones are counted by the fault injector). */
  onThrottled: () => void;
  auth: AuthenticationOptions;
  /** Overrides of the server's HTTP limits (tests shorten the timeouts). */
  limits?: Partial<HttpLimits>;
}

export function createMnsHttpServer(options: HttpServerOptions): http.Server {
  const requestIdPrefix = randomBytes(4).toString('hex').toUpperCase();
  let requestCounter = 0;
  const nextRequestId = (): string =>
    requestIdPrefix + (requestCounter++).toString(16).toUpperCase().padStart(16, '0');

  const server = createHttpServer((req, res, { body }) => handle(req, res, body), {
    ...(options.tls ? { tls: options.tls } : {}),
    limits: {
      maxBodyBytes: maxRequestBytes,
      // Longer than any client's idle keep-alive, so the server never closes a socket a
      // client is about to reuse. A long poll's wait is response time, not request time.
      keepAliveTimeoutMs: 120_000,
      requestTimeoutMs: 60_000,
      maxConnections: 1024,
      ...options.limits,
    },
    onError: (err) => options.logger.error({ err }, 'mns emulator request failed'),
    errorReply: (res, status, message) => {
      if (status >= 500)
        send(res, nextRequestId(), options.fallbackOrigin(), errorReply(mnsError('InternalError')));
      else {
        res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(message) });
        res.end(message);
      }
    },
  });

  function originOf(req: IncomingMessage): string {
    const host = req.headers.host;
    return host ? `${options.tls ? 'https' : 'http'}://${host}` : options.fallbackOrigin();
  }

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    readRaw: () => Promise<Buffer>,
  ): Promise<void> {
    const requestId = nextRequestId();
    const origin = originOf(req);
    const rawTarget = req.url ?? '/';
    const method = req.method ?? 'GET';
    if (options.admin && rawTarget.startsWith(adminPrefix)) {
      handleAdmin(method, rawTarget.slice(adminPrefix.length), (await readRaw()).toString('utf8'), res);
      return;
    }
    const q = rawTarget.indexOf('?');
    const rawPath = q === -1 ? rawTarget : rawTarget.slice(0, q);
    const rawQuery = q === -1 ? '' : rawTarget.slice(q + 1);
    // Management calls go to "/" with a form body that carries its own signature; queue API
    // paths are signed in their headers, so a stranger's body there is never read.
    const managementBody = rawPath === '/' || rawPath === '' ? (await readRaw()).toString('utf8') : '';
    if (isManagementRequest(rawPath, parseQuery(rawQuery), managementBody)) {
      // The management API (native dead-letter policy) answers JSON with its own signature.
      const reply = handleManagement(
        options.account,
        method,
        managementParams(rawQuery, managementBody),
        options.secrets,
        options.clock(),
        requestId,
      );
      const text = JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'Content-Type': 'application/json;charset=utf-8',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
      return;
    }
    let operation: MnsOperation | undefined;
    try {
      authenticate(method, rawTarget, req.headers, options.secrets, options.clock(), options.auth);
      const raw = await readRaw();
      const body = raw.toString('utf8');
      if (options.checkContentMd5) checkContentMd5(req.headers['content-md5'], raw);
      const request: MnsRequest = {
        method,
        path: q === -1 ? rawTarget : rawTarget.slice(0, q),
        query: parseQuery(q === -1 ? '' : rawTarget.slice(q + 1)),
        headers: req.headers,
        body,
        origin,
      };
      const routed = route(request);
      operation = routed.operation;
      const fault = options.faults.decide(operation);
      if (fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
      if (fault.kind === 'drop' && fault.phase === 'before') {
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'error') {
        throw fault.status === 503 ? mnsError('ServiceUnavailable') : mnsError('InternalError');
      }
      // Throttled: held on the server for a while, then answered 429 with nothing done.
      const overRate =
        fault.kind !== 'throttle' && !options.throttle.admit(requestWeight(routed, request.query));
      if (overRate) options.onThrottled();
      if (fault.kind === 'throttle' || overRate) {
        await new Promise((resolve) => setTimeout(resolve, options.throttle.holdMs()));
        throw mnsError('TooManyRequests');
      }
      let cancel: (() => void) | undefined;
      const onClose = (): void => cancel?.();
      res.once('close', onClose);
      const run = async () =>
        execute(options.account, routed, request, (c) => {
          cancel = c;
        });
      // With a data dir, a change is acknowledged only once it is on disk.
      const reply = options.persisted ? await options.persisted(run) : await run();
      res.off('close', onClose);
      if (res.destroyed) return;
      if (fault.kind === 'drop') {
        // The operation took effect; the client only ever sees half a response.
        req.socket.end(
          'HTTP/1.1 200 OK\r\nContent-Type: text/xml;charset=utf-8\r\nContent-Length: 4096\r\n\r\n<?xml',
        );
        req.socket.destroy();
        return;
      }
      send(res, requestId, origin, reply);
    } catch (err) {
      if (!(err instanceof MnsServiceError)) throw err;
      if (err.status >= 500) options.logger.debug({ operation, code: err.code }, 'mns emulator error reply');
      send(res, requestId, origin, errorReply(err));
    }
  }

  function handleAdmin(method: string, what: string, body: string, res: ServerResponse): void {
    const json = (status: number, value: unknown): void => {
      const text = JSON.stringify(value);
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    if (what === 'faults' && method === 'GET') return json(200, options.faults.get());
    if (what === 'faults' && (method === 'PUT' || method === 'POST')) {
      try {
        options.faults.set(validateFaultConfig(JSON.parse(body === '' ? '{}' : body)));
      } catch (err) {
        return json(400, { error: err instanceof Error ? err.message : String(err) });
      }
      return json(200, options.faults.get());
    }
    if (what === 'faults' && method === 'DELETE') {
      options.faults.set({});
      return json(200, {});
    }
    if (what === 'stats' && method === 'GET') return json(200, options.adminStats());
    json(404, { error: 'unknown admin resource' });
  }

  return server;
}

/**
 * Content-MD5 as the SDKs send it: RFC 1864 (base64 of the 16 digest bytes, Java-style
 * clients) or base64 of the lower-case hex digest (Node, Python, Go). Absent is fine.
 */
function checkContentMd5(header: string | string[] | undefined, raw: Buffer): void {
  if (header === undefined) return;
  const value = Array.isArray(header) ? header.join(',') : header;
  const digest = createHash('md5').update(raw).digest();
  const accepted = [
    digest.toString('base64'),
    Buffer.from(digest.toString('hex'), 'utf8').toString('base64'),
  ];
  if (!accepted.includes(value.trim())) throw mnsError('InvalidDegist');
}

function send(res: ServerResponse, requestId: string, origin: string, reply: MnsReply | ErrorReply): void {
  const body =
    'error' in reply ? errorDocument(reply.error.code, reply.error.message, requestId, origin) : reply.body;
  const headers: Record<string, string | number> = {
    'x-mns-request-id': requestId,
    'x-mns-version': '2015-06-06',
  };
  if (reply.location !== undefined) headers.Location = reply.location;
  if (body !== undefined) {
    headers['Content-Type'] = 'text/xml;charset=utf-8';
    headers['Content-Length'] = Buffer.byteLength(body);
  } else if (reply.status !== 204) {
    headers['Content-Length'] = 0;
  }
  res.writeHead(reply.status, headers);
  res.end(body);
}
