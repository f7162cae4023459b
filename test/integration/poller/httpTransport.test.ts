/**
 * The poller end to end over the lean MNS transport (VODFLOW_MNS_TRANSPORT=http): events are
 * signalled and deleted, a body that is not an event is dead-lettered verbatim, and a slow
 * signal's lease is extended, all through createMnsHttpQueue instead of the SDK.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMnsHttpQueue } from '../../../src/poller/mnsHttpQueue';
import type { DeadLetterDocument } from '../../../src/poller/deadLetter';
import { mnsTransportFactory } from '../../../src/poller/poller';
import { credentials, newVideoId, slowSignaller, usePollerStack, uploadBody, waitFor } from './pollerStack';

const stack = usePollerStack();

test('VODFLOW_MNS_TRANSPORT=http gives the poller the lean transport', () => {
  assert.equal(mnsTransportFactory('http'), createMnsHttpQueue);
  assert.notEqual(mnsTransportFactory('sdk'), createMnsHttpQueue);
});

test('over the http transport: events signalled and deleted, slow signals extended, junk dead-lettered', async () => {
  const queue = await stack.queue('http-transport', 2);
  const video = newVideoId();
  const junk = 'this is <not> JSON & "never" was 中文';
  const good = [await stack.send(queue, uploadBody(video, 1)), await stack.send(queue, uploadBody(video, 2))];
  const junkId = await stack.send(queue, junk);
  // Each signal takes 3 s, longer than the queue's 2 s visibility: only extensions keep them.
  const slow = slowSignaller(3_000);
  const poller = await stack.poller(
    stack.config([queue], {
      mnsTransport: 'http',
      visibilityTimeoutSeconds: 2,
      visibilityExtendBeforeSeconds: 1,
      signalTimeoutMs: 10_000,
    }),
    slow,
  );
  await waitFor('queue drained', () => stack.remaining(queue) === 0, 60_000);
  const signalled = (await stack.signals(video)).map((d) => d.messageId).sort();
  assert.deepEqual(signalled, [...good].sort(), 'each event signalled once: the extensions held');
  assert.equal(poller.readiness().ready, true);

  const dlq = createMnsHttpQueue({
    spec: { ...queue, queue: queue.deadLetterQueue },
    credentials,
    timeoutMs: 5_000,
    waitSeconds: 1,
  });
  const letters = await dlq.receive(16, 1);
  assert.equal(letters.length, 1);
  const letter = JSON.parse(letters[0]!.body) as DeadLetterDocument;
  assert.equal(letter.attributes.messageId, junkId);
  assert.equal(letter.reason, 'invalid_body');
  assert.equal(letter.body, junk);
});
