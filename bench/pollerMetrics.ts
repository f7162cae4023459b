import { tailSharesOfHistogram, tailThresholdsMs, type TailShares } from './latency';
/**
 * The poller's own counters, read from its /metrics at the end of a run: how many signals hit
 * their deadline or found Temporal unavailable, how many messages were released for a quick
 * retry, and the adaptive in-flight limit it ended with.
 */
export interface PollerCounters {
  deadline_failures: number;
  unavailable_failures: number;
  released_for_retry: number;
  in_flight_limit: number | null;
  /**
   * Seconds spent in signalWithStart, summed over the poller's signals so far: over a window,
   * divided by its length, the mean number of signals in flight (Little's law).
   */
  signal_seconds: number | null;
}

/** Sums every series of `name` whose labels include `match` (Prometheus text format). */
export function sumSeries(text: string, name: string, match: Record<string, string> = {}): number | null {
  let total: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const labels = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : '';
    if (!Object.entries(match).every(([k, v]) => labels.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

export function pollerCounters(text: string): PollerCounters {
  const failures = (cls: string) => sumSeries(text, 'vodflow_poller_failures_total', { class: cls }) ?? 0;
  return {
    deadline_failures: failures('temporal_deadline'),
    unavailable_failures: failures('temporal_unavailable'),
    released_for_retry: sumSeries(text, 'vodflow_poller_messages_released_for_retry_total') ?? 0,
    in_flight_limit: sumSeries(text, 'vodflow_poller_in_flight_limit'),
    signal_seconds: sumSeries(text, 'vodflow_poller_signal_latency_seconds_sum'),
  };
}

/** Reads the counters of the poller serving /metrics on this port; null when it does not answer. */
export async function scrapePollerCounters(port: number): Promise<PollerCounters | null> {
  const text = await scrapeMetrics(port);
  return text === null ? null : pollerCounters(text);
}

/** A /metrics text on this local port, or null when nothing answers. */
export async function scrapeMetrics(port: number): Promise<string | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? await response.text() : null;
  } catch {
    return null;
  }
}

/**
 * What the poller saw of its own signals over a window of a paced run, from its /metrics:
 * how many `signalWithStart` calls were slower than 50 / 100 / 250 ms (bucket bounds of its
 * signal-latency histogram, so exact), and how late its event loop ran (prom-client's
 * event-loop-delay figures cover the time since the previous scrape; beyond its 10 ms sampling).
 */
export interface PollerWindow {
  signals: number;
  signal_tail: TailShares;
  event_loop_delay_p99_ms: number | null;
  event_loop_delay_max_ms: number | null;
}

const signalBuckets = 'vodflow_poller_signal_latency_seconds_bucket';
/**
 * prom-client samples the event loop every 10 ms and records the whole interval between two
 * samples, so an idle loop reads 10 ms; the delay is what exceeds it.
 */
const eventLoopSampleMs = 10;

/** Successful signals at or under each bucket bound (`+Inf`: all of them), summed over queues. */
function signalsAtOrUnder(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const le of [...tailThresholdsMs.map((ms) => String(ms / 1000)), '+Inf'])
    counts.set(le, sumSeries(text, signalBuckets, { le }) ?? 0);
  return counts;
}

/** start() at the window's beginning (it also resets the event-loop figures), finish() at its end. */
export function pollerWindow(port: number): {
  start(): Promise<void>;
  finish(): Promise<PollerWindow | null>;
} {
  let before: Map<string, number> | null = null;
  return {
    async start() {
      const text = await scrapeMetrics(port);
      before = text === null ? null : signalsAtOrUnder(text);
    },
    async finish() {
      const text = await scrapeMetrics(port);
      if (text === null || before === null) return null;
      const after = signalsAtOrUnder(text);
      const inWindow = (le: string) => (after.get(le) ?? 0) - (before?.get(le) ?? 0);
      const signals = inWindow('+Inf');
      const delayMs = (name: string) => {
        const seconds = sumSeries(text, name);
        if (seconds === null) return null;
        return Math.max(0, Math.round((seconds * 1000 - eventLoopSampleMs) * 10) / 10);
      };
      return {
        signals,
        signal_tail: tailSharesOfHistogram(signals, (ms) => inWindow(String(ms / 1000))),
        event_loop_delay_p99_ms: delayMs('vodflow_nodejs_eventloop_lag_p99_seconds'),
        event_loop_delay_max_ms: delayMs('vodflow_nodejs_eventloop_lag_max_seconds'),
      };
    },
  };
}
