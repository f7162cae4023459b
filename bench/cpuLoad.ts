/**
 * A process that keeps part of one core busy: the CPU a consumer takes from the dev server on
 * these shared cores, without the consumer. The latency pairs run the bare client once more
 * beside the poller's own measured CPU, to tell "the poller is slow" from "the server is slower
 * while the poller runs beside it".
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { watchProcess } from './processStats';

const periodMs = 20;

export interface CpuLoad {
  /** Stops the load; returns the cores it actually used while it ran. */
  stop(): Promise<number>;
}

export function startCpuLoad(cores: number): CpuLoad {
  const busyMs = Math.round(Math.min(1, Math.max(0, cores)) * periodMs);
  const child = spawn(
    process.execPath,
    [
      '-e',
      `setInterval(() => { const end = Date.now() + ${busyMs}; while (Date.now() < end); }, ${periodMs});`,
    ],
    { stdio: 'ignore' },
  );
  const watch = watchProcess(child.pid!);
  return {
    async stop() {
      const used = watch.finish().cpuCores;
      child.kill('SIGKILL');
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      return Math.round(used * 100) / 100;
    },
  };
}
