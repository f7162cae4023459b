/**
 * `npm run bench`: every scenario in one run on this machine, each on a fresh dev server
 * (and a fresh MNS emulator where a queue is involved), then bench/results/latest.json, the
 * SVG chart and the generated section of docs/BENCHMARKS.md. Progress goes to stderr, the
 * summary table to stdout.
 */
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../harness/stack/freePort';
import { binVodflow, repoRoot, temporalCli } from '../harness/stack/paths';
import { childEnvironment, type Stack } from '../harness/stack/stack';
import { benchStack, devServerDescription, withBenchStack } from './benchStack';
import { renderComparison, runClusterComparison } from './clusterComparison';
import { renderChart } from './chart';
import { benchConfig, type BenchConfig } from './config';
import { toDelivery } from './deliveries';
import { benchMns, mnsStackOf, prefill, type MnsStack } from './mnsStack';
import { renderSummaryTable, updateBenchmarksDoc } from './report';
import {
  evaluateTargets,
  machineInfo,
  ratio,
  writeResults,
  type BenchResults,
  type ScalingPoint,
} from './results';
import { runCeiling } from './scenarios/ceiling';
import { runBacklog, runPaced, type BacklogResult, type ConsumerCommand } from './scenarios/consumer';
import { runWorkerLatency } from './scenarios/worker';
import { runBarePaced } from './scenarios/barePaced';
import { runSlowTemporal } from './scenarios/slowTemporal';
import { pollerWindow, scrapePollerCounters, type PollerCounters, type PollerWindow } from './pollerMetrics';
import { startCpuLoad } from './cpuLoad';
import { generateWorkload, type Workload, type WorkloadEvent } from './workload';

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function temporalCliVersion(): string {
  const out = spawnSync(temporalCli().path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return (out.stdout ?? '').trim() || 'unknown';
}

/** A fresh stack of Temporal and the MNS emulator; the consumer under measurement is started by the scenario. */
function withStack<T>(run: (stack: Stack, mns: MnsStack) => Promise<T>): Promise<T> {
  return withBenchStack({ ...benchStack, mns: benchMns }, (stack) => run(stack, mnsStackOf(stack)));
}

/**
 * The poller as a user runs it (bin/vodflow, with its heap cap), with the stack's settings
 * and nothing of the caller's vodflow or Temporal settings.
 */
async function pollerCommand(
  stack: Stack,
  inFlight: number,
  nodeOptions?: string,
  extra: Record<string, string> = {},
): Promise<ConsumerCommand & { metricsPort: number }> {
  const metricsPort = await freePort();
  return {
    command: binVodflow,
    args: ['poller'],
    env: {
      ...childEnvironment(
        stack.settings({
          VODFLOW_MAX_IN_FLIGHT: String(inFlight),
          VODFLOW_HTTP_PORT: String(metricsPort),
          ...pollerTuningEnv(),
          ...extra,
        }),
      ),
      ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
    },
    metricsPort,
  };
}

/**
 * BENCH_POLLER_ENV="VODFLOW_RECEIVE_LOOPS=4,VODFLOW_BATCH_SIZE=8": poller settings to try, on every
 * poller run; besides vodflow's own, MALLOC_ARENA_MAX, which bin/vodflow sets unless given.
 */
function pollerTuningEnv(): Record<string, string> {
  const raw = process.env.BENCH_POLLER_ENV ?? '';
  const entries = raw
    .split(',')
    .filter((e) => e.trim() !== '')
    .map((entry) => {
      const [key, ...value] = entry.split('=');
      if (!(key?.startsWith('VODFLOW_') || key === 'MALLOC_ARENA_MAX') || value.length === 0)
        throw new Error(`BENCH_POLLER_ENV entry "${entry}" must be VODFLOW_NAME=VALUE or MALLOC_ARENA_MAX=N`);
      return [key.trim(), value.join('=').trim()] as const;
    });
  return Object.fromEntries(entries);
}

function naiveCommand(stack: Stack, mns: MnsStack): ConsumerCommand {
  return {
    command: process.execPath,
    args: [path.join(repoRoot, 'dist', 'bench', 'naiveConsumer.js')],
    env: childEnvironment(
      stack.settings({ BENCH_MNS_ENDPOINT: mns.emulator.endpoint, BENCH_MNS_QUEUE: mns.queue }),
    ),
  };
}

/** Generous: a stuck run should fail, not hang the machine for an hour. */
function drainTimeoutMs(events: number): number {
  return 120_000 + events * 20;
}

async function pollerBacklog(
  events: Workload['events'],
  inFlight: number,
  nodeOptions?: string,
  steadyAfterMs = 0,
): Promise<BacklogResult & { counters: PollerCounters | null }> {
  return withStack(async (stack, mns) => {
    const command = await pollerCommand(stack, inFlight, nodeOptions);
    let counters: PollerCounters | null = null;
    const result = await runBacklog(mns, events, command, 'vodflow poller', drainTimeoutMs(events.length), {
      steadyAfterMs,
      beforeStop: async () => {
        counters = await scrapePollerCounters(command.metricsPort);
      },
    });
    return { ...result, counters };
  });
}

function scalingPoint(
  events: number,
  inFlight: number,
  r: BacklogResult & { counters: PollerCounters | null },
): ScalingPoint {
  return {
    events,
    in_flight: inFlight,
    poller_events_per_s: r.events_per_s,
    poller_peak_rss_mb: r.peak_rss_mb,
    poller_cpu_cores: r.cpu_cores,
    deadline_failures: r.counters?.deadline_failures ?? null,
    unavailable_failures: r.counters?.unavailable_failures ?? null,
    released_for_retry: r.counters?.released_for_retry ?? null,
    in_flight_limit_at_end: r.counters?.in_flight_limit ?? null,
  };
}

/** The median of the values measured; a pair without a figure is left out. */
function median(values: readonly (number | null | undefined)[]): number | null {
  const sorted = values.filter((v): v is number => v != null).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function runBench(config: BenchConfig): Promise<BenchResults> {
  const startedAt = performance.now();
  temporalCli();
  const workload = generateWorkload({ events: config.events, videos: config.videos, seed: config.seed });
  const results: BenchResults = {
    schema: 1,
    mode: config.mode,
    generated_at: new Date().toISOString(),
    command: config.mode === 'full' ? 'npm run bench' : 'BENCH_QUICK=1 npm run bench',
    duration_s: 0,
    machine: machineInfo(temporalCliVersion()),
    setup: {
      dev_server: devServerDescription(),
      mns: 'vodflow MNS emulator in the bench process, queried through the real @alicloud/mns SDK',
      in_flight: config.inFlight,
      measurement:
        'broker side: enqueue = emulator EnqueueTime, delete = emulator applying DeleteMessage/BatchDeleteMessage; ' +
        'throughput = events / (first receive -> last delete) over a prefilled backlog; ' +
        'CPU and peak RSS (VmHWM) of the consumer process from /proc',
    },
    workload: {
      events: config.events,
      videos: config.videos,
      seed: config.seed,
      naive_events: config.naiveEvents,
      latency_events: config.latencyEvents,
    },
    throughput: { ceiling_events_per_s: null, naive_events_per_s: null, poller_events_per_s: null },
    latency: {
      p50_ms: null,
      p95_ms: null,
      p99_ms: null,
      rate_events_per_s: null,
      with_warmup_p99_ms: null,
    },
    memory: { poller_peak_rss_mb: null, naive_peak_rss_mb: null, poller_alternate_heap: null },
    cpu: { poller_cpu_cores: null, naive_cpu_cores: null },
    ratios: { poller_over_ceiling: null, poller_over_naive: null },
    worker: null,
    scaling: { events: [], in_flight: [] },
    mns_rtt: null,
    load_average_1m: {},
    targets: {},
    scenarios: {},
  };
  // Other processes on a shared machine move every figure: keep the evidence with the figures.
  const noteLoad = (scenario: string) => {
    results.load_average_1m[scenario] = Math.round(os.loadavg()[0]! * 100) / 100;
  };
  const want = (name: Parameters<BenchConfig['scenarios']['has']>[0]) => config.scenarios.has(name);
  const ceilingOnFreshServer = (deliveries: Parameters<typeof runCeiling>[0]['deliveries']) =>
    withBenchStack(benchStack, ({ temporal }) =>
      runCeiling({
        temporal: temporal.clientEnv,
        taskQueue: benchStack.taskQueue,
        concurrency: config.inFlight,
        deliveries,
        steadyAfterMs: config.pairSteadyAfterSeconds * 1000,
      }),
    );

  if (want('ceiling')) {
    log(`ceiling: ${config.events} signalWithStart calls at concurrency ${config.inFlight}`);
    const deliveries = workload.events.map(toDelivery);
    const ceiling = await ceilingOnFreshServer(deliveries);
    results.scenarios.ceiling = ceiling;
    results.throughput.ceiling_events_per_s = ceiling.events_per_s;
    results.cpu.ceiling_client_cores_per_1k = ceiling.client_cores_per_1k;
    log(
      `ceiling: ${ceiling.events_per_s} events/s (${ceiling.failures} failures), ` +
        `client ${ceiling.client_cores_per_1k} cores per 1,000 calls/s`,
    );
    noteLoad('ceiling');
  }

  if (want('naive')) {
    const events = workload.events.slice(0, config.naiveEvents);
    log(`naive: draining ${events.length} events, one message at a time`);
    const naive = await withStack((stack, mns) =>
      runBacklog(mns, events, naiveCommand(stack, mns), 'naive consumer', drainTimeoutMs(events.length * 10)),
    );
    results.scenarios.naive = naive;
    results.throughput.naive_events_per_s = naive.events_per_s;
    results.memory.naive_peak_rss_mb = naive.peak_rss_mb;
    results.cpu.naive_cpu_cores = naive.cpu_cores;
    log(`naive: ${naive.events_per_s} events/s`);
    noteLoad('naive');
  }

  if (want('poller')) {
    log(`poller: draining ${workload.events.length} events, in-flight ${config.inFlight}`);
    const poller = await pollerBacklog(workload.events, config.inFlight);
    results.scenarios.poller = poller;
    results.throughput.poller_events_per_s = poller.events_per_s;
    results.memory.poller_peak_rss_mb = poller.peak_rss_mb;
    results.memory.poller_rss_split_mb = poller.rss_split_mb;
    results.cpu.poller_cpu_cores = poller.cpu_cores;
    results.cpu.poller_cores_per_1k =
      poller.events_per_s > 0
        ? Math.round((poller.cpu_cores / (poller.events_per_s / 1000)) * 1000) / 1000
        : null;
    log(
      `poller: ${poller.events_per_s} events/s, peak RSS ${poller.peak_rss_mb} MB ` +
        `(largest sample: ${poller.rss_split_mb?.anon ?? '–'} MB anonymous, ${poller.rss_split_mb?.file ?? '–'} MB mapped files), ` +
        `${results.cpu.poller_cores_per_1k} cores per 1,000 events/s`,
    );
    noteLoad('poller');
  }

  if (want('heapcap')) {
    // bin/vodflow caps the poller's old space (128 MB): V8 otherwise sizes it for throughput,
    // not footprint, and most of the RSS is garbage awaiting a major GC. The same run with
    // another cap (default 4096 MB, i.e. uncapped) shows what the cap costs and saves.
    const nodeOptions = `--max-old-space-size=${config.heapCapMb}`;
    log(`alternate heap: poller with NODE_OPTIONS=${nodeOptions}, ${workload.events.length} events`);
    const capped = await pollerBacklog(workload.events, config.inFlight, nodeOptions);
    results.memory.poller_alternate_heap = {
      node_options: nodeOptions,
      peak_rss_mb: capped.peak_rss_mb,
      events_per_s: capped.events_per_s,
      cpu_cores: capped.cpu_cores,
    };
    log(`alternate heap: ${capped.events_per_s} events/s, peak RSS ${capped.peak_rss_mb} MB`);
    noteLoad('heapcap');
  }

  if (want('latency')) {
    const ceilingRate = results.throughput.ceiling_events_per_s;
    const rate = Number(process.env.BENCH_LATENCY_RATE ?? (ceilingRate ? ceilingRate / 2 : 100));
    const warmup = Math.round(rate * config.latencyWarmupSeconds);
    const total = config.latencyEvents + warmup;
    const latencyWorkload = generateWorkload({
      events: total,
      videos: Math.max(1, Math.floor(total / 4)),
      seed: config.seed + 1,
    });
    log(
      `latency: ${warmup} warm-up + ${config.latencyEvents} events paced at ${rate.toFixed(1)} events/s (½ ceiling)`,
    );
    // The poller paced on a fresh stack, with what it saw of its own signals after the warm-up.
    const pacedPoller = (events: readonly WorkloadEvent[]) =>
      withStack(async (stack, mns) => {
        const command = await pollerCommand(stack, config.inFlight);
        const window = pollerWindow(command.metricsPort);
        let pollerView: PollerWindow | null = null;
        const result = await runPaced(
          mns,
          events,
          rate,
          warmup,
          command,
          'vodflow poller',
          drainTimeoutMs(events.length),
          {
            afterWarmup: () => window.start(),
            beforeStop: async () => {
              pollerView = await window.finish();
            },
          },
        );
        return { ...result, poller_window: pollerView };
      });
    const paced = await pacedPoller(latencyWorkload.events);
    results.scenarios.poller_paced = paced;
    results.latency.p50_ms = paced.latency.p50_ms;
    results.latency.p95_ms = paced.latency.p95_ms;
    results.latency.p99_ms = paced.latency.p99_ms;
    results.latency.rate_events_per_s = paced.rate_events_per_s;
    results.latency.with_warmup_p99_ms = paced.latency_with_warmup.p99_ms;
    // The bare client at the same pace, on a fresh server: the floor the poller is compared with.
    const barePacedOnFreshServer = (maxInFlight?: number, events = latencyWorkload.events) =>
      withBenchStack(benchStack, ({ temporal }) =>
        runBarePaced({
          temporal: temporal.clientEnv,
          taskQueue: benchStack.taskQueue,
          deliveries: events.map(toDelivery),
          ratePerS: rate,
          warmupCalls: warmup,
          ...(maxInFlight !== undefined ? { maxInFlight } : {}),
        }),
      );
    const bare = await barePacedOnFreshServer();
    results.scenarios.bare_paced = bare;
    results.latency.bare_paced_p50_ms = bare.call_latency.p50_ms;
    results.latency.bare_paced_p99_ms = bare.call_latency.p99_ms;
    results.latency.poller_over_bare_p99 = ratio(paced.latency.p99_ms, bare.call_latency.p99_ms);
    log(
      `latency: bare client paced at the same rate: p50 ${bare.call_latency.p50_ms} ms, p99 ${bare.call_latency.p99_ms} ms ` +
        `(${bare.failures} failures); poller p99 / bare p99 = ${results.latency.poller_over_bare_p99}`,
    );
    // The same, held to the poller's in-flight limit: what any bounded consumer meets when the
    // server stalls (the open-loop client above never waits for a place).
    const bounded = await barePacedOnFreshServer(config.inFlight);
    results.scenarios.bare_paced_bounded = bounded;
    results.latency.bare_paced_bounded_p99_ms = bounded.call_latency.p99_ms;
    log(
      `latency: bare client paced and held to ${config.inFlight} in flight: p50 ${bounded.call_latency.p50_ms} ms, ` +
        `p99 ${bounded.call_latency.p99_ms} ms (schedule → reply)`,
    );
    log(
      `latency: p50 ${paced.latency.p50_ms} ms, p99 ${paced.latency.p99_ms} ms (with warm-up: p99 ${paced.latency_with_warmup.p99_ms} ms); ` +
        `queued p99 ${paced.queued.p99_ms} ms, in the poller p99 ${paced.in_consumer.p99_ms} ms`,
    );
    // One stall of the shared dev server decides a single run's p99, so the goal is judged on
    // the median of shorter alternating pairs, each run on a fresh server.
    const pairWorkload = latencyWorkload.events.slice(0, warmup + config.latencyPairEvents);
    const pairs: NonNullable<BenchResults['latency']['pairs']> = [];
    for (let i = 1; i <= config.latencyPairs; i += 1) {
      const poller = await pacedPoller(pairWorkload);
      let loadCores = 0;
      const bareRun = await barePacedOnFreshServer(undefined, pairWorkload);
      // The bare client again, beside a load of the poller's own CPU: is the poller's tail its
      // own, or the server's, slowed by a second busy process on the same cores?
      const load = startCpuLoad(poller.cpu_cores);
      const bareLoaded = await barePacedOnFreshServer(undefined, pairWorkload).finally(async () => {
        loadCores = await load.stop();
      });
      pairs.push({
        poller_p99_ms: poller.latency.p99_ms,
        bare_p99_ms: bareRun.call_latency.p99_ms,
        poller_over_bare_p99: ratio(poller.latency.p99_ms, bareRun.call_latency.p99_ms),
        poller_in_poller_tail: poller.in_consumer_tail,
        poller_window: poller.poller_window,
        bare_call_tail: bareRun.call_tail,
        bare_beside_load: {
          load_cores: loadCores,
          p99_ms: bareLoaded.call_latency.p99_ms,
          call_tail: bareLoaded.call_tail,
        },
        load_average_1m: Math.round(os.loadavg()[0]! * 100) / 100,
      });
      log(
        `latency pair ${i}/${config.latencyPairs}: poller p99 ${poller.latency.p99_ms} ms, bare p99 ` +
          `${bareRun.call_latency.p99_ms} ms (${pairs.at(-1)!.poller_over_bare_p99}); bare beside ${loadCores} cores of load: ` +
          `p99 ${bareLoaded.call_latency.p99_ms} ms`,
      );
    }
    results.latency.pairs = pairs;
    results.latency.poller_over_bare_p99_median = median(pairs.map((p) => p.poller_over_bare_p99));
    noteLoad('latency');
  }

  if (want('worker')) {
    log(`worker: ${config.workerVideos} videos through the real worker, as a burst`);
    const burst = await runWorkerLatency({ videos: config.workerVideos, seed: config.seed + 2, log });
    if (burst) log(`worker burst: p50 ${burst.p50_ms} ms, p99 ${burst.p99_ms} ms`);
    const rate = config.workerVideosPerSecond;
    const warmupVideos = rate * 2;
    log(`worker: ${warmupVideos} warm-up + ${config.workerVideos} videos paced at ${rate} videos/s`);
    const paced = await runWorkerLatency({
      videos: config.workerVideos + warmupVideos,
      seed: config.seed + 3,
      videosPerSecond: rate,
      warmupVideos,
      log,
    });
    if (paced) log(`worker paced: p50 ${paced.p50_ms} ms, p99 ${paced.p99_ms} ms`);
    results.worker = burst
      ? { ...burst, burst_p99_ms: burst.p99_ms, paced_p99_ms: paced?.p99_ms ?? null, paced }
      : null;
    noteLoad('worker');
  }

  if (want('pairs')) {
    // Single runs decide nothing on a shared machine: alternate ceiling and poller on fresh
    // servers and take the median of the ratios, with every pair kept for the spread.
    const pairWorkload = generateWorkload({
      events: config.pairEvents,
      videos: Math.max(1, Math.floor(config.pairEvents / 4)),
      seed: config.seed + 4,
    });
    const deliveries = pairWorkload.events.map(toDelivery);
    const pairs: NonNullable<BenchResults['throughput']['pairs']> = [];
    for (let i = 1; i <= config.pairs; i += 1) {
      const ceiling = await ceilingOnFreshServer(deliveries);
      const poller = await pollerBacklog(
        pairWorkload.events,
        config.inFlight,
        undefined,
        config.pairSteadyAfterSeconds * 1000,
      );
      // Is the gap the poller's pace, or the cores the poller run leaves the server? The ceiling
      // again, beside what the poller run had beside the server beyond the bare client.
      const extraCores = poller.cpu_cores + poller.emulator_cpu_cores - ceiling.client_cpu_cores;
      const load = startCpuLoad(extraCores);
      let loadCores = 0;
      const loaded = await ceilingOnFreshServer(deliveries).finally(async () => {
        loadCores = await load.stop();
      });
      pairs.push({
        ceiling_events_per_s: ceiling.events_per_s,
        poller_events_per_s: poller.events_per_s,
        poller_over_ceiling: ratio(poller.events_per_s, ceiling.events_per_s),
        ceiling_client_cpu_cores: ceiling.client_cpu_cores,
        poller_cpu_cores: poller.cpu_cores,
        emulator_cpu_cores: poller.emulator_cpu_cores,
        ceiling_beside_load: { load_cores: loadCores, events_per_s: loaded.events_per_s },
        poller_over_loaded_ceiling: ratio(poller.events_per_s, loaded.events_per_s),
        ceiling_calls_in_flight: ceiling.calls_in_flight,
        poller_signals_in_flight:
          poller.counters?.signal_seconds != null && poller.seconds > 0
            ? Math.round((poller.counters.signal_seconds / poller.seconds) * 10) / 10
            : null,
        steady_ceiling_events_per_s: ceiling.steady_events_per_s,
        steady_poller_events_per_s: poller.steady_events_per_s,
        steady_poller_over_ceiling: ratio(poller.steady_events_per_s, ceiling.steady_events_per_s),
        load_average_1m: Math.round(os.loadavg()[0]! * 100) / 100,
      });
      log(
        `pair ${i}/${config.pairs}: ceiling ${ceiling.events_per_s}, poller ${poller.events_per_s} events/s ` +
          `(${pairs.at(-1)!.poller_over_ceiling}); ceiling beside ${loadCores} cores of load ${loaded.events_per_s} ` +
          `(${pairs.at(-1)!.poller_over_loaded_ceiling}); after the first ${config.pairSteadyAfterSeconds} s: ` +
          `ceiling ${ceiling.steady_events_per_s}, poller ${poller.steady_events_per_s} ` +
          `(${pairs.at(-1)!.steady_poller_over_ceiling}); calls in flight: ceiling ${ceiling.calls_in_flight}, ` +
          `poller ${pairs.at(-1)!.poller_signals_in_flight}`,
      );
    }
    const ratios = pairs.map((p) => p.poller_over_ceiling).filter((r): r is number => r !== null);
    results.throughput.pairs = pairs;
    results.throughput.poller_over_ceiling_median = median(ratios);
    results.throughput.poller_over_loaded_ceiling_median = median(
      pairs.map((p) => p.poller_over_loaded_ceiling),
    );
    results.throughput.steady_poller_over_ceiling_median = median(
      pairs.map((p) => p.steady_poller_over_ceiling),
    );
    results.throughput.poller_over_ceiling_min = ratios.length > 0 ? Math.min(...ratios) : null;
    results.throughput.poller_over_ceiling_max = ratios.length > 0 ? Math.max(...ratios) : null;
    noteLoad('pairs');
  }

  if (want('slow')) {
    const rate = Number(process.env.BENCH_SLOW_RATE ?? 100);
    const seconds = config.slowBeforeS + config.slowForS + config.slowAfterS;
    const slowWorkload = generateWorkload({
      events: Math.round(rate * seconds),
      videos: Math.max(1, Math.floor((rate * seconds) / 4)),
      seed: config.seed + 5,
    });
    log(
      `slow Temporal: ${rate} events/s for ${seconds} s, the link to Temporal at a third of the pace ` +
        `from ${config.slowBeforeS} s for ${config.slowForS} s, in-flight max ${config.slowInFlight}`,
    );
    results.slow_temporal = await withStack(async (stack, mns) => {
      let metricsPort = 0;
      return runSlowTemporal({
        mns,
        temporalAddress: stack.temporal?.address ?? '',
        events: slowWorkload.events,
        ratePerS: rate,
        slowAfterS: config.slowBeforeS,
        slowForS: config.slowForS,
        capacityShare: 1 / 3,
        inFlight: config.slowInFlight,
        get metricsPort() {
          return metricsPort;
        },
        command: async (address) => {
          const command = await pollerCommand(stack, config.slowInFlight, undefined, {
            TEMPORAL_ADDRESS: address,
          });
          metricsPort = command.metricsPort;
          return command;
        },
        timeoutMs: drainTimeoutMs(slowWorkload.events.length) + seconds * 1000,
      });
    });
    const slow = results.slow_temporal;
    log(
      `slow Temporal: delivered ${slow.delivered}/${slow.events}; p99 before ${slow.before.p99_ms} ms, ` +
        `during ${slow.during.p99_ms} ms, after ${slow.after.p99_ms} ms; caught up ${slow.caught_up_after_window_s} s ` +
        `after the window; ${slow.deadline_failures ?? '?'} deadline failures, ${slow.released_for_retry ?? '?'} released`,
    );
    noteLoad('slow');
  }

  if (want('rtt')) {
    // On localhost every MNS call costs ~1 ms, which flatters the naive loop (three calls in
    // series per message). A poller in production reaches MNS over a network; this pair runs
    // both consumers with the same added delay on every consumer-side MNS operation.
    const rtt = config.mnsRttMs;
    const faults = Object.fromEntries(
      [
        'ReceiveMessage',
        'BatchReceiveMessage',
        'DeleteMessage',
        'BatchDeleteMessage',
        'ChangeMessageVisibility',
      ].map((op) => [op, { latencyMs: rtt }]),
    );
    // Prefilled before the delay is switched on: only the consumer's calls pay it.
    const drainWithRtt = (
      events: typeof workload.events,
      label: string,
      command: (stack: Stack, mns: MnsStack) => Promise<ConsumerCommand> | ConsumerCommand,
      timeoutMs: number,
    ) =>
      withStack(async (stack, mns) => {
        await prefill(mns, events);
        mns.emulator.setFaults(faults);
        return runBacklog(mns, events, await command(stack, mns), label, timeoutMs, { prefilled: true });
      });
    const naiveEvents = workload.events.slice(0, config.rttNaiveEvents);
    log(`rtt ${rtt} ms: naive consumer, ${naiveEvents.length} events`);
    const naive = await drainWithRtt(
      naiveEvents,
      'naive consumer',
      naiveCommand,
      drainTimeoutMs(naiveEvents.length * 50),
    );
    const pollerEvents = workload.events.slice(0, config.rttPollerEvents);
    log(`rtt ${rtt} ms: poller, ${pollerEvents.length} events`);
    const poller = await drainWithRtt(
      pollerEvents,
      'vodflow poller',
      (stack) => pollerCommand(stack, config.inFlight),
      drainTimeoutMs(pollerEvents.length),
    );
    results.mns_rtt = {
      rtt_ms: rtt,
      naive_events_per_s: naive.events_per_s,
      poller_events_per_s: poller.events_per_s,
      poller_over_naive: ratio(poller.events_per_s, naive.events_per_s),
      naive_events: naive.events,
      poller_events: poller.events,
    };
    log(`rtt ${rtt} ms: naive ${naive.events_per_s} events/s, poller ${poller.events_per_s} events/s`);
    noteLoad('rtt');
  }

  if (want('scaling')) {
    for (const events of config.scalingEvents) {
      const w = generateWorkload({ events, videos: Math.max(1, Math.floor(events / 4)), seed: config.seed });
      log(`scaling: ${events} events, ceiling then poller, in-flight ${config.inFlight}`);
      const ceiling = await ceilingOnFreshServer(w.events.map(toDelivery));
      const r = await pollerBacklog(w.events, config.inFlight);
      results.scaling.events.push({
        ...scalingPoint(events, config.inFlight, r),
        ceiling_events_per_s: ceiling.events_per_s,
        poller_over_ceiling: ratio(r.events_per_s, ceiling.events_per_s),
      });
      log(
        `scaling: ${events} events -> ceiling ${ceiling.events_per_s}, poller ${r.events_per_s} events/s ` +
          `(${ratio(r.events_per_s, ceiling.events_per_s)}), ${r.peak_rss_mb} MB`,
      );
      noteLoad(`scaling_${events}_events`);
    }
    const w = generateWorkload({
      events: config.scalingInFlightEvents,
      videos: Math.max(1, Math.floor(config.scalingInFlightEvents / 4)),
      seed: config.seed,
    });
    for (const inFlight of config.scalingInFlight) {
      log(`scaling: in-flight ${inFlight}, ${w.events.length} events`);
      const r = await pollerBacklog(w.events, inFlight);
      results.scaling.in_flight.push(scalingPoint(w.events.length, inFlight, r));
      log(
        `scaling: in-flight ${inFlight} -> ${r.events_per_s} events/s, ${r.peak_rss_mb} MB, ` +
          `${r.counters?.deadline_failures ?? '?'} deadline failures, limit at end ${r.counters?.in_flight_limit ?? '?'}`,
      );
      noteLoad(`scaling_in_flight_${inFlight}`);
    }
  }

  results.machine.load_average_at_end = os.loadavg().map((l) => Math.round(l * 100) / 100);
  results.ratios.poller_over_ceiling = ratio(
    results.throughput.poller_events_per_s,
    results.throughput.ceiling_events_per_s,
  );
  results.ratios.poller_over_naive = ratio(
    results.throughput.poller_events_per_s,
    results.throughput.naive_events_per_s,
  );
  results.targets = evaluateTargets(results);
  results.duration_s = Math.round((performance.now() - startedAt) / 1000);
  return results;
}

async function main(): Promise<void> {
  const config = benchConfig();
  if (process.env.BENCH_TEMPORAL === 'cluster') {
    log(`${config.mode} run on the dev server and the cluster: ${config.events} events`);
    console.log(renderComparison(await runClusterComparison(config, runBench, log)));
    return;
  }
  if (process.env.BENCH_TEMPORAL !== undefined && process.env.BENCH_TEMPORAL !== 'dev-server') {
    throw new Error(`BENCH_TEMPORAL must be dev-server or cluster, not "${process.env.BENCH_TEMPORAL}"`);
  }
  log(
    `${config.mode} run: ${config.events} events / ${config.videos} videos, scenarios ${[...config.scenarios].join(', ')}`,
  );
  const results = await runBench(config);
  const out = path.resolve(repoRoot, config.out);
  await writeResults(out, results);
  const chart = out.replace(/\.json$/, '') + '.svg';
  await writeFile(chart, renderChart(results));
  // Only a complete default run may speak for the docs; partial or redirected runs stay local.
  const updateDocs =
    process.env.BENCH_UPDATE_DOCS !== undefined
      ? process.env.BENCH_UPDATE_DOCS === '1'
      : config.mode === 'full' &&
        process.env.BENCH_OUT === undefined &&
        process.env.BENCH_SCENARIOS === undefined;
  if (updateDocs) {
    await updateBenchmarksDoc(
      path.join(repoRoot, 'docs', 'BENCHMARKS.md'),
      results,
      path.relative(repoRoot, chart),
    );
  }
  console.log(renderSummaryTable(results));
  log(
    `results: ${path.relative(repoRoot, out)}, chart: ${path.relative(repoRoot, chart)} (${results.duration_s} s)`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  });
}
