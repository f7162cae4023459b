import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff } from '../../../src/poller/backoff';
import { DeleteBatcher } from '../../../src/poller/deleteBatcher';
import { Lease } from '../../../src/poller/lease';
import type {
  DeleteFailure,
  QueueMessage,
  QueueTransport,
  VisibilityLease,
} from '../../../src/poller/queueTransport';
import { VisibilityExtender } from '../../../src/poller/visibilityExtender';
import { ServerClock } from '../../../src/poller/serverClock';

/** Records calls and answers as MNS would for the handles it knows; a port double for pure logic. */
class RecordingQueue implements QueueTransport {
  deleteCalls: string[][] = [];
  changeCalls: string[] = [];
  live = new Set<string>();
  failDeletes = 0;
  changeGate: Promise<void> = Promise.resolve();
  private counter = 0;

  receive(): Promise<QueueMessage[]> {
    return Promise.resolve([]);
  }
  deleteBatch(handles: string[]): Promise<DeleteFailure[]> {
    this.deleteCalls.push(handles);
    if (this.failDeletes > 0) {
      this.failDeletes -= 1;
      const err = new Error('DELETE failed with 500. message: Interal error.');
      err.name = 'MNSInternalErrorError';
      return Promise.reject(err);
    }
    const failures = handles
      .filter((h) => !this.live.has(h))
      .map((h) => ({ receiptHandle: h, errorCode: 'MessageNotExist', errorMessage: 'Message not exist.' }));
    for (const h of handles) this.live.delete(h);
    return Promise.resolve(failures);
  }
  async changeVisibility(handle: string, seconds: number): Promise<VisibilityLease> {
    this.changeCalls.push(handle);
    await this.changeGate;
    if (!this.live.has(handle)) {
      const err = new Error('PUT failed with 404. message: Message not exist.');
      err.name = 'MNSMessageNotExistError';
      throw err;
    }
    this.live.delete(handle);
    this.counter += 1;
    const next = `${handle}~${this.counter}`;
    this.live.add(next);
    return {
      receiptHandle: next,
      nextVisibleTime: 1_000_000 + seconds * 1000,
      leaseEndsAt: 1_000_000 + seconds * 1000,
    };
  }
  sendDeadLetter(): Promise<string> {
    return Promise.resolve('dlq-id');
  }
}

function message(handle: string, nextVisibleTime = 100_000): QueueMessage {
  return {
    messageId: `id-${handle}`,
    receiptHandle: handle,
    body: '{}',
    bodyMd5: '',
    enqueueTime: 0,
    nextVisibleTime,
    leaseEndsAt: nextVisibleTime,
    firstDequeueTime: 0,
    dequeueCount: 1,
    priority: 8,
  };
}

test('deletes are batched up to 16 per call; stale handles are reported as stale, not failed', async () => {
  const queue = new RecordingQueue();
  const batcher = new DeleteBatcher({
    transport: queue,
    maxBatch: 16,
    lingerMs: 5,
    maxAttempts: 3,
    backoff: () => new Backoff({ initialMs: 1, maxMs: 2 }),
    now: () => 0,
  });
  const leases = Array.from({ length: 20 }, (_, i) => new Lease(message(`h${i}`)));
  for (const lease of leases.slice(0, 19)) queue.live.add(lease.receiptHandle);
  const outcomes = await Promise.all(leases.map((l) => batcher.delete(l)));
  assert.deepEqual(
    queue.deleteCalls.map((c) => c.length),
    [16, 4],
  );
  assert.deepEqual(outcomes.slice(0, 19), Array(19).fill('deleted'));
  assert.equal(outcomes[19], 'stale');
});

test('the linger scales with busyness: a delete goes out at once when idle, waits the linger when every slot is taken', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const queue = new RecordingQueue();
  let busyness = 0;
  const batcher = new DeleteBatcher({
    transport: queue,
    maxBatch: 16,
    lingerMs: 1_000,
    maxAttempts: 1,
    backoff: () => new Backoff({ initialMs: 1, maxMs: 1 }),
    now: () => 0,
    busyness: () => busyness,
  });
  const idle = new Lease(message('idle'));
  queue.live.add('idle');
  const idleDeleted = batcher.delete(idle);
  t.mock.timers.tick(0);
  assert.equal(await idleDeleted, 'deleted');
  assert.deepEqual(queue.deleteCalls, [['idle']]);

  busyness = 1;
  const busy = ['b1', 'b2'].map((h) => {
    queue.live.add(h);
    return batcher.delete(new Lease(message(h)));
  });
  t.mock.timers.tick(999);
  await Promise.resolve();
  assert.equal(queue.deleteCalls.length, 1, 'still lingering for company');
  t.mock.timers.tick(1);
  assert.deepEqual(await Promise.all(busy), ['deleted', 'deleted']);
  assert.deepEqual(queue.deleteCalls, [['idle'], ['b1', 'b2']]);

  busyness = 0.5;
  queue.live.add('half');
  const half = batcher.delete(new Lease(message('half')));
  t.mock.timers.tick(499);
  await Promise.resolve();
  assert.equal(queue.deleteCalls.length, 2, 'half the linger at half the load');
  t.mock.timers.tick(1);
  assert.equal(await half, 'deleted');
});

