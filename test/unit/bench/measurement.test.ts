import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XMLValidator } from 'fast-xml-parser';
import { renderChart } from '../../../bench/chart';
import { benchConfig } from '../../../bench/config';
import { steadyEventsPerSecond, summarizeLatency } from '../../../bench/latency';
import { parseStatTicks, parseStatusKb, sampleProcess } from '../../../bench/processStats';
import { renderResultsMarkdown } from '../../../bench/report';
import { evaluateTargets, machineInfo, ratio, type BenchResults } from '../../../bench/results';

test('/proc parsing: utime+stime after a command name with spaces and parentheses', () => {
  const stat = '4242 (node (x) y) S 1 2 3 4 5 6 7 8 9 10 250 75 0 0 20 0 1 0';
  assert.equal(parseStatTicks(stat), 325);
  const status = 'Name:\tnode\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\n';
  assert.equal(parseStatusKb(status, 'VmHWM'), 200);
  assert.equal(parseStatusKb(status, 'VmRSS'), 100);
  assert.ok(Number.isNaN(parseStatusKb('Name: x\n', 'VmHWM')));
});

test('sampling this very process reads plausible CPU and memory', () => {
  const sample = sampleProcess(process.pid);
  assert.ok(sample);
  assert.ok(sample.peakRssMb >= sample.rssMb && sample.rssMb > 1);
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
