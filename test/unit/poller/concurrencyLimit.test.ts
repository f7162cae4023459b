import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConcurrencyLimit, type LimitChange } from '../../../src/poller/concurrencyLimit';

/** Feeds one window of `samples` successful calls of `latencyMs`, ending `windowMs` after `atMs`. */
function window(
  limiter: ConcurrencyLimit,
  atMs: number,
  latencyMs: number,
  inFlight = limiter.limit,
  samples = 10,
): LimitChange[] {
  const changes: LimitChange[] = [];
  for (let i = 0; i < samples; i += 1) {
    const startedAtMs = atMs + (100 * (i + 1)) / samples - latencyMs;
    changes.push(limiter.record({ startedAtMs, latencyMs, inFlight, failed: false }));
  }
  return changes;
}

test('starts at the configured maximum and never exceeds it while latency stays at the baseline', () => {
  const limiter = new ConcurrencyLimit({ max: 64 });
  assert.equal(limiter.limit, 64);
  for (let w = 0; w < 20; w += 1) window(limiter, w * 100, 20);
  assert.equal(limiter.limit, 64);
  assert.equal(limiter.baseline, 20);
});

test('a window is judged only once it is long enough and holds enough calls', () => {
  const limiter = new ConcurrencyLimit({ max: 100, initial: 10 });
  const first = window(limiter, 0, 20, 10, 9);
  assert.deepEqual(new Set(first), new Set(['held']), 'nine calls are not a window');
  assert.equal(limiter.baseline, null);
  assert.equal(limiter.record({ startedAtMs: 90, latencyMs: 20, inFlight: 10, failed: false }), 'grew');
  assert.equal(limiter.baseline, 20);
});

test('grows by about the square root of the limit per window at the baseline, up to the maximum', () => {
  const limiter = new ConcurrencyLimit({ max: 1_000, initial: 16 });
  const seen = [limiter.limit];
  for (let w = 0; w < 5; w += 1) {
    window(limiter, w * 100, 20);
    seen.push(limiter.limit);
  }
  // 16 → 16 + √16/2 = 18 → 18 + √18/2 ≈ 20.1 …
  assert.deepEqual(seen, [16, 18, 20, 22, 24, 27]);
  for (let w = 5; w < 400; w += 1) window(limiter, w * 100, 20);
  assert.equal(limiter.limit, 1_000);
});

test('does not grow while the queue leaves most of the limit unused', () => {
  const limiter = new ConcurrencyLimit({ max: 1_000, initial: 100 });
  for (let w = 0; w < 10; w += 1) assert.ok(window(limiter, w * 100, 20, 40).every((c) => c === 'held'));
  assert.equal(limiter.limit, 100);
});

test('latency beyond twice the baseline shrinks the limit, by at most half per window', () => {
  const limiter = new ConcurrencyLimit({ max: 512 });
  window(limiter, 0, 20);
  assert.equal(limiter.limit, 512);
  // Within tolerance: 1.9 × the baseline is still fine.
  window(limiter, 100, 38);
  assert.equal(limiter.limit, 512);
  // 4 × the baseline: gradient about 0.5 (the baseline drifted up a little), target 256 + √512,
  // halfway there.
  assert.equal(window(limiter, 200, 80).at(-1), 'shrank');
  const expected = 512 + (256 + Math.sqrt(512) - 512) / 2;
  assert.ok(Math.abs(limiter.limit - expected) <= 1, `${limiter.limit} ≈ ${expected}`);
  // Far beyond: never more than the 0.5 gradient per window.
  const before = limiter.limit;
  window(limiter, 300, 10_000);
  assert.ok(limiter.limit >= Math.floor(before * 0.75), `${limiter.limit} vs ${before}`);
  assert.ok(limiter.limit < before);
});

test('the baseline drops at once to a faster window and drifts up only slowly', () => {
  const limiter = new ConcurrencyLimit({ max: 64, baselineWindows: 9 });
  window(limiter, 0, 50);
  assert.equal(limiter.baseline, 50);
  window(limiter, 100, 10);
  assert.equal(limiter.baseline, 10);
  window(limiter, 200, 30);
  // alpha = 2 / (9 + 1) = 0.2: 10 + 0.2 × 20.
  assert.equal(limiter.baseline, 14);
});

test('a failure halves the limit once; failures of calls started before that cut are its echo', () => {
  const limiter = new ConcurrencyLimit({ max: 1_024 });
  const failed = (startedAtMs: number, latencyMs = 10_000) =>
    limiter.record({ startedAtMs, latencyMs, inFlight: 1_024, failed: true });
  assert.equal(failed(0), 'cut');
  assert.equal(limiter.limit, 512);
  // The same wave of deadline failures: started before the cut at 10 000 ms.
  for (let t = 1; t < 200; t += 1) assert.equal(failed(t * 10), 'held');
  assert.equal(limiter.limit, 512);
  // A call started after the cut failing too: congestion persists, cut again.
  assert.equal(failed(10_001), 'cut');
  assert.equal(limiter.limit, 256);
});

test('never falls below the floor, and recovers from it once latency is back at the baseline', () => {
  const limiter = new ConcurrencyLimit({ max: 256, min: 4 });
  for (let i = 0; i < 20; i += 1) {
    limiter.record({ startedAtMs: i * 1_000, latencyMs: 500, inFlight: 256, failed: true });
  }
  assert.equal(limiter.limit, 4);
  for (let w = 0; w < 200; w += 1) window(limiter, 30_000 + w * 100, 20);
  assert.equal(limiter.limit, 256);
});

test('a maximum below the default floor is both floor and ceiling', () => {
  const limiter = new ConcurrencyLimit({ max: 2 });
  limiter.record({ startedAtMs: 0, latencyMs: 10, inFlight: 2, failed: true });
  assert.equal(limiter.limit, 2);
  assert.throws(() => new ConcurrencyLimit({ max: 0 }), /max >= 1/);
});

test('latency under the floor is not congestion, however far above the baseline', () => {
  const limiter = new ConcurrencyLimit({ max: 256, latencyFloorMs: 1_000 });
  window(limiter, 0, 10);
  // 50 × the baseline, but under the floor: a far cluster, not an overloaded one.
  for (let w = 1; w < 20; w += 1) window(limiter, w * 100, 500);
  assert.equal(limiter.limit, 256);
  // Past the floor: queueing that approaches the deadline, cut.
  assert.equal(window(limiter, 2_000, 4_000).at(-1), 'shrank');
  assert.ok(limiter.limit < 256);
});
