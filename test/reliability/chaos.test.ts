/**
 * The short seeded chaos run (about 200 videos, every fault kind a few times) against the
 * real stack: Temporal, MNS emulator, two pollers and two workers as child processes, the VOD
 * emulator and a webhook sink in process. Temporal is a dev server of the run's own, or, under
 * `npm run test:cluster` (VODFLOW_TEST_CLUSTER_DIR set), the self-hosted cluster over mTLS with
 * its own faults: both history processes and matching SIGKILLed, the frontend and PostgreSQL
 * restarted. The independent checker's verdict is the assertion; the figures go to the log.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterRunOptions, runChaos, shortRunOptions } from '../../reliability/chaosRun';

const clusterDir = process.env.VODFLOW_TEST_CLUSTER_DIR?.trim() || undefined;

test(
  'short chaos run: nothing lost, nothing applied twice, only poison dead-lettered',
  { timeout: 600_000 },
  async (t) => {
    const options = clusterDir ? { ...clusterRunOptions, clusterStateDir: clusterDir } : shortRunOptions;
    const result = await runChaos({ ...options, log: (m) => t.diagnostic(m) });
    const { check, ...figures } = result;
    t.diagnostic(JSON.stringify(figures));
    if (!check.ok) t.diagnostic(JSON.stringify(check.findings.slice(0, 30)));

    // The faults really happened (a run without them would prove nothing).
    assert.ok(result.faults['kill-poller'] >= 10, 'pollers killed at least 10 times');
    assert.ok(result.faults['kill-worker'] >= 3, 'workers killed at least 3 times');
    assert.ok(result.unexpected_exits['worker-1'] !== undefined, 'two workers ran');
    if (clusterDir) {
      assert.equal(result.temporal, 'cluster');
      assert.ok(result.faults['kill-history'] >= 2, 'both history processes SIGKILLed');
      assert.ok(result.faults['kill-matching'] >= 1, 'matching SIGKILLed');
      assert.ok(result.faults['restart-frontend'] >= 1, 'frontend restarted');
      assert.ok(result.faults['restart-postgres'] >= 1, 'PostgreSQL restarted');
    } else {
      assert.ok(result.faults['restart-temporal'] >= 1, 'Temporal restarted');
    }
    assert.ok(result.faults.mns_5xx_injected > 0, 'MNS answered 5xx');
    assert.ok(result.duplicates_injected > 0, 'duplicates were injected');
    assert.ok(result.events_dropped_by_vod > 0, 'VOD dropped events');
    assert.equal(result.unexpected_exits.temporal, 0);

    assert.deepEqual(check.failures, []);
    assert.equal(result.events_lost, 0);
    assert.equal(result.effects_duplicated, 0);
    assert.equal(result.queue_left, 0);
    assert.equal(check.dlq_planted_found, result.poison_planted);
    assert.equal(result.dlq_count, result.poison_planted);
    assert.equal(result.videos_completed, result.videos - check.videos_undiscoverable);
  },
);
