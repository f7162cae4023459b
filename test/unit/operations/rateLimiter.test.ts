import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRate, TokenBucket } from '../../../src/operations/rateLimiter';

test('the token bucket lets a burst through, then spaces callers at the rate, each reserving its own slot', () => {
  let now = 1_000_000;
  const bucket = new TokenBucket({ ratePerSecond: 4, burst: 2, now: () => now });
  assert.deepEqual([bucket.reserve(), bucket.reserve()], [0, 0], 'the burst');
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [250, 500, 750]);
  now += 750; // the three reserved slots have passed; the bucket is empty, not in debt
  assert.equal(bucket.reserve(), 250);
  now += 10_000; // a long pause refills only up to the burst
  assert.deepEqual([bucket.reserve(), bucket.reserve(), bucket.reserve()], [0, 0, 250]);
});

test('many callers at once get slots that never exceed rate × time + burst', () => {
  const now = 0;
  const bucket = new TokenBucket({ ratePerSecond: 20, now: () => now });
  const callTimes = Array.from({ length: 200 }, () => now + bucket.reserve());
  for (const t of [0, 49, 50, 999, 1_000, 5_000, 9_000]) {
    const calls = callTimes.filter((at) => at <= t).length;
    assert.ok(calls <= 20 + (20 * t) / 1000, `${calls} calls by ${t} ms`);
  }
  assert.equal(callTimes.at(-1), 9_000, 'the 200th call waits for its slot: (200 − 20) / 20 s');
});

test('--rps accepts positive numbers up to 1000 only', () => {
  assert.equal(parseRate('20'), 20);
  assert.equal(parseRate('0.5'), 0.5);
  for (const bad of ['0', '-1', 'abc', '1e3', '1001', ''])
    assert.throws(() => parseRate(bad), RangeError, bad);
  assert.throws(() => new TokenBucket({ ratePerSecond: 0 }), RangeError);
});
