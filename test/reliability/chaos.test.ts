/**
 * The short seeded chaos run (about 200 videos, every fault kind a few times) against the
 * real stack: Temporal dev server, MNS emulator, two pollers and a worker as child
 * processes, the VOD emulator and a webhook sink in process. The independent checker's
 * verdict is the assertion; the figures are printed for the log.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos, shortRunOptions } from '../../reliability/chaosRun';

test(
  'short chaos run: nothing lost, nothing applied twice, only poison dead-lettered',
  { timeout: 600_000 },
  async (t) => {
    const result = await runChaos({ ...shortRunOptions, log: (m) => t.diagnostic(m) });
    const { check, ...figures } = result;
    t.diagnostic(JSON.stringify(figures));
    if (!check.ok) t.diagnostic(JSON.stringify(check.findings.slice(0, 30)));

    // The faults really happened (a run without them would prove nothing).
    assert.ok(result.faults['kill-poller'] >= 10, 'pollers killed at least 10 times');
    assert.ok(result.faults['kill-worker'] >= 3, 'worker killed at least 3 times');
    assert.ok(result.faults['restart-temporal'] >= 1, 'Temporal restarted');
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
