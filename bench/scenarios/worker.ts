import type { WorkerLatency } from '../results';

export interface WorkerLatencyOptions {
  videos: number;
  seed: number;
  log(message: string): void;
}

/** Placeholder until the real videoPipeline worker lands. */
export async function runWorkerLatency(options: WorkerLatencyOptions): Promise<WorkerLatency | null> {
  options.log('worker: videoPipeline worker not available in this tree; skipped');
  return Promise.resolve(null);
}
