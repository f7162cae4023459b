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
import { eventsPerSecond, summarizeLatency, type LatencySummary } from '../latency';

export interface CeilingOptions {
  /** TEMPORAL_* settings of the server (address, namespace, TLS on the cluster). */
  temporal: Record<string, string>;
  taskQueue: string;
  concurrency: number;
  deliveries: readonly BenchDelivery[];
  timeoutMs?: number;
}

export interface CeilingResult {
  events: number;
  seconds: number;
  events_per_s: number;
  failures: number;
  call_latency: LatencySummary;
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
  let failures = 0;
  let next = 0;
  try {
    const started = performance.now();
    const lane = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= options.deliveries.length) return;
        const t0 = performance.now();
        try {
          await signalAsThePollerDoes(client, options.taskQueue, options.deliveries[i]!, timeoutMs);
          latencies.push(performance.now() - t0);
        } catch {
          // Counted, not retried: a ceiling that hides failures would flatter itself.
          failures += 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
    const seconds = (performance.now() - started) / 1000;
    return {
      events: latencies.length,
      seconds: Math.round(seconds * 100) / 100,
      events_per_s: eventsPerSecond(latencies.length, seconds),
      failures,
      call_latency: summarizeLatency(latencies),
    };
  } finally {
    await connection.close();
  }
}
