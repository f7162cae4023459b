/** The emulator's lifecycle observer, driven through the real SDK over HTTP. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import {
  startMnsEmulator,
  type MnsEmulator,
  type ObservedDelete,
  type ObservedReceipt,
  type QueueObserver,
} from '../../../harness/emulators/mns';
import { createMnsClient, type MnsClient } from '../../../src/mns/client';

type Event = { kind: 'sent' | 'received' | 'deleted'; queue: string; ids: string[] };

/** Records every callback in order, with the arguments as the emulator passed them. */
function recorder() {
  const events: Event[] = [];
  const payloads: unknown[] = [];
  const observer: QueueObserver = {
    sent(queue, message) {
      events.push({ kind: 'sent', queue, ids: [message.messageId] });
      payloads.push(message);
    },
    received(queue, messages) {
      events.push({ kind: 'received', queue, ids: messages.map((m) => m.messageId) });
      payloads.push(messages);
    },
    deleted(queue, message) {
      events.push({ kind: 'deleted', queue, ids: [message.messageId] });
      payloads.push(message);
    },
  };
  return { events, payloads, observer };
}

// Warnings land here, so the test can see that a failing observer was logged, not thrown.
const logLines: Array<{ level: number; msg: string; callback?: string }> = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => logLines.push(JSON.parse(line)) });

let emulator: MnsEmulator;
let mns: MnsClient;
before(async () => {
  // Strict FIFO: these tests are about what observers see, and read the order they sent in.
  emulator = await startMnsEmulator({
    credentials: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }],
    logger,
    delivery: { strictFifo: true },
  });
  mns = createMnsClient({ endpoint: emulator.endpoint, accessKeyId: 'ak', accessKeySecret: 'sk' });
});
after(async () => {
  await emulator.stop();
});

test('reports sends, receives and only the deletes that happened, until unsubscribed', async () => {
  const { events, payloads, observer } = recorder();
  // Subscribed before the queue exists: the subscription is by name.
  const unsubscribe = emulator.observe('watched', observer);
  await mns.createQueue('watched', { VisibilityTimeout: 60 });
  await mns.createQueue('unwatched');
  await mns.sendMessage('unwatched', { MessageBody: 'not ours' });

  const single = (await mns.sendMessage('watched', { MessageBody: 'one' })).body;
  const batch = (await mns.batchSendMessage('watched', [{ MessageBody: 'two' }, { MessageBody: 'three' }]))
    .body;
  const received = (await mns.receiveMessage('watched')).body;
  assert.equal(received.MessageId, single.MessageId);
  await mns.deleteMessage('watched', received.ReceiptHandle);
  const [receipts, deletion] = payloads.slice(-2) as [ObservedReceipt[], ObservedDelete];
  const enqueueTime = Number(received.EnqueueTime);
  assert.deepEqual(receipts, [{ messageId: single.MessageId, enqueueTime, dequeueCount: 1 }]);
  const { deletedAt, ...deleted } = deletion;
  assert.deepEqual(deleted, receipts[0]);
  assert.ok(deletedAt >= enqueueTime && deletedAt <= Date.now());

  // A batch delete with a stale handle (already deleted) and a garbage one: the broker
  // refuses those two, and only the real deletes are reported.
  const rest = (await mns.batchReceiveMessage('watched', 16)).body;
  assert.equal(rest.length, 2);
  const partial = await mns.batchDeleteMessage('watched', [
    rest[0]!.ReceiptHandle,
    received.ReceiptHandle,
    'junk',
    rest[1]!.ReceiptHandle,
  ]);
  assert.equal(partial.code, 404);
  assert.equal(partial.body?.length, 2);
  const restIds = rest.map((m) => m.MessageId);

  // A long poll served by a later send: the send is reported before the receive it wakes.
  const polling = mns.receiveMessage('watched', 10);
  const late = (await mns.sendMessage('watched', { MessageBody: 'late' })).body;
  await polling;

  unsubscribe();
  await mns.sendMessage('watched', { MessageBody: 'after unsubscribe' });

  const batchIds = batch.map((m) => ('MessageId' in m ? m.MessageId : ''));
  assert.deepEqual(events, [
    { kind: 'sent', queue: 'watched', ids: [single.MessageId] },
    { kind: 'sent', queue: 'watched', ids: [batchIds[0]!] },
    { kind: 'sent', queue: 'watched', ids: [batchIds[1]!] },
    { kind: 'received', queue: 'watched', ids: [single.MessageId] },
    { kind: 'deleted', queue: 'watched', ids: [single.MessageId] },
    { kind: 'received', queue: 'watched', ids: restIds },
    { kind: 'deleted', queue: 'watched', ids: [restIds[0]!] },
    { kind: 'deleted', queue: 'watched', ids: [restIds[1]!] },
    { kind: 'sent', queue: 'watched', ids: [late.MessageId] },
    { kind: 'received', queue: 'watched', ids: [late.MessageId] },
  ]);
});

test('an observer that throws or rejects is logged at warn and does not break the request', async () => {
  await mns.createQueue('fragile');
  const fail = (): never => {
    throw new Error('observer bug');
  };
  const stopThrowing = emulator.observe('fragile', {
    sent: fail,
    // Async callbacks fit the void signature; their rejection must not go unhandled.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the case under test
    received: async () => fail(),
    deleted: fail,
  });
  // Observers after the failing one still hear every event.
  const { events, observer } = recorder();
  const stopRecording = emulator.observe('fragile', observer);
  try {
    assert.equal((await mns.sendMessage('fragile', { MessageBody: 'x' })).code, 201);
    const got = (await mns.receiveMessage('fragile')).body;
    assert.equal((await mns.deleteMessage('fragile', got.ReceiptHandle)).code, 204);
    assert.equal(emulator.queueStats('fragile')?.total, 0);
    assert.deepEqual(
      events.map((e) => e.kind),
      ['sent', 'received', 'deleted'],
    );
    const warnings = logLines.filter(
      (l) => l.level === 40 && l.msg.startsWith('mns emulator observer failed'),
    );
    assert.deepEqual(
      warnings.map((w) => w.callback),
      ['sent', 'received', 'deleted'],
    );
  } finally {
    stopThrowing();
    stopRecording();
  }
});
