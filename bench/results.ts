/**
 * The machine-readable result of one `npm run bench`: bench/results/latest.json. Keys in
 * snake_case with units, so dashboards and the acceptance checks read them as is.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LatencySummary, TailShares } from './latency';
import type { PollerWindow } from './pollerMetrics';
import type { PhaseSummary } from './videoReadyBreakdown';
import type { WorkerWindow } from './workerMetrics';
import type { BacklogResult, PacedResult } from './scenarios/consumer';
import type { CeilingResult } from './scenarios/ceiling';
import type { SlowTemporalResult } from './scenarios/slowTemporal';
import type { BarePacedResult } from './scenarios/barePaced';

export interface ScalingPoint {
  events: number;
  in_flight: number;
  poller_events_per_s: number;
  poller_peak_rss_mb: number;
  poller_cpu_cores: number;
  /** Signals that hit VODFLOW_SIGNAL_TIMEOUT_MS (the poller's own counter); null if unread. */
  deadline_failures?: number | null;
  unavailable_failures?: number | null;
  /** Messages handed back for a quick retry after a failed signal. */
  released_for_retry?: number | null;
  /** The adaptive in-flight limit when the run ended. */
  in_flight_limit_at_end?: number | null;
  /**
   * Backlog sizes only: the bare client over the same events on a fresh server just before,
   * so a slope the server itself has (a growing history store) is told apart from the poller's.
   */
  ceiling_events_per_s?: number | null;
  poller_over_ceiling?: number | null;
}

/** One ceiling run and one poller run on fresh servers, back to back. */
export interface ThroughputPair {
  ceiling_events_per_s: number;
  poller_events_per_s: number;
  poller_over_ceiling: number | null;
  /**
   * The CPU beside the server in each run: the bare client's in the ceiling run; the poller's and
   * the MNS emulator's (the bench process) in the poller run.
   */
  ceiling_client_cpu_cores?: number;
  poller_cpu_cores?: number;
  emulator_cpu_cores?: number;
  /**
   * The ceiling once more, beside a process burning what the poller run had beside the server
   * beyond the bare client (poller + emulator − client): the server's pace with the same cores
   * left to it as in the poller run.
   */
  ceiling_beside_load?: { load_cores: number; events_per_s: number };
  poller_over_loaded_ceiling?: number | null;
  /**
   * The mean number of signalWithStart calls in flight: the bare client's, and the poller's (from
   * its signal histogram's sum over the run). The poller's in-flight places also hold messages
   * between their receive and their delete, outside any call.
   */
  ceiling_calls_in_flight?: number;
  poller_signals_in_flight?: number | null;
  /** Both runs after their first seconds (`BENCH_PAIR_STEADY_AFTER_S`): the warm steady state. */
  steady_ceiling_events_per_s?: number | null;
  steady_poller_events_per_s?: number | null;
  steady_poller_over_ceiling?: number | null;
  load_average_1m: number;
}

export interface LatencyPair {
  poller_p99_ms: number | null;
  bare_p99_ms: number | null;
  poller_over_bare_p99: number | null;
  /** Where the tails are: messages inside the poller, its own signals, the bare client's calls. */
  poller_in_poller_tail?: TailShares;
  poller_window?: PollerWindow | null;
  bare_call_tail?: TailShares;
  /** The bare client once more, beside a process burning the poller's measured CPU. */
  bare_beside_load?: { load_cores: number; p99_ms: number | null; call_tail: TailShares };
  load_average_1m: number;
}

export interface WorkerLatency extends LatencySummary {
  videos: number;
  /** Set for a paced run: a new video every 1/rate seconds. */
  videos_per_s?: number;
  /** Paced: videos sent first and left out of the figures. */
  warmup_videos?: number;
  /** Where the time went, per phase, from the workflow histories (bench/videoReadyBreakdown.ts). */
  phases_ms?: PhaseSummary;
  /** Means from the worker SDK's own metrics over the run (bench/workerMetrics.ts). */
  worker_sdk_means?: WorkerWindow | null;
  /** What the clock measures, in words. */
  measured: string;
}