test('a failing BatchDeleteMessage is retried while leases last, then reported failed', async () => {
  const queue = new RecordingQueue();
  const options = {
    transport: queue,
    maxBatch: 16,
    lingerMs: 0,
    maxAttempts: 3,
    backoff: () => new Backoff({ initialMs: 1, maxMs: 2 }),
    now: () => 0,
  };
  const lease = new Lease(message('a'));
  queue.live.add('a');
  queue.failDeletes = 2;
  assert.equal(await new DeleteBatcher(options).delete(lease), 'deleted');
  assert.equal(queue.deleteCalls.length, 3);

  const doomed = new Lease(message('b'));
  queue.live.add('b');
  queue.failDeletes = 5;
  assert.equal(await new DeleteBatcher(options).delete(doomed), 'failed');
});

test('extension renews leases near their end, and a delete waits for it and uses the new handle', async () => {
  const queue = new RecordingQueue();
  let now = 0;
  const extender = new VisibilityExtender({
    transport: queue,
    visibilityTimeoutSeconds: 60,
    extendBeforeMs: 10_000,
    intervalMs: 60_000,
    now: () => now,
  });
  const near = new Lease(message('near', 5_000));
  const far = new Lease(message('far', 50_000));
  queue.live.add('near');
  queue.live.add('far');
  extender.track(near);
  extender.track(far);

  let openGate!: () => void;
  queue.changeGate = new Promise((resolve) => (openGate = resolve));
  const started = extender.scan();
  assert.equal(started.length, 1, 'only the lease near its end');
  assert.deepEqual(extender.scan(), [], 'no second extension while one is under way');

  const batcher = new DeleteBatcher({
    transport: queue,
    maxBatch: 16,
    lingerMs: 0,
    maxAttempts: 1,
    backoff: () => new Backoff({ initialMs: 1, maxMs: 1 }),
    now: () => now,
  });
  const deleting = batcher.delete(near);
  openGate();
  assert.equal(await deleting, 'deleted');
  assert.deepEqual(queue.deleteCalls, [['near~1']], 'the rotated handle was deleted');
  assert.equal(near.visibleUntil, 1_060_000);

  extender.untrack(far);
  now = 1_055_000;
  assert.deepEqual(extender.scan(), [], 'a settling lease is never extended');
  extender.untrack(near);
  now = 45_000;
  const lost: string[] = [];
  const extender2 = new VisibilityExtender({
    transport: queue,
    visibilityTimeoutSeconds: 60,
    extendBeforeMs: 10_000,
    intervalMs: 60_000,
    now: () => now,
    onLost: (lease) => lost.push(lease.message.messageId),
  });
  queue.live.delete('far');
  extender2.track(far);
  await Promise.all(extender2.scan());
  assert.equal(far.held, false);
  assert.deepEqual(lost, ['id-far']);
  extender.stop();
  extender2.stop();
});

test("MNS's clock is moved onto the host's: deadlines hold whichever way the clocks differ", () => {
  const clock = new ServerClock();
  assert.equal(clock.toLocal(5_000), 5_000, 'no estimate yet: taken as is');
  // MNS is a minute ahead: it handed a message out at 61 000 (its clock); we had the answer at 1 010.
  clock.observeHandout(61_000, 1_010);
  assert.equal(clock.offset, 59_990);
  assert.equal(clock.toLocal(91_000), 31_010, 'a 30 s lease ends 30 s after the answer on our clock');
  // Now a minute behind.
  clock.observeHandout(1_000, 61_002);
  assert.equal(clock.toLocal(31_000), 91_002);
  clock.observeHandout(Number.NaN, 5);
  assert.equal(clock.offset, -60_002, 'a missing FirstDequeueTime keeps the estimate');
});
