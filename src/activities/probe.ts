import { hostname } from 'node:os';

export interface WorkerDescription {
  host: string;
  pid: number;
}

export async function describeWorker(): Promise<WorkerDescription> {
  return { host: hostname(), pid: process.pid };
}
