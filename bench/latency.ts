import { percentile } from '../src/observability/percentiles';

export interface LatencySummary {
  samples: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
}

/**
 * Where a tail starts, in ms: the poller's signal-latency histogram has bucket bounds here, so
 * the broker's per-message figures and the poller's own bucketed ones can be set side by side.
 */
export const tailThresholdsMs = [50, 100, 250] as const;
export type TailShares = Record<`over_${(typeof tailThresholdsMs)[number]}_ms`, number>;

function byThreshold(shareOver: (limitMs: number) => number): TailShares {
  return Object.fromEntries(
    tailThresholdsMs.map((limit) => [`over_${limit}_ms`, Math.round(shareOver(limit) * 10_000) / 10_000]),
  ) as TailShares;
}

/** The share of samples above each threshold (0.0123 = 1.23 %). */
export function tailShares(samplesMs: readonly number[]): TailShares {
  return byThreshold((limit) =>
    samplesMs.length === 0 ? 0 : samplesMs.filter((s) => s > limit).length / samplesMs.length,
  );
}

/** The same from a cumulative histogram: `total` observations, `atOrUnder(limit)` of them ≤ limit. */
export function tailSharesOfHistogram(total: number, atOrUnder: (limitMs: number) => number): TailShares {
  return byThreshold((limit) => (total === 0 ? 0 : (total - atOrUnder(limit)) / total));
}

/** Rounded to 0.1 ms: finer digits would claim a precision the machine does not have. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

export function summarizeLatency(samplesMs: readonly number[]): LatencySummary {
  return {
    samples: samplesMs.length,
    p50_ms: round(percentile(samplesMs, 50)),
    p95_ms: round(percentile(samplesMs, 95)),
    p99_ms: round(percentile(samplesMs, 99)),
    max_ms: round(samplesMs.reduce((m, s) => Math.max(m, s), 0)),
  };
}

export function eventsPerSecond(events: number, seconds: number): number {
  return seconds > 0 ? Math.round((events / seconds) * 10) / 10 : 0;
}

/**
 * Events per second after the first `skipMs` of a run: a freshly started process runs its code
 * unoptimised for its first seconds, and the two sides of a pair start differently warm (the
 * ceiling's client lives in the long-running bench process, the poller is started per run).
 * `completedAtMs` are completion times from the run's start. Null when the run ends before
 * there is a whole second left to measure.
 */
export function steadyEventsPerSecond(completedAtMs: readonly number[], skipMs: number): number | null {
  const after = completedAtMs.filter((t) => t > skipMs);
  const endMs = after.reduce((m, t) => Math.max(m, t), 0);
  return endMs - skipMs >= 1_000 ? eventsPerSecond(after.length, (endMs - skipMs) / 1000) : null;
}
