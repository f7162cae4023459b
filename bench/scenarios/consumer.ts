/**
 * Runs a consumer process (the naive loop or `vodflow poller`) against the emulator and a
 * dev server, and measures it from the broker's side:
 * - backlog: the whole workload is enqueued first; throughput = events / (first receive →
 *   last delete), so process start-up is not on the clock but the pipeline's fill is;
 * - paced: events arrive at a fixed rate; latency = emulator EnqueueTime → delete, per message.
 * CPU and peak RSS are read from /proc for the consumer process only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  eventsPerSecond,
  steadyEventsPerSecond,
  summarizeLatency,
  tailShares,
  type LatencySummary,
  type TailShares,
} from '../latency';
import { prefill, sendPaced, type MnsStack } from '../mnsStack';
import { watchProcess, type ProcessUsage } from '../processStats';
import { observeQueue, type DeleteRecord, type QueueObservation } from '../queueObserver';
import type { WorkloadEvent } from '../workload';

export interface ConsumerCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface ConsumerUsage {
  cpu_seconds: number;
  /** CPU seconds per wall second over the measured window (1 = one core). */
  cpu_cores: number;
  peak_rss_mb: number;
  /** The largest sampled RSS split into anonymous and file-backed pages (null off Linux). */
  rss_split_mb: { anon: number; file: number } | null;
}

export interface BacklogResult extends ConsumerUsage {
  events: number;
  seconds: number;
  events_per_s: number;
  /** Enqueue → delete under a full backlog: mostly queueing time, reported for completeness. */
  backlog_latency: LatencySummary;
  /**
   * Cores the bench process used over the same window: the MNS emulator and its observer,
   * which share the machine with the consumer and the dev server (the ceiling run has none).
   */
  emulator_cpu_cores: number;
  /** Deletes per second after the first `steadyAfterMs` from the first receive (bench/latency.ts). */
  steady_events_per_s: number | null;
}

export interface PacedResult extends ConsumerUsage {
  events: number;
  /** Events sent first at the same rate and left out of `latency` (JIT, connections, first workflows). */
  warmup_events: number;
  rate_events_per_s: number;
  /** Achieved delete rate over the run. */
  delivered_events_per_s: number;
  /** Steady state: messages enqueued after the warm-up. */
  latency: LatencySummary;
  /** Every message, warm-up included: what a freshly started poller shows. */
  latency_with_warmup: LatencySummary;
  /**
   * The steady-state latency split where the broker sees it: enqueue → first handed to the
   * consumer (waiting in the queue), and first handed out → deleted (inside the consumer).
   */
  queued: LatencySummary;
  in_consumer: LatencySummary;
  /** Shares of the steady-state messages that spent over 50 / 100 / 250 ms inside the consumer. */
  in_consumer_tail: TailShares;
}

function startConsumer(cmd: ConsumerCommand, logLabel: string): ChildProcess {
  const child = spawn(cmd.command, cmd.args, { env: cmd.env, stdio: ['ignore', 'ignore', 'pipe'] });
  // Keep the tail of stderr for the error message; the consumer's logs are not the result.
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-4_000);
  });
  child.once('exit', (code, signal) => {
    if (code !== 0 && code !== null && signal === null) {
      console.error(`${logLabel} exited with ${code}:\n${tail}`);
    }
  });
  return child;
}

async function stopConsumer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await gone;
  clearTimeout(timer);
}

function rounded(usage: ProcessUsage): ConsumerUsage {
  return {
    cpu_seconds: Math.round(usage.cpuSeconds * 100) / 100,
    cpu_cores: Math.round(usage.cpuCores * 100) / 100,
    peak_rss_mb: Math.round(usage.peakRssMb * 10) / 10,
    rss_split_mb: usage.largestSampleSplit
      ? {
          anon: Math.round(usage.largestSampleSplit.anonMb * 10) / 10,
          file: Math.round(usage.largestSampleSplit.fileMb * 10) / 10,
        }
      : null,
  };
}

function lastDeleteAt(observation: QueueObservation): number {
  return observation.deletes.reduce((m, d) => Math.max(m, d.deletedAt), 0);
}

function assertAlive(child: ChildProcess, label: string): void {
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new Error(`${label} exited early (code ${child.exitCode}, signal ${child.signalCode})`);
  }
}

