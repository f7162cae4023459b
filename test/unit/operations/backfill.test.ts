import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { VodApiError } from '../../../src/activities/vodApi';
import {
  alignWindow,
  backfillExitCode,
  backoffMs,
  decideBackfill,
  listingCap,
  paced,
  planWindows,
  RateLimiter,
  splitWindow,
  sweepWindow,
  vodTimeParam,
  type Clock,
  type CreationWindow,
  type PipelineLookup,
  type PipelineStarter,
  type VideoLister,
} from '../../../src/operations/backfill';

/** A clock whose sleeps advance time at once, recording each. */
function fakeClock(start = 1_000_000): Clock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
}

/**
 * GetVideoList's contract over an in-memory catalogue: bounds on whole seconds, both
 * inclusive (the harsher reading), oldest first, only the first 5,000 matches reachable.
 */
function catalogueLister(created: Map<string, number>): VideoLister & { calls: number } {
  const lister = {
    calls: 0,
    page(_region: string, window: CreationWindow, pageNo: number, pageSize: number) {
      lister.calls += 1;
      const matching = [...created]
        .filter(([, at]) => {
          const second = Math.floor(at / 1000) * 1000;
          return second >= window.startMs && second <= window.endMs;
        })
        .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
      const first = (pageNo - 1) * pageSize;
      const page = first >= listingCap ? [] : matching.slice(first, Math.min(first + pageSize, listingCap));
      return Promise.resolve({
        total: matching.length,
        videos: page.map(([videoId, at]) => ({
          videoId,
          status: 'Normal',
          creationTime: vodTimeParam(at),
          appId: videoId.startsWith('other') ? 'app-other' : 'app-1000000',
        })),
      });
    },
  };
  return lister;
}

test('windows are whole seconds; halves meet at a whole second and cover the window', () => {
  assert.deepEqual(alignWindow(1_500, 4_200), { startMs: 1_000, endMs: 5_000 });
  assert.deepEqual(alignWindow(2_000, 2_000), { startMs: 2_000, endMs: 3_000 }, 'at least one second');
  assert.equal(splitWindow({ startMs: 0, endMs: 1_000 }), null, 'one second cannot be split');
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e9 }), fc.integer({ min: 2, max: 1e7 }), (startS, seconds) => {
      const window = { startMs: startS * 1000, endMs: (startS + seconds) * 1000 };
      const [a, b] = splitWindow(window)!;
      assert.equal(a.startMs, window.startMs);
      assert.equal(a.endMs, b.startMs);
      assert.equal(b.endMs, window.endMs);
      assert.ok(a.endMs > a.startMs && b.endMs > b.startMs);
      assert.equal(a.endMs % 1000, 0);
    }),
  );
  assert.equal(vodTimeParam(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), '2026-01-02T03:04:05Z');
});

test('the decision: start when there is no pipeline, restart a stalled one, leave the rest', () => {
  const cases: Array<[PipelineLookup, string]> = [
    [{ kind: 'none' }, 'start'],
    [{ kind: 'open' }, 'leave'],
    [{ kind: 'closed', executionStatus: 'COMPLETED', vodStatus: 'stalled' }, 'restart'],
    [{ kind: 'closed', executionStatus: 'COMPLETED', vodStatus: 'completed' }, 'leave'],
    [{ kind: 'closed', executionStatus: 'COMPLETED', vodStatus: 'failed' }, 'leave'],
    [{ kind: 'closed', executionStatus: 'COMPLETED', vodStatus: 'deleted' }, 'leave'],
    [{ kind: 'closed', executionStatus: 'CANCELLED', vodStatus: 'waiting' }, 'leave'],
    [{ kind: 'closed', executionStatus: 'TERMINATED' }, 'leave'],
    // A run terminated while it said stalled was not a stalled ending.
    [{ kind: 'closed', executionStatus: 'TERMINATED', vodStatus: 'stalled' }, 'leave'],
  ];
  for (const [lookup, action] of cases)
    assert.equal(decideBackfill(lookup).action, action, JSON.stringify(lookup));
  assert.deepEqual(decideBackfill({ kind: 'closed', executionStatus: 'CANCELLED' }), {
    action: 'leave',
    outcome: 'finished',
    detail: 'cancelled',
  });
});

test('the planner splits until every window lists at most 5,000 videos, and they cover every video', async () => {
  const created = new Map<string, number>();
  const start = Date.UTC(2026, 0, 1);
  // 12,000 videos over a day, with 5,100 of them in one busy hour and 300 in one second.
  for (let i = 0; i < 6_600; i += 1) created.set(`spread-${i}`, start + Math.floor((i / 6_600) * 86_400_000));
  for (let i = 0; i < 5_100; i += 1) created.set(`busy-${i}`, start + 3_600_000 + i * 700);
  for (let i = 0; i < 300; i += 1) created.set(`second-${i}`, start + 7_200_500);
  const lister = catalogueLister(created);
  const range = alignWindow(start, start + 86_400_000);
  const plan = await planWindows(lister, 'cn-shanghai', range);
  assert.deepEqual(plan.overCap, []);
  assert.ok(plan.windows.every((w) => w.total <= listingCap));
  assert.ok(plan.windows.length >= 3, `${plan.windows.length} windows`);
  for (let i = 1; i < plan.windows.length; i += 1) {
    assert.ok(
      plan.windows[i]!.startMs >= plan.windows[i - 1]!.endMs,
      'oldest first, no overlap but a shared second',
    );
  }
  const swept = await sweepWindowsOf(lister, plan.windows);
  assert.equal(swept.size, created.size, 'every video listed once');
});

