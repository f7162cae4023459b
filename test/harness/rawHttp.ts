/**
 * A client that speaks raw bytes: what hostile clients send (garbage request lines, huge
 * headers, bodies that never end, connections that never speak) is not something fetch sends.
 */
import net from 'node:net';

export interface RawExchange {
  /** The status of the first response, null when none came. */
  status: number | null;
  /** Everything the server sent. */
  text: string;
  /** The server closed the connection (rather than the client giving up). */
  closedByServer: boolean;
  elapsedMs: number;
}

export interface RawOptions {
  /** Give up (and close) after this long; default 3 s. */
  waitMs?: number;
  /** Stop at the first complete response head instead of waiting for the server to close. */
  untilHead?: boolean;
  /** Written after the first chunk, one piece per `trickleMs` (a slow body). */
  trickle?: { pieces: Array<string | Buffer>; everyMs: number };
}

export function rawRequest(
  port: number,
  bytes: string | Buffer,
  options: RawOptions = {},
): Promise<RawExchange> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    let done = false;
    let trickleTimer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(giveUp);
      clearInterval(trickleTimer);
      socket.destroy();
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({
        status: match ? Number(match[1]) : null,
        text,
        closedByServer,
        elapsedMs: Date.now() - started,
      });
    };
    const giveUp = setTimeout(() => finish(false), options.waitMs ?? 3_000);
    socket.on('connect', () => {
      socket.write(bytes);
      const pieces = [...(options.trickle?.pieces ?? [])];
      if (pieces.length > 0) {
        trickleTimer = setInterval(() => {
          const piece = pieces.shift();
          if (piece === undefined || socket.destroyed) return clearInterval(trickleTimer);
          socket.write(piece);
        }, options.trickle!.everyMs);
      }
    });
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (options.untilHead && text.includes('\r\n\r\n')) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

/**
 * Opens `count` connections that each send `prefix` and then nothing; resolves with how many the
 * server had closed when `withinMs` ran out (the rest are closed by the client).
 */
export async function stalledConnections(
  port: number,
  count: number,
  prefix: string,
  withinMs: number,
): Promise<{ closedByServer: number; opened: number }> {
  const sockets = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<{ socket: net.Socket; closed: Promise<void> }>((resolve) => {
          const socket = net.connect(port, '127.0.0.1');
          const closed = new Promise<void>((c) => socket.once('close', () => c()));
          socket.on('error', () => undefined);
          socket.once('connect', () => {
            if (prefix !== '') socket.write(prefix);
            resolve({ socket, closed });
          });
          socket.once('close', () => resolve({ socket, closed }));
        }),
    ),
  );
  let closedByServer = 0;
  await Promise.all(
    sockets.map(({ closed }) =>
      Promise.race([
        closed.then(() => {
          closedByServer += 1;
        }),
        new Promise((r) => setTimeout(r, withinMs).unref()),
      ]),
    ),
  );
  for (const { socket } of sockets) socket.destroy();
  return { closedByServer, opened: sockets.length };
}

/** Heap and RSS in MB, after a collection when the process allows one (--expose-gc). */
export function memoryMb(): { heap: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / 2 ** 20, rss: m.rss / 2 ** 20 };
}
