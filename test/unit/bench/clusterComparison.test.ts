import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  renderComparison,
  type ClusterComparison,
  type ServerFigures,
} from '../../../bench/clusterComparison';

function figures(overrides: Partial<ServerFigures> = {}): ServerFigures {
  return {
    ceiling_events_per_s: 300,
    ceiling_call_p50_ms: 150,
    ceiling_call_p99_ms: 400,
    ceiling_failures: 0,
    poller_events_per_s: 280,
    poller_cpu_cores: 0.3,
    poller_over_ceiling: 0.93,
    poller_over_ceiling_median: null,
    poller_over_loaded_ceiling_median: null,
    steady_poller_over_ceiling_median: null,
    poller_cores_per_1k: 1.07,
    ceiling_client_cores_per_1k: 0.9,
    poller_peak_rss_mb: 118,
    poller_rss_split_mb: null,
    paced_p99_ms: 80,
    bare_paced_p99_ms: 60,
    paced_p99_over_bare: 1.33,
    paced_p99_over_bare_median: null,
    worker_paced_p99_ms: 250,
    worker_burst_p99_ms: 3000,
    worker_paced_videos_per_s: null,
    worker_paced_phases_ms: null,
    worker_paced_sdk_means: null,
    backlog_line: null,
    in_flight_line: null,
    slowed_delivered: null,
    slowed_events: null,
    slowed_caught_up_s: null,
    load_average_1m: {},
    ...overrides,
  };
}

function comparison(dev: ServerFigures, cluster: ServerFigures): ClusterComparison {
  return {
    generatedAt: '2026-11-30T00:00:00.000Z',
    mode: 'quick',
    events: 2000,
    in_flight: 64,
    cores: 2,
    dev_server: dev,
    cluster: { ...cluster, address: '127.0.0.1:7233' },
    duration_s: 1,
  };
}

test('the comparison leaves out the lines of scenarios neither server ran', () => {
  const table = renderComparison(comparison(figures(), figures()));
  assert.match(table, /\| \*\*poller ÷ ceiling\*\* \| 0\.93 \| 0\.93 \|/);
  assert.doesNotMatch(table, /in-flight line/);
  assert.doesNotMatch(table, /Temporal slowed/);
  assert.doesNotMatch(table, /backlog line/);
});

test('the lines, overload and slowed-Temporal figures are set side by side, a dash where one server has none', () => {
  const table = renderComparison(
    comparison(
      figures({
        in_flight_line: [
          { in_flight: 16, events_per_s: 120.5, deadline_failures: 0, limit_at_end: 16 },
          { in_flight: 1024, events_per_s: 300, deadline_failures: 0, limit_at_end: 640 },
        ],
        slowed_delivered: 9000,
        slowed_events: 9000,
        slowed_caught_up_s: 7.1,
      }),
      figures({
        in_flight_line: [{ in_flight: 16, events_per_s: 60, deadline_failures: 2, limit_at_end: null }],
      }),
    ),
  );
  assert.match(
    table,
    /\| in-flight line: events\/s, deadline failures, limit at end \| 16: 120\.5, 0, 16; 1024: 300, 0, 640 \| 16: 60, 2, – \|/,
  );
  assert.match(
    table,
    /\| Temporal slowed: delivered, caught up after the window \| 9000 of 9000, 7\.1 s \| – \|/,
  );
});

test('the RSS split and the video-ready phases are shown where a server has them', () => {
  const phase = (p50: number, p99: number) => ({ p50, p99, max: p99 });
  const table = renderComparison(
    comparison(
      figures({ poller_rss_split_mb: { anon: 96.5, file: 21.4 } }),
      figures({
        worker_paced_videos_per_s: 5,
        worker_paced_phases_ms: {
          signal_to_task_ms: phase(20, 90),
          task_to_publish_scheduled_ms: phase(40, 200),
          play_info_activity_ms: phase(0, 0),
          publish_ms: phase(30, 120),
          workflow_task_run_ms: phase(25, 150),
          publish_dispatch_ms: phase(5, 40),
          publish_run_ms: phase(25, 80),
          server_ms: phase(40, 160),
          worker_ms: phase(50, 230),
          workflow_tasks: phase(1, 2),
          play_info_attempts: phase(1, 1),
        },
      }),
    ),
  );
  assert.match(table, /\| largest sampled RSS: anonymous \+ mapped files \| 96\.5 \+ 21\.4 MB \| – \|/);
  assert.match(
    table,
    /\| video ready, paced: where the time goes, p50 \/ p99 \| – \| at 5 videos\/s: with the server 40 \/ 160 ms, with the worker 50 \/ 230 ms \(signal → task 20 \/ 90 ms, task → webhook scheduled 40 \/ 200 ms, webhook 30 \/ 120 ms\) \|/,
  );
});
