import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { tailShares } from '../../../bench/latency';
import { pollerCounters, pollerWindow } from '../../../bench/pollerMetrics';
import { createPollerMetrics } from '../../../src/observability/metrics';

test("the bench reads the poller's failure, release, limit and signal-time figures from its real /metrics text", async () => {
  const metrics = createPollerMetrics({ defaultMetrics: false });
  const a = { queue: 'q1', region: 'cn-shanghai' };
  const b = { queue: 'q2', region: 'cn-beijing' };
  metrics.failures.inc({ ...a, class: 'temporal_deadline' }, 3);
  metrics.failures.inc({ ...b, class: 'temporal_deadline' }, 2);
  metrics.failures.inc({ ...a, class: 'temporal_unavailable' }, 1);
  metrics.failures.inc({ ...a, class: 'mns_receive_network' }, 7);
  metrics.releasedForRetry.inc(a, 4);
  metrics.inFlightLimit.set(96);
  metrics.signalLatency.observe(a, 0.25);
  metrics.signalLatency.observe(b, 0.5);
  metrics.signalLatency.observe(b, 1.25);
  const counters = pollerCounters(await metrics.registry.metrics());
  assert.deepEqual(counters, {
    deadline_failures: 5,
    unavailable_failures: 1,
    released_for_retry: 4,
    in_flight_limit: 96,
    signal_seconds: 2,
  });
});

test('a poller that never failed reads as zero failures, not unknown', async () => {
  const metrics = createPollerMetrics({ defaultMetrics: false });
  const counters = pollerCounters(await metrics.registry.metrics());
  assert.equal(counters.deadline_failures, 0);
  assert.equal(counters.released_for_retry, 0);
});

test("a paced run's window counts only the signals after its start, and their tail is exact at the histogram's bounds", async (t) => {
  const metrics = createPollerMetrics();
  const server = createServer((_req, res) => {
    void metrics.registry.metrics().then((text) => res.end(text));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const observe = (seconds: number, times: number, queue = 'q1') => {
    for (let i = 0; i < times; i += 1)
      metrics.signalLatency.observe({ queue, region: 'cn-shanghai' }, seconds);
  };
  observe(0.4, 50); // the warm-up: slow, and left out
  const window = pollerWindow((server.address() as AddressInfo).port);
  await window.start();
  observe(0.02, 60);
  observe(0.02, 30, 'q2');
  observe(0.07, 6);
  observe(0.2, 3);
  observe(0.3, 1, 'q2');
  const seen = await window.finish();
  assert.ok(seen);
  assert.equal(seen.signals, 100);
  assert.deepEqual(seen.signal_tail, { over_50_ms: 0.1, over_100_ms: 0.04, over_250_ms: 0.01 });
  assert.equal(typeof seen.event_loop_delay_p99_ms, 'number');
  assert.equal(typeof seen.event_loop_delay_max_ms, 'number');
  // The broker's per-message figures, on the same bounds.
  assert.deepEqual(
    tailShares([...Array(90).fill(20), ...Array(6).fill(70), 200, 200, 200, 300]),
    seen.signal_tail,
  );
});

test('a poller that does not answer gives no window rather than a made-up one', async () => {
  const window = pollerWindow(9);
  await window.start();
  assert.equal(await window.finish(), null);
});
