/**
 * Temporal slowed in the middle of a run: the poller drains a paced stream through a relay
 * (bench/slowLink.ts) that, for `slowForS` seconds, passes requests to the server at a
 * fraction of the rate the run needed so far, so signals queue in front of the server as at
 * an overloaded one. Figures: latency of the events enqueued before, during and after the
 * window, how long after the window the last delayed event was deleted, the poller's deadline
 * failures and releases, and whether every event was delivered.
 */
import { summarizeLatency, type LatencySummary } from '../latency';
import type { MnsStack } from '../mnsStack';
import { scrapePollerCounters, type PollerCounters } from '../pollerMetrics';
import { startSlowLink } from '../slowLink';
import type { WorkloadEvent } from '../workload';
import { runPaced, type ConsumerCommand } from './consumer';
import type { DeleteRecord } from '../queueObserver';

export interface SlowTemporalOptions {
  mns: MnsStack;
  temporalAddress: string;
  events: readonly WorkloadEvent[];
  ratePerS: number;
  slowAfterS: number;
  slowForS: number;
  /** The share of the bytes per second the run sent before the window that the link passes during it. */
  capacityShare: number;
  inFlight: number;
  metricsPort: number;
  /** The poller, dialling Temporal at this address. */
  command(temporalAddress: string): Promise<ConsumerCommand>;
  timeoutMs: number;
}

export interface SlowTemporalResult extends Partial<PollerCounters> {
  rate_events_per_s: number;
  in_flight: number;
  slow_from_s: number;
  slow_for_s: number;
  link_bytes_per_s: number | null;
  events: number;
  delivered: number;
  before: LatencySummary;
  during: LatencySummary;
  after: LatencySummary;
  /** Last delete of an event enqueued during the window, after the window ended. */
  caught_up_after_window_s: number | null;
}

export async function runSlowTemporal(options: SlowTemporalOptions): Promise<SlowTemporalResult> {
  const link = await startSlowLink(options.temporalAddress);
  let startedAt = 0;
  let linkRate: number | null = null;
  let counters: PollerCounters | null = null;
  let deletes: readonly DeleteRecord[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    await runPaced(
      options.mns,
      options.events,
      options.ratePerS,
      0,
      await options.command(link.address),
      'vodflow poller (slowed Temporal)',
      options.timeoutMs,
      {
        onSending(at) {
          startedAt = at;
          let bytesAtStart = link.bytesUp;
          // Measure the run's own pace over the seconds before the window, then narrow the link.
          timers.push(
            setTimeout(() => (bytesAtStart = link.bytesUp), 2_000),
            setTimeout(() => {
              const perS = (link.bytesUp - bytesAtStart) / (options.slowAfterS - 2);
              linkRate = Math.max(1, Math.round(perS * options.capacityShare));
              link.throttle(linkRate);
            }, options.slowAfterS * 1000),
            setTimeout(() => link.throttle(null), (options.slowAfterS + options.slowForS) * 1000),
          );
        },
        beforeStop: async () => {
          counters = await scrapePollerCounters(options.metricsPort);
        },
        onDeletes(seen) {
          deletes = [...seen];
        },
      },
    );
  } finally {
    for (const timer of timers) clearTimeout(timer);
    await link.close();
  }
  const warmupMs = 3_000;
  const slowFrom = startedAt + options.slowAfterS * 1000;
  const slowUntil = slowFrom + options.slowForS * 1000;
  const latency = (list: readonly DeleteRecord[]) =>
    summarizeLatency(list.map((d) => d.deletedAt - d.enqueueTime));
  const during = deletes.filter((d) => d.enqueueTime >= slowFrom && d.enqueueTime < slowUntil);
  const lastDuring = during.reduce((m, d) => Math.max(m, d.deletedAt), 0);
  const delivered = new Set(deletes.map((d) => d.messageId)).size;
  return {
    rate_events_per_s: options.ratePerS,
    in_flight: options.inFlight,
    slow_from_s: options.slowAfterS,
    slow_for_s: options.slowForS,
    link_bytes_per_s: linkRate,
    events: options.events.length,
    delivered,
    // The first seconds are the poller's warm-up (JIT, connections), as in the latency run.
    before: latency(deletes.filter((d) => d.enqueueTime >= startedAt + warmupMs && d.enqueueTime < slowFrom)),
    during: latency(during),
    after: latency(deletes.filter((d) => d.enqueueTime >= slowUntil)),
    caught_up_after_window_s: during.length > 0 ? Math.round((lastDuring - slowUntil) / 100) / 10 : null,
    ...(counters ?? {}),
  };
}
