import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { prefill, startMnsStack, type MnsStack } from '../../../bench/mnsStack';
import { observeQueue } from '../../../bench/queueObserver';
import { generateWorkload } from '../../../bench/workload';

// The bench's broker-side clock: real emulator, real SDK calls, no consumer of its own.
let stack: MnsStack;
before(async () => {
  stack = await startMnsStack('bench-observer');
});
after(async () => {
  await stack.stop();
});

test('records enqueue and delete per message, for single and batch deletes, and nothing for stale handles', async () => {
  const workload = generateWorkload({ events: 20, videos: 5, seed: 9 });
  await prefill(stack, workload.events);
  const observation = observeQueue(stack.emulator, stack.queue);
  // Observations are independent subscriptions: a second one sees the same deletes.
  const alongside = observeQueue(stack.emulator, stack.queue);
  try {
    assert.equal(observation.firstReceiveAt, undefined);
    const one = (await stack.client.receiveMessage(stack.queue, 1)).body;
    assert.ok(observation.firstReceiveAt !== undefined);
    await stack.client.deleteMessage(stack.queue, one.ReceiptHandle);
    const batch = (await stack.client.batchReceiveMessage(stack.queue, 16, 1)).body;
    const res = await stack.client.batchDeleteMessage(
      stack.queue,
      batch.map((m) => m.ReceiptHandle),
    );
    assert.equal(res.code, 204);
    // A handle used twice is stale: the broker refuses it and the observer must not count it.
    await assert.rejects(stack.client.deleteMessage(stack.queue, one.ReceiptHandle));
    await observation.waitForDeletes(1 + batch.length, 5_000);
    assert.equal(observation.deletes.length, 1 + batch.length);
    const ids = new Set([one.MessageId, ...batch.map((m) => m.MessageId)]);
    for (const d of observation.deletes) {
      assert.ok(ids.has(d.messageId));
      assert.ok(d.deletedAt >= d.enqueueTime);
    }
    assert.equal(observation.deletes[0]!.enqueueTime, Number(one.EnqueueTime));
    assert.deepEqual(alongside.deletes, observation.deletes);
  } finally {
    observation.stop();
  }
  // Stopped: its deletes no longer grow, while the one still subscribed keeps counting.
  const seen = observation.deletes.length;
  const rest = (await stack.client.batchReceiveMessage(stack.queue, 16, 1)).body;
  await stack.client.batchDeleteMessage(
    stack.queue,
    rest.map((m) => m.ReceiptHandle),
  );
  alongside.stop();
  assert.equal(observation.deletes.length, seen);
  assert.equal(alongside.deletes.length, seen + rest.length);
});
