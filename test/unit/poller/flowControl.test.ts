import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff, pause } from '../../../src/poller/backoff';
import { CircuitBreaker } from '../../../src/poller/circuitBreaker';
import { InFlightSlots } from '../../../src/poller/inFlightSlots';

test('backoff grows exponentially up to its cap, jittered below the ceiling, and resets', () => {
  const top = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 1 });
  assert.deepEqual(
    Array.from({ length: 6 }, () => top.next()),
    [100, 200, 400, 800, 1_000, 1_000],
  );
  top.reset();
  assert.equal(top.next(), 100);
  const jittered = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0.25 });
  assert.equal(jittered.next(), 25);
  const zero = new Backoff({ initialMs: 100, maxMs: 1_000, random: () => 0 });
  assert.equal(zero.next(), 1, 'never a zero delay');
});

test('in-flight slots hand out at most the capacity and wake waiters on release', async () => {
  const slots = new InFlightSlots(5);
  assert.equal(await slots.acquireUpTo(4), 4);
  assert.equal(await slots.acquireUpTo(4), 1, 'only what is left');
  let got = -1;
  const waiting = slots.acquireUpTo(16).then((n) => (got = n));
  await pause(5);
  assert.equal(got, -1, 'blocked while full');
  slots.release(3);
  await waiting;
  assert.equal(got, 3);
  assert.equal(slots.inUse, 5);

  const abort = new AbortController();
  const aborted = slots.acquireUpTo(1, abort.signal);
  abort.abort();
  assert.equal(await aborted, 0, 'an aborted wait takes nothing');
  assert.equal(slots.inUse, 5);
});

test('the circuit breaker opens after consecutive failures, probes until up, then releases receivers', async () => {
  let probeCalls = 0;
  let up = false;
  const states: string[] = [];
  const breaker = new CircuitBreaker({
    failureThreshold: 2,
    probe: () => {
      probeCalls += 1;
      return up ? Promise.resolve() : Promise.reject(new Error('down'));
    },
    probeBackoff: new Backoff({ initialMs: 2, maxMs: 4, random: () => 1 }),
    onStateChange: (s) => states.push(s),
  });
  breaker.recordFailure();
  breaker.recordSuccess();
  breaker.recordFailure();
  assert.equal(breaker.state, 'closed', 'a success in between resets the count');
  breaker.recordFailure();
  assert.equal(breaker.state, 'open');

  let released = false;
  const receiver = breaker.whenClosed().then(() => (released = true));
  for (let i = 0; i < 200 && probeCalls < 3; i += 1) await pause(2);
  assert.ok(probeCalls >= 3, 'probing while down');
  assert.equal(released, false);
  up = true;
  await receiver;
  assert.equal(breaker.state, 'closed');
  assert.deepEqual(states, ['open', 'closed']);

  breaker.recordFailure();
  breaker.recordFailure();
  const stopper = new AbortController();
  const waiting = breaker.whenClosed(stopper.signal);
  stopper.abort();
  await waiting;
  up = false;
  await breaker.stop();
});