export interface BenchResults {
  schema: 1;
  /** 'full' for the workload, 'quick' for a development run: never compare the two. */
  mode: 'full' | 'quick';
  generated_at: string;
  command: string;
  duration_s: number;
  machine: {
    cpus: number;
    cpu_model: string;
    memory_gb: number;
    os: string;
    node: string;
    temporal_cli: string;
    load_average_at_start: number[];
    load_average_at_end?: number[];
  };
  setup: {
    dev_server: string;
    mns: string;
    in_flight: number;
    measurement: string;
  };
  workload: { events: number; videos: number; seed: number; naive_events: number; latency_events: number };
  throughput: {
    ceiling_events_per_s: number | null;
    naive_events_per_s: number | null;
    poller_events_per_s: number | null;
    /** Median of the pairs' ratios; the spread is in `pairs`. */
    poller_over_ceiling_median?: number | null;
    poller_over_ceiling_min?: number | null;
    poller_over_ceiling_max?: number | null;
    /** Median of poller ÷ the ceiling beside the poller run's extra CPU. */
    poller_over_loaded_ceiling_median?: number | null;
    /** Median of the pairs' steady-state ratios. */
    steady_poller_over_ceiling_median?: number | null;
    pairs?: ThroughputPair[];
  };
  latency: {
    /** Poller, enqueue → delete, paced at half the ceiling rate. */
    p50_ms: number | null;
    p95_ms: number | null;
    p99_ms: number | null;
    rate_events_per_s: number | null;
    /** p99 including the warm-up seconds of a freshly started poller. */
    with_warmup_p99_ms: number | null;
    /** The bare client's own signalWithStart p99, paced at the same rate on a fresh server. */
    bare_paced_p99_ms?: number | null;
    bare_paced_p50_ms?: number | null;
    /** p99 / bare_paced_p99_ms. */
    poller_over_bare_p99?: number | null;
    /** The bare client paced at the same rate but held to the poller's in-flight limit (schedule → reply). */
    bare_paced_bounded_p99_ms?: number | null;
    /** Alternating paced poller / bare-client runs on fresh servers: the ratio the goal is judged on. */
    pairs?: LatencyPair[];
    poller_over_bare_p99_median?: number | null;
  };
  memory: {
    poller_peak_rss_mb: number | null;
    /** The backlog run's largest sampled RSS, anonymous and file-backed pages. */
    poller_rss_split_mb?: { anon: number; file: number } | null;
    naive_peak_rss_mb: number | null;
    /** The same backlog run with the poller's V8 old space capped through NODE_OPTIONS. */
    poller_alternate_heap: {
      node_options: string;
      peak_rss_mb: number;
      events_per_s: number;
      cpu_cores: number;
    } | null;
  };
  cpu: {
    poller_cpu_cores: number | null;
    naive_cpu_cores: number | null;
    /** Cores the poller used per 1,000 events/s in the backlog run. */
    poller_cores_per_1k?: number | null;
    /** The bare client's (ceiling scenario) own CPU per 1,000 signals/s. */
    ceiling_client_cores_per_1k?: number | null;
  };
  ratios: { poller_over_ceiling: number | null; poller_over_naive: number | null };
  /** The burst run's figures (every event as fast as 8 lanes send), plus the paced run's p99 beside them. */
  worker:
    | (WorkerLatency & {
        burst_p99_ms?: number | null;
        paced_p99_ms?: number | null;
        paced?: WorkerLatency | null;
      })
    | null;
  /** Temporal slowed mid-run (bench/scenarios/slowTemporal.ts). */
  slow_temporal?: SlowTemporalResult | null;
  scaling: { events: ScalingPoint[]; in_flight: ScalingPoint[] };
  /** Naive and poller again, with this delay added to every consumer-side MNS operation. */
  mns_rtt: {
    rtt_ms: number;
    naive_events_per_s: number;
    poller_events_per_s: number;
    poller_over_naive: number | null;
    naive_events: number;
    poller_events: number;
  } | null;
  /** 1-minute load average at the end of each scenario: above ~2 on 2 cores, something else competed. */
  load_average_1m: Record<string, number>;
  targets: Record<string, { target: string; value: number | null; met: boolean | null }>;
  scenarios: {
    ceiling?: CeilingResult;
    naive?: BacklogResult;
    poller?: BacklogResult;
    poller_paced?: PacedResult & { poller_window?: PollerWindow | null };
    naive_paced?: PacedResult;
    bare_paced?: BarePacedResult;
    bare_paced_bounded?: BarePacedResult;
  };
}

export function machineInfo(temporalCli: string): BenchResults['machine'] {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    memory_gb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    temporal_cli: temporalCli,
    load_average_at_start: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return Math.round((a / b) * 100) / 100;
}

/** The acceptance targets, evaluated on the figures of this run. */
export function evaluateTargets(r: BenchResults): BenchResults['targets'] {
  const check = (target: string, value: number | null, ok: (v: number) => boolean) => ({
    target,
    value,
    met: value === null ? null : ok(value),
  });
  return {
    poller_over_ceiling: check('>= 0.9', r.ratios.poller_over_ceiling, (v) => v >= 0.9),
    poller_over_naive: check('>= 10', r.ratios.poller_over_naive, (v) => v >= 10),
    p99_ms_at_half_ceiling: check('< 250 ms', r.latency.p99_ms, (v) => v < 250),
    poller_peak_rss_mb: check('< 150 MB', r.memory.poller_peak_rss_mb, (v) => v < 150),
    // Issue 16's goals.
    poller_over_ceiling_median: check(
      '>= 0.95',
      r.throughput.poller_over_ceiling_median ?? null,
      (v) => v >= 0.95,
    ),
    paced_p99_over_bare_paced_p99: check(
      '<= 1.5',
      r.latency.poller_over_bare_p99_median ?? r.latency.poller_over_bare_p99 ?? null,
      (v) => v <= 1.5,
    ),
    worker_paced_p99_ms: check('< 500 ms', r.worker?.paced_p99_ms ?? null, (v) => v < 500),
    poller_cores_per_1k: check('<= 0.25', r.cpu.poller_cores_per_1k ?? null, (v) => v <= 0.25),
    poller_peak_rss_under_120_mb: check('< 120 MB', r.memory.poller_peak_rss_mb, (v) => v < 120),
    scaling_largest_over_smallest: check(
      '>= 0.9',
      r.scaling.events.length > 1
        ? ratio(r.scaling.events.at(-1)!.poller_events_per_s, r.scaling.events[0]!.poller_events_per_s)
        : null,
      (v) => v >= 0.9,
    ),
    in_flight_deadline_failures: check(
      '0 at every in-flight point',
      r.scaling.in_flight.length > 0
        ? r.scaling.in_flight.reduce((sum, p) => sum + (p.deadline_failures ?? 0), 0)
        : null,
      (v) => v === 0,
    ),
  };
}

export async function writeResults(file: string, results: BenchResults): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
}
