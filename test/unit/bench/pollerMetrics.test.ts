import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pollerCounters } from '../../../bench/pollerMetrics';
import { createPollerMetrics } from '../../../src/observability/metrics';

test("the bench reads the poller's failure, release and limit figures from its real /metrics text", async () => {
  const metrics = createPollerMetrics({ defaultMetrics: false });
  const a = { queue: 'q1', region: 'cn-shanghai' };
  const b = { queue: 'q2', region: 'cn-beijing' };
  metrics.failures.inc({ ...a, class: 'temporal_deadline' }, 3);
  metrics.failures.inc({ ...b, class: 'temporal_deadline' }, 2);
  metrics.failures.inc({ ...a, class: 'temporal_unavailable' }, 1);
  metrics.failures.inc({ ...a, class: 'mns_receive_network' }, 7);
  metrics.releasedForRetry.inc(a, 4);
  metrics.inFlightLimit.set(96);
  const counters = pollerCounters(await metrics.registry.metrics());
  assert.deepEqual(counters, {
    deadline_failures: 5,
    unavailable_failures: 1,
    released_for_retry: 4,
    in_flight_limit: 96,
  });
});

test('a poller that never failed reads as zero failures, not unknown', async () => {
  const metrics = createPollerMetrics({ defaultMetrics: false });
  const counters = pollerCounters(await metrics.registry.metrics());
  assert.equal(counters.deadline_failures, 0);
  assert.equal(counters.released_for_retry, 0);
});
