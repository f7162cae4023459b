/**
 * The ceiling: a bare @temporalio/client doing nothing but signalWithStart, with the
 * poller's options (workflow id, REJECT_DUPLICATE, USE_EXISTING, per-call deadline) and its
 * in-flight limit, over the same decoded events. No MNS, no decode on the clock, no worker:
 * what is left is what the server itself accepts.
 */
import type { Client } from '@temporalio/client';
import { clientWith } from '../../harness/stack/temporalClient';
import {
  videoPipelineWorkflowType,
  videoWorkflowId,
  vodEventSignal,
  type VideoEventDelivery,
  type VideoPipelineInput,
} from '../../src/shared/definitions';
import { eventsPerSecond, steadyEventsPerSecond, summarizeLatency, type LatencySummary } from '../latency';

export interface CeilingOptions {
  /** TEMPORAL_* settings of the server (address, namespace, TLS on the cluster). */
  temporal: Record<string, string>;
  taskQueue: string;
  concurrency: number;
  deliveries: readonly BenchDelivery[];
  timeoutMs?: number;
  /** The start-up seconds `steady_events_per_s` leaves out. */
  steadyAfterMs?: number;
}

export interface CeilingResult {
  events: number;
  seconds: number;
  events_per_s: number;
  failures: number;
  call_latency: LatencySummary;
  /**
   * CPU of this (the bench) process per 1,000 calls/s while nothing but the bare client ran in
   * it: what the Temporal SDK alone costs per signal, a floor under the poller's own figure.
   */
  client_cores_per_1k: number | null;
  client_cpu_cores: number;
  /** The mean number of calls in flight over the run (their summed durations ÷ its length). */
  calls_in_flight: number;
  /** Calls completed per second after the run's first `steadyAfterMs` (bench/latency.ts). */
  steady_events_per_s: number | null;
}

export type BenchDelivery = VideoEventDelivery & { event: { mediaId: string } };

/** One signalWithStart with the poller's options: workflow id, id policies, per-call deadline. */
export function signalAsThePollerDoes(
  client: Client,
  taskQueue: string,
  delivery: BenchDelivery,
  timeoutMs: number,
): Promise<unknown> {
  const input: VideoPipelineInput = { mediaId: delivery.event.mediaId, region: delivery.region };
  return client.withDeadline(Date.now() + timeoutMs, () =>
    client.workflow.signalWithStart(videoPipelineWorkflowType, {
      workflowId: videoWorkflowId(delivery.event.mediaId),
      taskQueue,
      args: [input],
      signal: vodEventSignal,
      signalArgs: [delivery],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
    }),
  );
}

export async function runCeiling(options: CeilingOptions): Promise<CeilingResult> {
  const { connection, client } = await clientWith(options.temporal);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const latencies: number[] = [];
  const completedAt: number[] = [];
  let failures = 0;
  let next = 0;
  try {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const lane = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= options.deliveries.length) return;
        const t0 = performance.now();
        try {
          await signalAsThePollerDoes(client, options.taskQueue, options.deliveries[i]!, timeoutMs);
          const now = performance.now();
          latencies.push(now - t0);
          completedAt.push(now - started);
        } catch {
          // Counted, not retried: a ceiling that hides failures would flatter itself.
          failures += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const cores = (cpu.user + cpu.system) / 1e6 / seconds;
    const rate = eventsPerSecond(latencies.length, seconds);
    return {
      events: latencies.length,
      seconds: Math.round(seconds * 100) / 100,
      events_per_s: rate,
      failures,
      call_latency: summarizeLatency(latencies),
      client_cpu_cores: Math.round(cores * 100) / 100,
      client_cores_per_1k: rate > 0 ? Math.round((cores / (rate / 1000)) * 1000) / 1000 : null,
      calls_in_flight: Math.round((latencies.reduce((a, b) => a + b, 0) / 1000 / seconds) * 10) / 10,
      steady_events_per_s: steadyEventsPerSecond(completedAt, options.steadyAfterMs ?? 0),
    };
  } finally {
    await connection.close();
  }
}
