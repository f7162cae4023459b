import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { renderChart } from '../../../bench/chart';
import { devServerConfig } from '../../../bench/benchStack';
import { benchConfig } from '../../../bench/config';
import { steadyEventsPerSecond, summarizeLatency } from '../../../bench/latency';
import { parseStatTicks, parseStatusKb, sampleProcess } from '../../../bench/processStats';
import { renderResultsMarkdown } from '../../../bench/report';
import { evaluateTargets, machineInfo, ratio, type BenchResults } from '../../../bench/results';

test('/proc parsing: utime+stime after a command name with spaces and parentheses', () => {
  const stat = '4242 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 250 75 0 0 20 0 1 0';
  assert.equal(parseStatTicks(stat), 325);
  const status =
    'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nRssAnon:\t   81920 kB\nRssFile:\t   20480 kB\n';
  assert.equal(parseStatusKb(status, 'VmHWM'), 200);
  assert.equal(parseStatusKb(status, 'VmRSS'), 100);
  assert.equal(parseStatusKb(status, 'RssAnon'), 80);
  assert.equal(parseStatusKb(status, 'RssFile'), 20);
  assert.ok(Number.isNaN(parseStatusKb('Name: x\n', 'VmHWM')));
});

test('sampling this very process reads plausible CPU and memory', () => {
  const sample = sampleProcess(process.pid);
  assert.ok(sample);
  assert.ok(sample.peakRssMb >= sample.rssMb && sample.rssMb > 1);
  // Linux counts shared memory apart, so the split is at most the whole.
  assert.ok(sample.anonMb > 1 && sample.fileMb > 1);
  assert.ok(sample.anonMb + sample.fileMb <= sample.rssMb + 0.01);
  assert.ok(sample.cpuSeconds >= 0);
  assert.equal(sampleProcess(2 ** 22 + 12345), undefined);
});

test('latency summary uses nearest-rank percentiles', () => {
  const s = summarizeLatency(Array.from({ length: 1000 }, (_, i) => i + 1));
  assert.deepEqual(s, { samples: 1000, p50_ms: 500, p95_ms: 950, p99_ms: 990, max_ms: 1000 });
  assert.equal(ratio(900, 1000), 0.9);
  assert.equal(ratio(1, null), null);
});

test('the steady rate leaves out the first seconds, and needs a whole second after them', () => {
  // A slow first 2 s (10 events), then 100 events/s for 3 s.
  const slowStart = Array.from({ length: 10 }, (_, i) => (i + 1) * 200);
  const steady = Array.from({ length: 300 }, (_, i) => 2_000 + (i + 1) * 10);
  const all = [...slowStart, ...steady];
  assert.equal(steadyEventsPerSecond(all, 2_000), 100);
  assert.equal(steadyEventsPerSecond(all, 0), 62);
  assert.equal(steadyEventsPerSecond(all, 4_500), null);
  assert.equal(steadyEventsPerSecond([], 0), null);
});

test('config: issue defaults, quick mode, and refusal of nonsense', () => {
  const full = benchConfig({});
  assert.equal(full.mode, 'full');
  assert.equal(full.events, 20_000);
  assert.equal(full.videos, 5_000);
  assert.deepEqual(full.scalingEvents, [10_000, 50_000, 100_000]);
  assert.equal(full.out, 'bench/results/latest.json');
  const quick = benchConfig({ BENCH_QUICK: '1', BENCH_SCENARIOS: 'ceiling,poller' });
  assert.equal(quick.mode, 'quick');
  assert.ok(quick.events < full.events);
  assert.deepEqual([...quick.scenarios], ['ceiling', 'poller']);
  assert.throws(() => benchConfig({ BENCH_EVENTS: '-3' }));
  assert.throws(() => benchConfig({ BENCH_SCENARIOS: 'fastest' }));
});

