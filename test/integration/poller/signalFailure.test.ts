import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyTemporalError } from '../../../src/poller/temporalErrors';
import { pipelineStateQuery, videoWorkflowId } from '../../../src/shared/definitions';
import { sharedTemporalSkip } from '../../harness/temporal';
import { newVideoId, usePollerStack, total, uploadBody, waitFor } from './pollerStack';

/**
 * A failed signal hands its message back with a short visibility (ChangeMessageVisibility), so
 * it comes back in seconds. Every queue here has a two-minute visibility timeout: a message that
 * waited for its lease to run out could not be delivered within the waits below.
 */
const stack = usePollerStack();

const leaseSeconds = 120;
const longLease = { visibilityTimeoutSeconds: leaseSeconds, visibilityExtendBeforeSeconds: 10 };

test(
  'signals failing while Temporal is down release their messages at once; all are delivered once it is back',
  { skip: sharedTemporalSkip },
  async () => {
    const queue = await stack.queue('it-release-outage', leaseSeconds);
    const poller = await stack.poller(stack.config([queue], { ...longLease, signalTimeoutMs: 1_500 }));
    await stack.stopTemporal();
    const sent = new Map<string, string>();
    try {
      for (let i = 0; i < 4; i += 1) {
        const video = newVideoId();
        sent.set(await stack.send(queue, uploadBody(video, i)), video);
      }
      await waitFor(
        'every failed signal released its message',
        async () => (await total(poller.metrics.releasedForRetry, { queue: queue.queue })) >= sent.size,
      );
      assert.ok((await total(poller.metrics.failures, { queue: queue.queue })) >= sent.size);
      // Released with 1 s visibility after their first receive, and the open breaker receives nothing,
      // so they are all visible again long before the queue's lease would have ended.
      await waitFor(
        'the released messages are visible again',
        () => stack.mns.queueStats(queue.queue)?.active === 4,
      );
      assert.equal(stack.remaining(queue), sent.size, 'nothing deleted while Temporal is down');
    } finally {
      await stack.startTemporal();
    }
    await waitFor('delivered after Temporal came back', () => stack.remaining(queue) === 0, 60_000);
    for (const [messageId, video] of sent) {
      const deliveries = await stack.signals(video);
      assert.deepEqual(
        deliveries.map((d) => d.messageId),
        [messageId],
        `one signal of ${messageId}`,
      );
    }
  },
);

test('a signal that landed but reported a deadline is redelivered within seconds and applied once', async () => {
  const queue = await stack.queue('it-release-deadline', leaseSeconds);
  const video = newVideoId();
  const messageId = await stack.send(queue, uploadBody(video, 1));
  let failedOnce = false;
  const poller = await stack.poller(stack.config([queue], longLease), {
    // The first signal reaches Temporal, then its caller sees a real DEADLINE_EXCEEDED (a call
    // made with a deadline already past): the outcome an overloaded server leaves the poller with.
    signaller: (real) => ({
      async signal(input) {
        const outcome = await real.signal(input);
        if (failedOnce) return outcome;
        failedOnce = true;
        const expired = await stack.client
          .withDeadline(Date.now() - 1, () => stack.client.workflowService.getSystemInfo({}))
          .then(
            () => null,
            (err: unknown) => err,
          );
        assert.ok(expired !== null && classifyTemporalError(expired) === 'deadline', 'a real deadline error');
        throw expired;
      },
    }),
  });
  await waitFor('delivered after the failed attempt', () => stack.remaining(queue) === 0, 60_000);
  assert.equal(await total(poller.metrics.releasedForRetry, { queue: queue.queue }), 1);
  assert.equal(await total(poller.metrics.failures, { queue: queue.queue, class: 'temporal_deadline' }), 1);
  assert.equal(await total(poller.metrics.deleted, { queue: queue.queue, result: 'deleted' }), 1);
  const deliveries = await stack.signals(video);
  assert.deepEqual(
    deliveries.map((d) => d.messageId),
    [messageId, messageId],
    'the redelivery reached the same run',
  );
  const state = await stack.client.workflow.getHandle(videoWorkflowId(video)).query(pipelineStateQuery);
  assert.equal(state.duplicates, 1, 'the redelivered event was recognised as a duplicate');
});
