/**
 * The poller's adaptive in-flight limit: how many messages it may hold at once, following what
 * Temporal's answers say about its load, never above VODFLOW_MAX_IN_FLIGHT. A gradient limiter
 * in the style of Netflix's concurrency-limits (Gradient2), plus a multiplicative cut on errors:
 *
 * - Signal latencies are averaged per window (at least `windowMs` and `minWindowSamples` calls).
 * - A baseline follows the window averages slowly upwards and at once downwards, so it tracks
 *   the server's unloaded latency even when the run starts under load.
 * - Each window: gradient = clamp(max(tolerance × baseline, floor) / window average, 0.5, 1);
 *   target = limit × gradient + √limit (room for a small queue); the limit moves halfway to it.
 *   At the baseline it grows by about √limit per window; once the latency passes tolerance ×
 *   the baseline, and the floor, it shrinks, by at most half per window. The floor (a share of
 *   the signal deadline) keeps a latency that threatens nothing from costing throughput: a
 *   cluster that is merely far away, or a step up in round-trip time, is not congestion.
 *   Queueing in an overloaded server is, and it grows with the limit, which is what is cut.
 * - A window whose busiest moment used under half the limit does not grow it: an idle queue
 *   says nothing about how much Temporal could take.
 * - A failed signal (deadline, unavailable) halves the limit at once, but only once per
 *   congestion episode: failures of calls started before the last cut are that cut's echo
 *   (deadline failures arrive in a wave, one timeout after the calls were made).
 *
 * Pure: time comes in with each sample.
 */
export interface ConcurrencyLimitOptions {
  /** The ceiling (VODFLOW_MAX_IN_FLIGHT). */
  max: number;
  /** The floor; default min(max, 4). */
  min?: number;
  /** The starting limit; default max. */
  initial?: number;
  /** Latency up to this multiple of the baseline is not congestion. Default 2. */
  tolerance?: number;
  /** Latency up to this is not congestion either, whatever the baseline. Default 0. */
  latencyFloorMs?: number;
  /** A window lasts at least this long … Default 100 ms. */
  windowMs?: number;
  /** … and holds at least this many successful calls. Default 10. */
  minWindowSamples?: number;
  /** How many windows the baseline's upward drift averages over. Default 600. */
  baselineWindows?: number;
  /** The factor applied on a failure. Default 0.5. */
  failureCut?: number;
}

export interface LimitSample {
  /** When the call started (epoch ms). */
  startedAtMs: number;
  /** How long it took. */
  latencyMs: number;
  /** Messages in flight when it ended. */
  inFlight: number;
  /** True for a failure that says Temporal is overloaded or unreachable. */
  failed: boolean;
}

export type LimitChange = 'grew' | 'shrank' | 'cut' | 'held';

export class ConcurrencyLimit {
  private value: number;
  private baselineMs: number | null = null;
  private windowStartMs: number | null = null;
  private windowLatencySum = 0;
  private windowSamples = 0;
  private windowPeakInFlight = 0;
  private lastCutAtMs = Number.NEGATIVE_INFINITY;
  private readonly min: number;
  private readonly max: number;
  private readonly tolerance: number;
  private readonly latencyFloorMs: number;
  private readonly windowMs: number;
  private readonly minWindowSamples: number;
  private readonly baselineAlpha: number;
  private readonly failureCut: number;

  constructor(options: ConcurrencyLimitOptions) {
    if (!(options.max >= 1)) throw new Error('the concurrency limit needs max >= 1');
    this.max = options.max;
    this.min = Math.max(1, Math.min(this.max, options.min ?? 4));
    this.value = clamp(options.initial ?? this.max, this.min, this.max);
    this.tolerance = options.tolerance ?? 2;
    this.latencyFloorMs = options.latencyFloorMs ?? 0;
    this.windowMs = options.windowMs ?? 100;
    this.minWindowSamples = options.minWindowSamples ?? 10;
    this.baselineAlpha = 2 / ((options.baselineWindows ?? 600) + 1);
    this.failureCut = options.failureCut ?? 0.5;
  }

  /** The whole number of messages that may be in flight now. */
  get limit(): number {
    return Math.floor(this.value);
  }

  /** The unloaded latency the limiter currently assumes, or null before the first window. */
  get baseline(): number | null {
    return this.baselineMs;
  }

  /** Records one signal's outcome; says whether (and how) the limit changed. */
  record(sample: LimitSample): LimitChange {
    const endedAt = sample.startedAtMs + sample.latencyMs;
    if (sample.failed) {
      if (sample.startedAtMs < this.lastCutAtMs) return 'held';
      this.lastCutAtMs = endedAt;
      this.resetWindow(endedAt);
      return this.moveTo(this.value * this.failureCut, 'cut');
    }
    if (this.windowStartMs === null) this.windowStartMs = sample.startedAtMs;
    this.windowLatencySum += sample.latencyMs;
    this.windowSamples += 1;
    this.windowPeakInFlight = Math.max(this.windowPeakInFlight, sample.inFlight);
    if (endedAt - this.windowStartMs < this.windowMs || this.windowSamples < this.minWindowSamples) {
      return 'held';
    }
    const averageMs = Math.max(0.001, this.windowLatencySum / this.windowSamples);
    const peakInFlight = this.windowPeakInFlight;
    this.resetWindow(endedAt);
    this.baselineMs =
      this.baselineMs === null || averageMs < this.baselineMs
        ? averageMs
        : this.baselineMs + this.baselineAlpha * (averageMs - this.baselineMs);
    const acceptableMs = Math.max(this.tolerance * this.baselineMs, this.latencyFloorMs);
    const gradient = clamp(acceptableMs / averageMs, 0.5, 1);
    const target = this.value * gradient + Math.sqrt(this.value);
    const next = this.value + (target - this.value) / 2;
    if (next > this.value && peakInFlight < this.value / 2) return 'held';
    return this.moveTo(next, next > this.value ? 'grew' : 'shrank');
  }

  private moveTo(next: number, direction: 'grew' | 'shrank' | 'cut'): LimitChange {
    const before = this.limit;
    this.value = clamp(next, this.min, this.max);
    return this.limit === before ? 'held' : direction;
  }

  private resetWindow(atMs: number): void {
    this.windowStartMs = atMs;
    this.windowLatencySum = 0;
    this.windowSamples = 0;
    this.windowPeakInFlight = 0;
  }
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
