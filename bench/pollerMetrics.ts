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
  };
}

/** Reads the counters of the poller serving /metrics on this port; null when it does not answer. */
export async function scrapePollerCounters(port: number): Promise<PollerCounters | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return null;
    return pollerCounters(await response.text());
  } catch {
    return null;
  }
}
