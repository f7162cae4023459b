/**
 * The bare client paced: the ceiling's signalWithStart (same options, same payloads), sent at
 * a fixed rate instead of as fast as possible. Its call latency at the rate the poller's
 * latency run uses is the floor the poller's enqueue → delete is compared with.
 */
import { clientWith } from '../../harness/stack/temporalClient';
import { summarizeLatency, tailShares, type LatencySummary, type TailShares } from '../latency';
import { signalAsThePollerDoes, type BenchDelivery } from './ceiling';

export interface BarePacedOptions {
  /** TEMPORAL_* settings of the server (address, namespace, TLS on the cluster). */
  temporal: Record<string, string>;
  taskQueue: string;
  deliveries: readonly BenchDelivery[];
  ratePerS: number;
  /** The first calls, left out of the latency (connection, JIT, first workflows). */
  warmupCalls: number;
  timeoutMs?: number;
  /**
   * Hold the client to this many calls at once, as the poller holds its messages: a call whose
   * turn comes while the bound is full waits for a free place, and its latency then counts from
   * its scheduled instant (as a message's counts from its enqueue). Absent: open loop.
   */
  maxInFlight?: number;
}

export interface BarePacedResult {
  calls: number;
  warmup_calls: number;
  rate_events_per_s: number;
  failures: number;
  call_latency: LatencySummary;
  /** Shares of the calls slower than 50 / 100 / 250 ms. */
  call_tail: TailShares;
}

export async function runBarePaced(options: BarePacedOptions): Promise<BarePacedResult> {
  const { connection, client } = await clientWith(options.temporal);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const latencies: number[] = [];
  let failures = 0;
  let inFlight = 0;
  let placeFreed: (() => void) | null = null;
  try {
    const started = performance.now();
    const calls: Promise<void>[] = [];
    for (let i = 0; i < options.deliveries.length; i += 1) {
      // An absolute schedule, as the paced MNS sender keeps: a late tick does not shift the rest.
      const scheduled = started + (i * 1000) / options.ratePerS;
      const wait = scheduled - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      while (options.maxInFlight !== undefined && inFlight >= options.maxInFlight) {
        await new Promise<void>((resolve) => (placeFreed = resolve));
      }
      const t0 = options.maxInFlight === undefined ? performance.now() : scheduled;
      inFlight += 1;
      calls.push(
        signalAsThePollerDoes(client, options.taskQueue, options.deliveries[i]!, timeoutMs)
          .then(
            () => {
              if (i >= options.warmupCalls) latencies.push(performance.now() - t0);
            },
            () => {
              failures += 1;
            },
          )
          .finally(() => {
            inFlight -= 1;
            placeFreed?.();
            placeFreed = null;
          }),
      );
    }
    await Promise.all(calls);
    return {
      calls: latencies.length,
      warmup_calls: options.warmupCalls,
      rate_events_per_s: Math.round(options.ratePerS * 10) / 10,
      failures,
      call_latency: summarizeLatency(latencies),
      call_tail: tailShares(latencies),
    };
  } finally {
    await connection.close();
  }
}
