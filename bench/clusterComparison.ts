/**
 * BENCH_TEMPORAL=cluster: the ceiling, poller, paced-latency and worker scenarios (or those
 * BENCH_SCENARIOS names) on a dev server and on the self-hosted cluster (scripts/cluster: separate frontend, history and matching processes on
 * PostgreSQL with fsync, mTLS), one after the other in one run, so the two columns share the
 * machine's load as far as anything on a shared machine does. What compares across servers is
 * the ratio (the poller's share of what the server accepts), not the absolute figures.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../harness/cluster/cluster';
import { repoRoot } from '../harness/stack/paths';
import { benchOn } from './benchStack';
import type { BenchConfig, ScenarioName } from './config';
import type { BenchResults } from './results';
import { phasesText, type PhaseSummary } from './videoReadyBreakdown';
import { workerWindowText, type WorkerWindow } from './workerMetrics';

export interface ServerFigures {
  ceiling_events_per_s: number | null;
  ceiling_call_p50_ms: number | null;
  ceiling_call_p99_ms: number | null;
  ceiling_failures: number | null;
  poller_events_per_s: number | null;
  poller_cpu_cores: number | null;
  poller_over_ceiling: number | null;
  /** The alternating pairs (scenario `pairs`): poller ÷ ceiling, and ÷ the ceiling beside the poller run's extra CPU. */
  poller_over_ceiling_median: number | null;
  poller_over_loaded_ceiling_median: number | null;
  steady_poller_over_ceiling_median: number | null;
  poller_cores_per_1k: number | null;
  /** The bare client's own CPU per 1,000 calls/s in the ceiling run: the SDK's floor. */
  ceiling_client_cores_per_1k: number | null;
  poller_peak_rss_mb: number | null;
  /** What the largest sampled RSS was made of: anonymous pages (heap, native) and mapped files. */
  poller_rss_split_mb: { anon: number; file: number } | null;
  /** Enqueue → delete p99 paced at half the ceiling, and the bare client's own at that rate. */
  paced_p99_ms: number | null;
  bare_paced_p99_ms: number | null;
  paced_p99_over_bare: number | null;
  /** The median of the alternating latency pairs. */
  paced_p99_over_bare_median: number | null;
  /** Last required event → webhook p99, paced (10 videos/s) and as a burst. */
  worker_paced_p99_ms: number | null;
  worker_burst_p99_ms: number | null;
  /** Where the paced videos' time went, from their histories (bench/videoReadyBreakdown.ts). */
  worker_paced_videos_per_s: number | null;
  worker_paced_phases_ms: PhaseSummary | null;
  worker_paced_sdk_means: WorkerWindow | null;
  /** Scenario `scaling`: events/s along the backlog line, and the in-flight line's overload figures. */
  backlog_line: { events: number; events_per_s: number }[] | null;
  in_flight_line:
    | {
        in_flight: number;
        events_per_s: number;
        deadline_failures: number | null;
        limit_at_end: number | null;
      }[]
    | null;
  /** Scenario `slow`: Temporal's link narrowed mid-run. */
  slowed_delivered: number | null;
  slowed_events: number | null;
  slowed_caught_up_s: number | null;
  load_average_1m: Record<string, number>;
}

export interface ClusterComparison {
  generatedAt: string;
  mode: BenchConfig['mode'];
  events: number;
  in_flight: number;
  cores: number;
  dev_server: ServerFigures;
  cluster: ServerFigures & { address: string };
  duration_s: number;
}

