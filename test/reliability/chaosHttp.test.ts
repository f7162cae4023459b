/**
 * The chaos run in HTTP mode: VOD posts every event to `vodflow ingress` (a child process),
 * which is SIGKILLed for 10 s while VOD pushes. VOD tries each event three times a second
 * apart and then drops it, as the real service does, so those events are lost for good; the
 * videos some of whose events still arrived must reach their final state through the
 * workflow's reconciliation, nothing may be published twice, and poison (posted, signed) must
 * end in the dead-letter queue. Videos none of whose events arrived are undiscoverable to any
 * receiver (a backfill sweep's job), and the checker counts them apart, as in MNS mode.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { httpShortRunOptions, runChaos } from '../../reliability/chaosRun';

test(
  'chaos in HTTP mode: the ingress killed for 10 s, VOD drops what it could not push, nothing lost of what arrived, nothing applied twice',
  { timeout: 300_000 },
  async (t) => {
    const result = await runChaos({ ...httpShortRunOptions, log: (m) => t.diagnostic(m) });
    const { check, ...figures } = result;
    t.diagnostic(JSON.stringify(figures));
    if (!check.ok) t.diagnostic(JSON.stringify(check.findings.slice(0, 30)));

    // The outage really cost events, and some videos lost only part of theirs.
    assert.equal(result.callback, 'http');
    assert.equal(result.faults['kill-ingress'], 1);
    assert.ok(result.events_dropped_after_3_attempts > 0, 'VOD gave events up after three failed pushes');
    assert.ok(result.videos_partially_delivered > 0, 'some videos lost part of their events');
    assert.equal(result.unexpected_exits.ingress, 0);

    assert.deepEqual(check.failures, []);
    assert.equal(result.events_lost, 0);
    assert.equal(result.effects_duplicated, 0);
    assert.equal(result.queue_left, 0);
    assert.equal(check.dlq_planted_found, result.poison_planted);
    assert.equal(result.videos_completed, result.videos - check.videos_undiscoverable);
    assert.equal(check.videos_undiscoverable, result.videos_undelivered);
  },
);