export async function runBacklog(
  stack: MnsStack,
  events: readonly WorkloadEvent[],
  cmd: ConsumerCommand,
  label: string,
  timeoutMs: number,
  options: { prefilled?: boolean; beforeStop?: () => Promise<void>; steadyAfterMs?: number } = {},
): Promise<BacklogResult> {
  if (!options.prefilled) await prefill(stack, events);
  const observation = observeQueue(stack.emulator, stack.queue);
  const child = startConsumer(cmd, label);
  try {
    const watch = watchProcess(child.pid!);
    // Start the CPU window when the consumer starts consuming, like the throughput clock.
    while (observation.firstReceiveAt === undefined) {
      assertAlive(child, label);
      await sleep(20);
    }
    watch.markStart();
    const benchCpu = process.cpuUsage();
    const done = observation.waitForDeletes(events.length, timeoutMs);
    await Promise.race([done, exitedEarly(child, label)]);
    const usage = watch.finish();
    const emulatorCpu = process.cpuUsage(benchCpu);
    await options.beforeStop?.();
    const firstReceiveAt = observation.firstReceiveAt;
    const seconds = (lastDeleteAt(observation) - firstReceiveAt) / 1000;
    return {
      events: observation.deletes.length,
      seconds: Math.round(seconds * 100) / 100,
      events_per_s: eventsPerSecond(observation.deletes.length, seconds),
      backlog_latency: summarizeLatency(observation.deletes.map((d) => d.deletedAt - d.enqueueTime)),
      ...rounded(usage),
      emulator_cpu_cores:
        usage.windowSeconds > 0
          ? Math.round(((emulatorCpu.user + emulatorCpu.system) / 1e6 / usage.windowSeconds) * 100) / 100
          : 0,
      steady_events_per_s: steadyEventsPerSecond(
        observation.deletes.map((d) => d.deletedAt - firstReceiveAt),
        options.steadyAfterMs ?? 0,
      ),
    };
  } finally {
    observation.stop();
    await stopConsumer(child);
  }
}

export async function runPaced(
  stack: MnsStack,
  events: readonly WorkloadEvent[],
  ratePerS: number,
  warmupEvents: number,
  cmd: ConsumerCommand,
  label: string,
  timeoutMs: number,
  options: {
    /** Called once the consumer answers its first receive, with when (epoch ms) sending started. */
    onSending?: (startedAtMs: number) => void;
    /** Called between the warm-up events and the measured ones (the pace resumes after it). */
    afterWarmup?: () => Promise<void>;
    beforeStop?: () => Promise<void>;
    /** Every delete the broker saw, for a scenario that slices them its own way. */
    onDeletes?: (deletes: readonly DeleteRecord[]) => void;
  } = {},
): Promise<PacedResult> {
  const observation = observeQueue(stack.emulator, stack.queue);
  const child = startConsumer(cmd, label);
  try {
    const watch = watchProcess(child.pid!);
    // Ready = the consumer has a receive waiting at the broker.
    const readyBy = Date.now() + 60_000;
    while ((stack.emulator.queueStats(stack.queue)?.waitingReceives ?? 0) === 0) {
      assertAlive(child, label);
      if (Date.now() > readyBy) throw new Error(`${label} did not start receiving within 60 s`);
      await sleep(20);
    }
    watch.markStart();
    const started = Date.now();
    options.onSending?.(started);
    await sendPaced(stack, events.slice(0, warmupEvents), ratePerS);
    await options.afterWarmup?.();
    await sendPaced(stack, events.slice(warmupEvents), ratePerS);
    await Promise.race([observation.waitForDeletes(events.length, timeoutMs), exitedEarly(child, label)]);
    const usage = watch.finish();
    await options.beforeStop?.();
    options.onDeletes?.(observation.deletes);
    const lastDelete = lastDeleteAt(observation);
    // The broker's enqueue order is the send order; the warm-up is the first warmupEvents of it.
    const byEnqueue = [...observation.deletes].sort((a, b) => a.enqueueTime - b.enqueueTime);
    const latencies = (list: typeof byEnqueue) => list.map((d) => d.deletedAt - d.enqueueTime);
    const steady = byEnqueue.slice(warmupEvents);
    const receivedAt = (d: (typeof byEnqueue)[number]) =>
      observation.firstReceived.get(d.messageId) ?? d.deletedAt;
    const inConsumer = steady.map((d) => d.deletedAt - receivedAt(d));
    return {
      events: observation.deletes.length - Math.min(warmupEvents, observation.deletes.length),
      warmup_events: warmupEvents,
      rate_events_per_s: Math.round(ratePerS * 10) / 10,
      delivered_events_per_s: eventsPerSecond(observation.deletes.length, (lastDelete - started) / 1000),
      latency: summarizeLatency(latencies(steady)),
      latency_with_warmup: summarizeLatency(latencies(byEnqueue)),
      queued: summarizeLatency(steady.map((d) => receivedAt(d) - d.enqueueTime)),
      in_consumer: summarizeLatency(inConsumer),
      in_consumer_tail: tailShares(inConsumer),
      ...rounded(usage),
    };
  } finally {
    observation.stop();
    await stopConsumer(child);
  }
}

async function exitedEarly(child: ChildProcess, label: string): Promise<never> {
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  throw new Error(`${label} exited during the run (code ${code}, signal ${signal})`);
}
