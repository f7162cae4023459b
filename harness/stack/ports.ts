import net from 'node:net';
import { freePort } from './freePort';

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The preferred ports where free, otherwise free ones, so a demo runs beside a dev stack. */
export async function availablePorts<T extends { [K in keyof T]: number }>(preferred: T): Promise<T> {
  const chosen: Record<string, number> = {};
  for (const [name, port] of Object.entries(preferred) as [string, number][]) {
    chosen[name] = (await isFree(port)) ? port : await freePort();
  }
  return chosen as T;
}
