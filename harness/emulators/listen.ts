import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts listening (port 0 picks a free one) and answers the port and the URL origin to use. */
export async function listen(
  server: Server,
  port: number,
  host: string,
): Promise<{ port: number; origin: string }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, origin: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` };
}