function figures(results: BenchResults): ServerFigures {
  const ceiling = results.scenarios.ceiling;
  return {
    ceiling_events_per_s: results.throughput.ceiling_events_per_s,
    ceiling_call_p50_ms: ceiling?.call_latency.p50_ms ?? null,
    ceiling_call_p99_ms: ceiling?.call_latency.p99_ms ?? null,
    ceiling_failures: ceiling?.failures ?? null,
    poller_events_per_s: results.throughput.poller_events_per_s,
    poller_cpu_cores: results.cpu.poller_cpu_cores,
    poller_over_ceiling: results.ratios.poller_over_ceiling,
    poller_over_ceiling_median: results.throughput.poller_over_ceiling_median ?? null,
    poller_over_loaded_ceiling_median: results.throughput.poller_over_loaded_ceiling_median ?? null,
    steady_poller_over_ceiling_median: results.throughput.steady_poller_over_ceiling_median ?? null,
    poller_cores_per_1k: results.cpu.poller_cores_per_1k ?? null,
    ceiling_client_cores_per_1k: results.cpu.ceiling_client_cores_per_1k ?? null,
    poller_peak_rss_mb: results.memory.poller_peak_rss_mb,
    poller_rss_split_mb: results.memory.poller_rss_split_mb ?? null,
    paced_p99_ms: results.latency.p99_ms,
    bare_paced_p99_ms: results.latency.bare_paced_p99_ms ?? null,
    paced_p99_over_bare: results.latency.poller_over_bare_p99 ?? null,
    paced_p99_over_bare_median: results.latency.poller_over_bare_p99_median ?? null,
    worker_paced_p99_ms: results.worker?.paced_p99_ms ?? null,
    worker_burst_p99_ms: results.worker?.burst_p99_ms ?? null,
    worker_paced_videos_per_s: results.worker?.paced?.videos_per_s ?? null,
    worker_paced_phases_ms: results.worker?.paced?.phases_ms ?? null,
    worker_paced_sdk_means: results.worker?.paced?.worker_sdk_means ?? null,
    backlog_line:
      results.scaling.events.length > 0
        ? results.scaling.events.map((p) => ({ events: p.events, events_per_s: p.poller_events_per_s }))
        : null,
    in_flight_line:
      results.scaling.in_flight.length > 0
        ? results.scaling.in_flight.map((p) => ({
            in_flight: p.in_flight,
            events_per_s: p.poller_events_per_s,
            deadline_failures: p.deadline_failures ?? null,
            limit_at_end: p.in_flight_limit_at_end ?? null,
          }))
        : null,
    slowed_delivered: results.slow_temporal?.delivered ?? null,
    slowed_events: results.slow_temporal?.events ?? null,
    slowed_caught_up_s: results.slow_temporal?.caught_up_after_window_s ?? null,
    load_average_1m: results.load_average_1m,
  };
}

export async function runClusterComparison(
  config: BenchConfig,
  runBench: (config: BenchConfig) => Promise<BenchResults>,
  log: (message: string) => void,
): Promise<ClusterComparison> {
  const started = performance.now();
  const scenarios: BenchConfig = {
    ...config,
    scenarios: process.env.BENCH_SCENARIOS
      ? config.scenarios
      : new Set<ScenarioName>(['ceiling', 'poller', 'latency', 'worker']),
  };
  const cluster = await startCluster({
    ...(process.env.VODFLOW_CLUSTER_DIR ? { stateDir: process.env.VODFLOW_CLUSTER_DIR } : {}),
  });
  log(`cluster at ${cluster.address} (mTLS, state ${cluster.stateDir})`);

  const names = [...scenarios.scenarios].join(', ');
  let devServer: ServerFigures;
  let onCluster: ServerFigures;
  try {
    log(`dev server: ${names}`);
    benchOn({ kind: 'dev-server' });
    devServer = figures(await runBench(scenarios));
    log(`cluster: ${names}`);
    benchOn({ kind: 'cluster', cluster });
    onCluster = figures(await runBench(scenarios));
  } finally {
    benchOn({ kind: 'dev-server' });
    // Six server processes and PostgreSQL left idling would take their share of the next run's cores.
    if (!cluster.wasRunning && process.env.BENCH_CLUSTER_KEEP !== '1') {
      log('stopping the cluster this run started (BENCH_CLUSTER_KEEP=1 keeps it)');
      await cluster.stop();
    }
  }

  const comparison: ClusterComparison = {
    generatedAt: new Date().toISOString(),
    mode: config.mode,
    events: config.events,
    in_flight: config.inFlight,
    cores: os.availableParallelism(),
    dev_server: devServer,
    cluster: { ...onCluster, address: cluster.address },
    duration_s: Math.round((performance.now() - started) / 1000),
  };
  // BENCH_OUT names another file, so a run of some scenarios leaves the committed comparison alone.
  const out =
    process.env.BENCH_OUT !== undefined
      ? path.resolve(repoRoot, config.out)
      : path.join(
          repoRoot,
          'bench',
          'results',
          config.mode === 'quick' ? 'cluster-quick.json' : 'cluster.json',
        );
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, `${JSON.stringify(comparison, null, 2)}\n`);
  log(`results: ${path.relative(repoRoot, out)}`);
  return comparison;
}

