import { canListen, freePort } from './freePort';

/** The preferred ports where free, otherwise free ones, so a demo runs beside a dev stack. */
export async function availablePorts<T extends { [K in keyof T]: number }>(preferred: T): Promise<T> {
  const chosen: Record<string, number> = {};
  for (const [name, port] of Object.entries(preferred) as [string, number][]) {
    chosen[name] = (await canListen(port)) ? port : await freePort();
  }
  return chosen as T;
}