test('a one-second window over the cap is reported, not looped on', async () => {
  const created = new Map<string, number>();
  for (let i = 0; i < 5_001; i += 1) created.set(`v-${i}`, 10_000_400);
  const plan = await planWindows(catalogueLister(created), 'cn-shanghai', alignWindow(0, 20_000_000));
  // With both bounds inclusive, the busy second is in the windows on either side of it.
  assert.ok(plan.overCap.length >= 1 && plan.overCap.length <= 2, `${plan.overCap.length}`);
  for (const window of plan.overCap) {
    assert.equal(window.total, 5_001);
    assert.equal(window.endMs - window.startMs, 1_000);
    assert.ok(window.startMs <= 10_000_000 && window.endMs >= 10_000_000);
  }
});

async function sweepWindowsOf(lister: VideoLister, windows: CreationWindow[]): Promise<Set<string>> {
  const started = new Set<string>();
  const seen = new Set<string>();
  const pipelines: PipelineStarter = {
    lookup: () => Promise.resolve({ kind: 'none' }),
    start: (id) => {
      assert.ok(!started.has(id), `${id} started twice`);
      started.add(id);
      return Promise.resolve('started');
    },
  };
  for (const window of windows) await sweepWindow({ lister, pipelines }, 'cn-shanghai', window, { seen });
  return started;
}

test('the sweep starts missing ones, restarts stalled ones, leaves the rest, and a dry run starts nothing', async () => {
  const created = new Map<string, number>();
  for (const id of ['missing-1', 'missing-2', 'stalled-1', 'open-1', 'done-1', 'other-1', 'broken-1']) {
    created.set(id, 5_000_000 + created.size * 1000);
  }
  const lookups: Record<string, PipelineLookup> = {
    'stalled-1': { kind: 'closed', executionStatus: 'COMPLETED', vodStatus: 'stalled' },
    'open-1': { kind: 'open' },
    'done-1': { kind: 'closed', executionStatus: 'COMPLETED', vodStatus: 'completed' },
  };
  const starts: Array<[string, boolean]> = [];
  const pipelines: PipelineStarter = {
    lookup: (id) =>
      id === 'broken-1'
        ? Promise.reject(new Error('deadline exceeded'))
        : Promise.resolve(lookups[id] ?? { kind: 'none' }),
    start: (id, _region, replacing) => {
      starts.push([id, replacing]);
      return Promise.resolve(id === 'missing-2' ? 'exists' : 'started');
    },
  };
  const window = alignWindow(4_000_000, 20_000_000);
  const dry = await sweepWindow({ lister: catalogueLister(created), pipelines }, 'r', window, {
    dryRun: true,
    appId: 'app-1000000',
  });
  assert.deepEqual(starts, []);
  assert.equal(dry.counts.started, 2);

  const report = await sweepWindow({ lister: catalogueLister(created), pipelines }, 'r', window, {
    appId: 'app-1000000',
  });
  assert.deepEqual(starts.sort(), [
    ['missing-1', false],
    ['missing-2', false],
    ['stalled-1', true],
  ]);
  assert.deepEqual(report.counts, {
    started: 1,
    restarted: 1,
    running: 2,
    finished: 1,
    otherApp: 1,
    failed: 1,
  });
  assert.equal(report.listed, 7);
  assert.deepEqual(report.failures, [{ videoId: 'broken-1', error: 'deadline exceeded' }]);
  assert.equal(backfillExitCode(report), 1);
});

test('the rate limiter spaces calls evenly; Throttling is retried with backoff and slows it down', async () => {
  const clock = fakeClock();
  const limiter = new RateLimiter(20, clock);
  const t0 = clock.now();
  for (let i = 0; i < 5; i += 1) await limiter.take();
  assert.equal(clock.now() - t0, 200, 'five calls at 20/s: the fifth 200 ms after the first');

  let calls = 0;
  const throttled = new VodApiError('GetVideoList', 'Throttling.User', 'throttled', 'denied');
  const result = await paced(
    limiter,
    () => {
      calls += 1;
      return calls <= 2 ? Promise.reject(throttled) : Promise.resolve('page');
    },
    { clock, policy: { attempts: 5, initialMs: 1_000, maxMs: 8_000 } },
  );
  assert.equal(result, 'page');
  assert.equal(calls, 3);
  const backoffs = clock.sleeps.filter((ms) => ms >= 500);
  assert.ok(
    backoffs.length >= 2 && backoffs[0]! >= 500 && backoffs[0]! <= 1_000 && backoffs[1]! >= 1_000,
    `${backoffs}`,
  );

  const denied = new VodApiError('GetVideoList', 'InvalidParameter', 'client', 'bad');
  let clientCalls = 0;
  await assert.rejects(
    paced(
      limiter,
      () => {
        clientCalls += 1;
        return Promise.reject(denied);
      },
      { clock },
    ),
    denied,
  );
  assert.equal(clientCalls, 1, 'a client error is not retried');

  let always = 0;
  await assert.rejects(
    paced(
      limiter,
      () => {
        always += 1;
        return Promise.reject(throttled);
      },
      { clock, policy: { attempts: 3, initialMs: 10, maxMs: 10 } },
    ),
    throttled,
  );
  assert.equal(always, 3, 'gives up after the policy’s attempts');
});

test('backoff doubles to its ceiling and stays in the upper half of each step', () => {
  const policy = { attempts: 10, initialMs: 1_000, maxMs: 30_000 };
  for (let attempt = 1; attempt < 10; attempt += 1) {
    const ceiling = Math.min(30_000, 1_000 * 2 ** (attempt - 1));
    assert.equal(
      backoffMs(policy, attempt, () => 0),
      ceiling / 2,
    );
    assert.equal(
      backoffMs(policy, attempt, () => 0.999999),
      Math.round(ceiling / 2 + 0.999999 * (ceiling / 2)),
    );
  }
});
