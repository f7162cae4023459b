/**
 * The one way vodflow builds an HTTP server (health, emulators, webhook receivers): every
 * server gets header and request timeouts, a body cap enforced while reading, a connection cap
 * and a top-level error handler, so no client — slow, huge, malformed or hostile — can stop the
 * process or grow its memory without bound.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

export interface HttpLimits {
  /** Time to receive a request's header section (a slowloris client is cut off after it). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included (a trickled body is cut off after it). */
  requestTimeoutMs: number;
  /** Idle time before a kept-alive connection is closed. */
  keepAliveTimeoutMs: number;
  /** A body above this answers 413 before any byte past it is buffered. */
  maxBodyBytes: number;
  /** Connections beyond this are closed as they arrive. */
  maxConnections: number;
  /** A header section above this answers 431 (Node's parser enforces it). */
  maxHeaderBytes: number;
}

export const defaultHttpLimits: Readonly<HttpLimits> = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxBodyBytes: 1024 * 1024,
  maxConnections: 512,
  maxHeaderBytes: 16 * 1024,
};

/** A failure with the status it answers: 400 and 413 from here, any status from a handler. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export interface HttpRequestContext {
  /** The request target, parsed; a target that does not parse never reaches the handler (400). */
  url: URL;
  /** The body, read once and capped; rejects with HttpError 413 past the cap, 400 if the client left. */
  body(): Promise<Buffer>;
}

export type HttpHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  context: HttpRequestContext,
) => void | Promise<void>;

export interface HttpServerOptions {
  limits?: Partial<HttpLimits>;
  /** Serve HTTPS with this key pair (PEM) instead of HTTP. */
  tls?: { key: string; cert: string };
  /** Told of every handler failure that answers 500 (never the request's headers or body). */
  onError?: (err: unknown) => void;
  /** Writes an error reply in the server's own format; default text/plain. */
  errorReply?: (res: ServerResponse, status: number, message: string) => void;
}

export function createHttpServer(handler: HttpHandler, options: HttpServerOptions = {}): http.Server {
  const limits: HttpLimits = { ...defaultHttpLimits, ...options.limits };
  const errorReply = options.errorReply ?? plainErrorReply;
  const create = (options.tls ? https.createServer : http.createServer) as typeof http.createServer;
  const server = create(
    {
      ...(options.tls ?? {}),
      maxHeaderSize: limits.maxHeaderBytes,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the two timeouts above on this interval (30 s by default, which would
      // let a stalled client live up to 30 s past its deadline).
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(1_000, limits.headersTimeoutMs / 4, limits.requestTimeoutMs / 4),
      ),
    },
    (req, res) => {
      const fail = (err: unknown): void => {
        const status = err instanceof HttpError ? err.status : 500;
        if (status >= 500) options.onError?.(err);
        if (res.headersSent || res.destroyed) {
          res.destroy();
          return;
        }
        // A refused body stays unread: the connection cannot carry another request.
        if (status === 413 || status === 400) res.setHeader('Connection', 'close');
        try {
          errorReply(res, status, err instanceof HttpError ? err.message : 'internal error');
        } catch {
          res.destroy();
        }
      };
      const url = parseTarget(req.url ?? '/');
      if (url === null) return fail(new HttpError(400, 'malformed request target'));
      let body: Promise<Buffer> | undefined;
      const context: HttpRequestContext = {
        url,
        body: () => (body ??= readBody(req, limits.maxBodyBytes)),
      };
      try {
        const result = handler(req, res, context);
        if (result) result.catch(fail);
      } catch (err) {
        fail(err);
      }
    },
  );
  server.maxConnections = limits.maxConnections;
  // Node's header timeout starts with a request's first byte: a connection that never sends
  // one would otherwise hold its slot for ever.
  const silent = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), limits.headersTimeoutMs);
    timer.unref();
    silent.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  server.on('request', (req: IncomingMessage) => {
    const timer = silent.get(req.socket);
    if (timer === undefined) return;
    clearTimeout(timer);
    silent.delete(req.socket);
  });
  // A client that resets mid-request must not surface as an unhandled socket error.
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || err.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
  });
  return server;
}

/**
 * Origin-form targets (`/path?q`) are read against a fixed origin, so `//host/x` stays a path;
 * absolute-form targets must be http(s) URLs. Anything else (`http://[`, `*`) is not served.
 */
export function parseTarget(target: string): URL | null {
  try {
    if (target.startsWith('/')) return new URL(`http://localhost${target}`);
    const url = new URL(target);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/**
 * Reads a request body up to `maxBytes`: a declared length above it is refused before reading,
 * a chunked body as soon as it passes it. Nothing past the cap is buffered.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBytes) {
    req.pause();
    return Promise.reject(new HttpError(413, `request body larger than ${maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('close', onGone);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        req.pause();
        chunks.length = 0;
        reject(new HttpError(413, `request body larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onGone = (): void => {
      cleanup();
      reject(new HttpError(400, 'the client closed the request before its body ended'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('close', onGone);
  });
}

function plainErrorReply(res: ServerResponse, status: number, message: string): void {
  const text = `${message}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Closes the server and every connection it holds, idle or not. */
export function closeHttpServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
