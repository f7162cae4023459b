import { percentile } from '../src/observability/percentiles';

export interface LatencySummary {
  samples: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
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