function sampleResults(): BenchResults {
  const r: BenchResults = {
    schema: 1,
    mode: 'quick',
    generated_at: '2026-01-01T00:00:00.000Z',
    command: 'BENCH_QUICK=1 npm run bench',
    duration_s: 10,
    machine: machineInfo('temporal version 1.5.1'),
    setup: { dev_server: 'x', mns: 'y', in_flight: 256, measurement: 'z' },
    workload: { events: 100, videos: 25, seed: 1, naive_events: 50, latency_events: 50 },
    throughput: { ceiling_events_per_s: 600, naive_events_per_s: 100, poller_events_per_s: 560 },
    latency: {
      p50_ms: 20,
      p95_ms: 60,
      p99_ms: 120,
      rate_events_per_s: 300,
      with_warmup_p99_ms: 180,
    },
    memory: { poller_peak_rss_mb: 120, naive_peak_rss_mb: 110, poller_alternate_heap: null },
    cpu: { poller_cpu_cores: 0.8, naive_cpu_cores: 0.2 },
    ratios: { poller_over_ceiling: 0.93, poller_over_naive: 5.6 },
    worker: null,
    scaling: {
      events: [
        {
          events: 1000,
          in_flight: 256,
          poller_events_per_s: 500,
          poller_peak_rss_mb: 100,
          poller_cpu_cores: 0.7,
        },
      ],
      in_flight: [],
    },
    mns_rtt: null,
    load_average_1m: {},
    targets: {},
    scenarios: {},
  };
  r.targets = evaluateTargets(r);
  return r;
}

test('targets are judged on the figures, and a missing figure is "not measured", never "met"', () => {
  const r = sampleResults();
  assert.equal(r.targets.poller_over_ceiling!.met, true);
  assert.equal(r.targets.poller_over_naive!.met, false);
  assert.equal(r.targets.p99_ms_at_half_ceiling!.met, true);
  r.ratios.poller_over_ceiling = null;
  assert.equal(evaluateTargets(r).poller_over_ceiling!.met, null);
});

test('the chart is well-formed SVG carrying the figures; the markdown names the run', () => {
  const r = sampleResults();
  const svg = renderChart(r);
  assert.equal(XMLValidator.validate(svg), true);
  assert.match(svg, /560 ev\/s/);
  assert.match(svg, /not measured/);
  const md = renderResultsMarkdown(r, '../bench/results/latest.svg');
  assert.match(md, /quick mode/);
  assert.match(md, /\| 1000 \| 256 \| 500 \|/);
});

test("the markdown says who held the paced videos, from their histories and the worker SDK's metrics", () => {
  const r = sampleResults();
  const phase = (p50: number, p99: number) => ({ p50, p99, max: p99 });
  const latency = { samples: 10, p50_ms: 60, p95_ms: 90, p99_ms: 100, max_ms: 100 };
  r.worker = {
    ...latency,
    videos: 10,
    measured: 'm',
    paced: {
      ...latency,
      videos: 10,
      videos_per_s: 10,
      measured: 'm',
      phases_ms: {
        signal_to_task_ms: phase(10, 20),
        task_to_publish_scheduled_ms: phase(20, 40),
        play_info_activity_ms: phase(0, 0),
        publish_ms: phase(30, 40),
        workflow_task_run_ms: phase(15, 30),
        publish_dispatch_ms: phase(5, 10),
        publish_run_ms: phase(25, 30),
        server_ms: phase(20, 40),
        worker_ms: phase(40, 60),
        workflow_tasks: phase(1, 2),
        play_info_attempts: phase(1, 1),
      },
      worker_sdk_means: {
        workflow_tasks: 30,
        workflow_task_execution_ms: 12.5,
        workflow_task_schedule_to_start_ms: 4,
        workflow_task_completion_call_ms: 3,
        activities: 10,
        activity_execution_ms: 6,
        activity_schedule_to_start_ms: 2,
        activity_completion_call_ms: 1.5,
      },
    },
  };
  const md = renderResultsMarkdown(r, '../bench/results/latest.svg');
  assert.match(md, /from the histories: with the server 20 \/ 40 ms, with the worker 40 \/ 60 ms/);
  assert.match(md, /30 workflow tasks: to start 4 ms, run 12\.5 ms, completion call 3 ms/);
});

test('BENCH_DEV_SERVER_CONFIG is a list of key=value, and anything else is refused by name', () => {
  assert.deepEqual(devServerConfig(''), []);
  assert.deepEqual(devServerConfig(' system.enableActivityEagerExecution=true , limit.maxIDLength=255 '), [
    'system.enableActivityEagerExecution=true',
    'limit.maxIDLength=255',
  ]);
  assert.throws(() => devServerConfig('system.enableActivityEagerExecution'), /must be key=value/);
  assert.throws(() => devServerConfig('a=b c'), /must be key=value/);
});
