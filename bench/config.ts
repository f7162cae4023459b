/**
 * What one bench run does, from the environment. Defaults are the numbers; BENCH_QUICK=1
 * shrinks everything for development (minutes → seconds) and labels the results "quick".
 */

export type ScenarioName =
  'ceiling' | 'naive' | 'poller' | 'heapcap' | 'latency' | 'worker' | 'rtt' | 'scaling' | 'pairs' | 'slow';
export const allScenarios: ScenarioName[] = [
  'ceiling',
  'naive',
  'poller',
  'heapcap',
  'latency',
  'worker',
  'rtt',
  'scaling',
  'pairs',
  'slow',
];

export interface BenchConfig {
  mode: 'full' | 'quick';
  events: number;
  videos: number;
  seed: number;
  /** The naive loop drains this many events of the same workload (it is slow; its rate is steady). */
  naiveEvents: number;
  /** Events sent at half the ceiling rate for the latency run. */
  latencyEvents: number;
  /** Delay added to consumer-side MNS operations in the rtt pair, ms. */
  mnsRttMs: number;
  rttNaiveEvents: number;
  rttPollerEvents: number;
  /** --max-old-space-size of the comparison poller run, MB (bin/vodflow itself caps the poller at 128). */
  heapCapMb: number;
  /**
   * Seconds of events at the paced rate sent before the measured ones (left out of the percentiles,
   * kept in `with_warmup`). A poller just started falls behind for 5–10 s on 2 shared cores while V8
   * warms up, and the goal is the steady state, so the default leaves that out (docs/BENCHMARKS.md).
   */
  latencyWarmupSeconds: number;
  /** Videos whose whole pipeline runs on a real worker for the worker-latency figure. */
  workerVideos: number;
  /** The poller's in-flight limit; the ceiling runs at the same concurrency. */
  inFlight: number;
  scalingEvents: number[];
  scalingInFlight: number[];
  /** Events per in-flight scaling point. */
  scalingInFlightEvents: number;
  /** Alternating ceiling/poller pairs on fresh servers (the throughput ratio is their median). */
  pairs: number;
  /** Events per run of a pair. */
  pairEvents: number;
  /** The start-up seconds a pair's steady rates leave out, on both sides. */
  pairSteadyAfterSeconds: number;
  /** Alternating paced poller / paced bare-client pairs on fresh servers (the latency ratio is their median). */
  latencyPairs: number;
  /** Events per paced run of a latency pair. */
  latencyPairEvents: number;
  /** The paced worker run: videos per second. */
  workerVideosPerSecond: number;
  /** Temporal slowed mid-run: seconds before, during and after the slow window, and the poller's in-flight maximum. */
  slowBeforeS: number;
  slowForS: number;
  slowAfterS: number;
  slowInFlight: number;
  scenarios: Set<ScenarioName>;
  out: string;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function intList(env: NodeJS.ProcessEnv, name: string, fallback: number[]): number[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  if (raw.trim() === '') return [];
  return raw.split(',').map((part) => {
    const value = Number(part.trim());
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`${name}: "${part}" is not a positive integer`);
    return value;
  });
}

export function benchConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true';
  const events = int(env, 'BENCH_EVENTS', quick ? 2_000 : 20_000);
  const videos = int(env, 'BENCH_VIDEOS', Math.max(1, Math.floor(events / 4)));
  const scenarios = new Set<ScenarioName>();
  for (const name of (env.BENCH_SCENARIOS ?? allScenarios.join(',')).split(',')) {
    const trimmed = name.trim() as ScenarioName;
    if (trimmed === ('' as ScenarioName)) continue;
    if (!allScenarios.includes(trimmed)) {
      throw new Error(`BENCH_SCENARIOS: unknown scenario "${trimmed}" (known: ${allScenarios.join(', ')})`);
    }
    scenarios.add(trimmed);
  }
  return {
    mode: quick ? 'quick' : 'full',
    events,
    videos,
    seed: int(env, 'BENCH_SEED', 20_260_101),
    naiveEvents: Math.min(events, int(env, 'BENCH_NAIVE_EVENTS', quick ? 500 : 5_000)),
    latencyEvents: int(env, 'BENCH_LATENCY_EVENTS', quick ? 1_000 : 10_000),
    mnsRttMs: int(env, 'BENCH_MNS_RTT_MS', 20),
    rttNaiveEvents: Math.min(events, int(env, 'BENCH_RTT_NAIVE_EVENTS', quick ? 200 : 1_000)),
    rttPollerEvents: Math.min(events, int(env, 'BENCH_RTT_POLLER_EVENTS', quick ? 1_000 : 10_000)),
    heapCapMb: int(env, 'BENCH_HEAP_CAP_MB', 4096),
    latencyWarmupSeconds: int(env, 'BENCH_LATENCY_WARMUP_S', quick ? 3 : 15),
    workerVideos: int(env, 'BENCH_WORKER_VIDEOS', quick ? 50 : 300),
    // The poller's own default (VODFLOW_MAX_IN_FLIGHT), so the ceiling is measured at the poller's concurrency.
    inFlight: int(env, 'BENCH_IN_FLIGHT', 64),
    scalingEvents: intList(env, 'BENCH_SCALING_EVENTS', quick ? [1_000, 3_000] : [10_000, 50_000, 100_000]),
    scalingInFlight: intList(env, 'BENCH_SCALING_IN_FLIGHT', quick ? [16, 256] : [16, 64, 256, 1024]),
    scalingInFlightEvents: int(env, 'BENCH_SCALING_IN_FLIGHT_EVENTS', quick ? 1_000 : 10_000),
    pairs: int(env, 'BENCH_PAIRS', 5),
    pairEvents: int(env, 'BENCH_PAIR_EVENTS', quick ? 2_000 : 10_000),
    pairSteadyAfterSeconds: int(env, 'BENCH_PAIR_STEADY_AFTER_S', quick ? 1 : 5),
    latencyPairs: int(env, 'BENCH_LATENCY_PAIRS', 5),
    latencyPairEvents: int(env, 'BENCH_LATENCY_PAIR_EVENTS', quick ? 500 : 3_000),
    workerVideosPerSecond: int(env, 'BENCH_WORKER_VIDEOS_PER_S', 10),
    slowBeforeS: int(env, 'BENCH_SLOW_BEFORE_S', quick ? 10 : 30),
    slowForS: int(env, 'BENCH_SLOW_FOR_S', quick ? 10 : 30),
    slowAfterS: int(env, 'BENCH_SLOW_AFTER_S', quick ? 10 : 30),
    slowInFlight: int(env, 'BENCH_SLOW_IN_FLIGHT', 1024),
    scenarios,
    out: env.BENCH_OUT ?? (quick ? 'bench/results/quick.json' : 'bench/results/latest.json'),
  };
}
