/**
 * A TCP relay in front of the Temporal frontend that can turn into a narrow link: while slow,
 * the bytes towards the server pass at a fixed rate, so requests queue in front of it and
 * wait longer the more of them are in flight, as they do at an overloaded server. Answers
 * pass unhindered. gRPC's HTTP/2 runs through it unchanged.
 */
import net from 'node:net';

export interface SlowLink {
  /** host:port to dial instead of the server. */
  address: string;
  /** From now on, bytes towards the server pass at this rate; null lifts the limit. */
  throttle(bytesPerSecond: number | null): void;
  /** Bytes sent towards the server so far. */
  readonly bytesUp: number;
  close(): Promise<void>;
}

export async function startSlowLink(target: string): Promise<SlowLink> {
  const [host, portText] = [
    target.slice(0, target.lastIndexOf(':')),
    target.slice(target.lastIndexOf(':') + 1),
  ];
  let rate: number | null = null;
  // One queue for every connection: the narrow link is the server's, not per client.
  let linkFreeAt = 0;
  let bytesUp = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host, port: Number(portText) });
    sockets.add(client);
    sockets.add(upstream);
    let chain = Promise.resolve();
    client.on('data', (chunk: Buffer) => {
      bytesUp += chunk.length;
      if (rate === null) {
        chain = chain.then(() => {
          upstream.write(chunk);
        });
        return;
      }
      const now = Date.now();
      linkFreeAt = Math.max(linkFreeAt, now) + (chunk.length / rate) * 1000;
      const due = linkFreeAt;
      chain = chain.then(
        () =>
          new Promise<void>((resolve) => {
            setTimeout(
              () => {
                upstream.write(chunk);
                resolve();
              },
              Math.max(0, due - Date.now()),
            );
          }),
      );
    });
    upstream.pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    get bytesUp() {
      return bytesUp;
    },
    throttle(bytesPerSecond) {
      rate = bytesPerSecond;
      if (rate === null) linkFreeAt = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