function textRow(
  c: ClusterComparison,
  name: string,
  pick: (f: ServerFigures) => string | undefined,
): string | null {
  const [dev, cluster] = [pick(c.dev_server), pick(c.cluster)];
  return dev === undefined && cluster === undefined
    ? null
    : `| ${name} | ${dev ?? '–'} | ${cluster ?? '–'} |`;
}

export function renderComparison(c: ClusterComparison): string {
  const row = (name: string, pick: (f: ServerFigures) => number | null, unit = '') =>
    `| ${name} | ${String(pick(c.dev_server) ?? '–')}${unit} | ${String(pick(c.cluster) ?? '–')}${unit} |`;
  return [
    `| ${c.mode} run, ${c.events} events, in-flight ${c.in_flight} | dev server | cluster (mTLS, PostgreSQL) |`,
    '| --- | --- | --- |',
    row('ceiling (signalWithStart/s)', (f) => f.ceiling_events_per_s),
    row('ceiling call p50', (f) => f.ceiling_call_p50_ms, ' ms'),
    row('ceiling call p99', (f) => f.ceiling_call_p99_ms, ' ms'),
    row('poller (events/s)', (f) => f.poller_events_per_s),
    row('poller CPU (cores)', (f) => f.poller_cpu_cores),
    row('**poller ÷ ceiling**', (f) => f.poller_over_ceiling),
    row('**poller ÷ ceiling, median of pairs**', (f) => f.poller_over_ceiling_median),
    row(
      "poller ÷ ceiling beside the poller run's extra CPU, median",
      (f) => f.poller_over_loaded_ceiling_median,
    ),
    row('poller ÷ ceiling after the first seconds, median', (f) => f.steady_poller_over_ceiling_median),
    row('poller CPU per 1,000 events/s', (f) => f.poller_cores_per_1k, ' cores'),
    row('bare client CPU per 1,000 calls/s', (f) => f.ceiling_client_cores_per_1k, ' cores'),
    row('poller peak RSS', (f) => f.poller_peak_rss_mb, ' MB'),
    textRow(c, 'largest sampled RSS: anonymous + mapped files', (f) =>
      f.poller_rss_split_mb ? `${f.poller_rss_split_mb.anon} + ${f.poller_rss_split_mb.file} MB` : undefined,
    ),
    row('paced p99 enqueue → delete', (f) => f.paced_p99_ms, ' ms'),
    row('bare client paced p99', (f) => f.bare_paced_p99_ms, ' ms'),
    row('paced p99 ÷ bare paced p99 (one run)', (f) => f.paced_p99_over_bare),
    row('**paced p99 ÷ bare paced p99, median of pairs**', (f) => f.paced_p99_over_bare_median),
    row('**video ready p99, paced (rate below)**', (f) => f.worker_paced_p99_ms, ' ms'),
    row('video ready p99, burst', (f) => f.worker_burst_p99_ms, ' ms'),
    textRow(c, 'video ready, paced: where the time goes, p50 / p99', (f) =>
      f.worker_paced_phases_ms
        ? `at ${String(f.worker_paced_videos_per_s ?? '–')} videos/s: ${phasesText(f.worker_paced_phases_ms)}`
        : undefined,
    ),
    textRow(c, "video ready, paced: the worker SDK's means", (f) =>
      f.worker_paced_sdk_means ? workerWindowText(f.worker_paced_sdk_means) : undefined,
    ),
    textRow(c, 'backlog line (events/s)', (f) =>
      f.backlog_line?.map((p) => `${p.events}: ${p.events_per_s}`).join(', '),
    ),
    textRow(c, 'in-flight line: events/s, deadline failures, limit at end', (f) =>
      f.in_flight_line
        ?.map(
          (p) =>
            `${p.in_flight}: ${p.events_per_s}, ${String(p.deadline_failures ?? '–')}, ${String(p.limit_at_end ?? '–')}`,
        )
        .join('; '),
    ),
    textRow(c, 'Temporal slowed: delivered, caught up after the window', (f) =>
      f.slowed_events === null
        ? undefined
        : `${String(f.slowed_delivered)} of ${f.slowed_events}, ${String(f.slowed_caught_up_s ?? '–')} s`,
    ),
  ]
    .filter((line) => line !== null)
    .join('\n');
}
