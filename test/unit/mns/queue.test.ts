import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MnsAccount, type AccountBehaviour } from '../../../harness/emulators/mns/account';
import { SeededRandom } from '../../../harness/emulators/mns/delivery';
import { MnsServiceError } from '../../../harness/emulators/mns/errors';
import { decodeReceiptHandle, encodeReceiptHandle } from '../../../harness/emulators/mns/receiptHandle';
import { FaultInjector } from '../../../harness/emulators/mns/faults';
import { decodeText } from '../../../harness/emulators/mns/xml';

function fixture(attributes: Record<string, number> = {}, behaviour: AccountBehaviour = {}) {
  let now = 1_700_000_000_000;
  const account = new MnsAccount(
    () => now,
    () => {},
    undefined,
    { random: new SeededRandom(42), ...behaviour },
  );
  account.createQueue('q', attributes);
  return { account, queue: account.getQueue('q'), advance: (ms: number) => (now += ms), now: () => now };
}

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof MnsServiceError);
    return err.code;
  }
}

test('receipt handles carry only digits and dashes inside the base64', () => {
  for (let seq = 1; seq < 2000; seq += 37) {
    const handle = encodeReceiptHandle({ seq, queueId: 3, version: seq % 7 }, 1_700_000_000_000 + seq);
    assert.match(handle, /^1-[A-Za-z0-9]+=*$/);
    assert.deepEqual(decodeReceiptHandle(handle), { seq, queueId: 3, version: seq % 7 });
  }
  assert.equal(decodeReceiptHandle('1-bm9wZQ=='), undefined);
  assert.equal(decodeReceiptHandle('garbage'), undefined);
});

test('an expired visibility redelivers with DequeueCount + 1 and a new handle; the old one dies', () => {
  const { account, queue, advance, now } = fixture({ visibilityTimeout: 10 });
  const sent = account.send(queue, { body: 'x' });
  const [first] = queue.receive(1);
  assert.ok(first);
  assert.equal(first.message.dequeueCount, 1);
  assert.equal(first.message.firstDequeueTime, now());
  assert.equal(first.message.visibleAt, now() + 10_000);
  assert.equal(queue.receive(1).length, 0);
  assert.deepEqual(queue.stats(), { active: 0, inactive: 1, delayed: 0, total: 1, waitingReceives: 0 });
  advance(10_000);
  const [second] = queue.receive(1);
  assert.ok(second);
  assert.equal(second.message.messageId, sent.messageId);
  assert.equal(second.message.dequeueCount, 2);
  assert.notEqual(second.receiptHandle, first.receiptHandle);
  assert.equal(
    code(() => queue.deleteMessage(first.receiptHandle)),
    'MessageNotExist',
  );
  assert.equal(
    code(() => queue.deleteMessage(second.receiptHandle)),
    'ok',
  );
  assert.equal(
    code(() => queue.deleteMessage(second.receiptHandle)),
    'MessageNotExist',
  );
  assert.equal(queue.stats().total, 0);
});

test('ChangeMessageVisibility counts from now and rotates the handle', () => {
  const { account, queue, advance, now } = fixture({ visibilityTimeout: 30 });
  account.send(queue, { body: 'x' });
  const [got] = queue.receive(1);
  advance(5_000);
  const changed = queue.changeVisibility(got!.receiptHandle, 2);
  assert.equal(changed.message.visibleAt, now() + 2_000);
  assert.equal(
    code(() => queue.changeVisibility(got!.receiptHandle, 5)),
    'MessageNotExist',
  );
  advance(2_000);
  assert.equal(
    code(() => queue.deleteMessage(changed.receiptHandle)),
    'MessageNotExist',
  );
  assert.equal(queue.receive(1)[0]?.message.dequeueCount, 2);
});

test('delay, peek and retention', () => {
  const { account, queue, advance } = fixture({ delaySeconds: 5, messageRetentionPeriod: 60 });
  account.send(queue, { body: 'delayed' });
  account.send(queue, { body: 'now', delaySeconds: 0 });
  assert.deepEqual(queue.stats(), { active: 1, inactive: 0, delayed: 1, total: 2, waitingReceives: 0 });
  const peeked = queue.peek(16);
  assert.deepEqual(
    peeked.map((m) => [m.body, m.dequeueCount, m.firstDequeueTime === m.enqueueTime]),
    [['now', 0, true]],
  );
  assert.equal(queue.peek(16).length, 1, 'peek changes nothing');
  advance(5_000);
  assert.equal(queue.receive(16).length + queue.receive(16).length, 2);
  advance(60_000);
  assert.equal(queue.stats().total, 0, 'retention expiry removes in-flight messages too');
  assert.equal(queue.receive(16).length, 0);
});

test('foreign handles are ReceiptHandleError, not MessageNotExist', () => {
  const { account, queue } = fixture();
  account.createQueue('other', {});
  const other = account.getQueue('other');
  account.send(other, { body: 'x' });
  const [got] = other.receive(1);
  assert.equal(
    code(() => queue.deleteMessage(got!.receiptHandle)),
    'ReceiptHandleError',
  );
  assert.equal(
    code(() => queue.deleteMessage('1-AAAA')),
    'ReceiptHandleError',
  );
});

test('CreateQueue is idempotent only for identical attributes', () => {
  const { account } = fixture();
  assert.equal(account.createQueue('q', {}), 'exists');
  assert.equal(
    code(() => account.createQueue('q', { visibilityTimeout: 60 })),
    'QueueAlreadyExist',
  );
  assert.equal(
    code(() => account.createQueue('-bad', {})),
    'InvalidQueueName',
  );
  assert.equal(account.createQueue('x'.repeat(120), {}), 'created');
  assert.equal(
    code(() => account.createQueue('x'.repeat(121), {})),
    'QueueNameLengthError',
  );
});

test('fault injector honours rates and limits', () => {
  const faults = new FaultInjector({
    DeleteMessage: { errorRate: 1, errorStatus: 503, limit: 2 },
    '*': { latencyMs: 5 },
  });
  assert.deepEqual(faults.decide('DeleteMessage'), { kind: 'error', status: 503, latencyMs: 0 });
  assert.equal(faults.decide('DeleteMessage').kind, 'error');
  assert.equal(faults.decide('DeleteMessage').kind, 'none');
  assert.deepEqual(faults.decide('SendMessage'), { kind: 'none', latencyMs: 5 });
  assert.throws(() => faults.set({ Nope: {} } as never), /unknown operation/);
  assert.throws(() => faults.set({ '*': { errorRate: 2 } }), /0\.\.1/);
});

test('XML text decoding handles numeric references and rejects a bare ampersand', () => {
  assert.equal(decodeText('a &amp; &lt;b&gt; &#x41;&#66;'), 'a & <b> AB');
  assert.throws(() => decodeText('a & b'), MnsServiceError);
});

/** Drains every visible message with batch receives of 16; the batches' sizes and bodies in order. */
function drain(queue: ReturnType<typeof fixture>['queue']): { sizes: number[]; bodies: string[] } {
  const sizes: number[] = [];
  const bodies: string[] = [];
  for (;;) {
    const got = queue.receive(16);
    if (got.length === 0) return { sizes, bodies };
    sizes.push(got.length);
    bodies.push(...got.map((r) => r.message.body));
  }
}

test('striping: batches come back short while messages wait, in no fixed order, and replay from a seed', () => {
  const run = (seed: number) => {
    const { account, queue } = fixture({}, { random: new SeededRandom(seed) });
    for (let i = 0; i < 40; i += 1) account.send(queue, { body: `m${i}` });
    return drain(queue);
  };
  const first = run(7);
  assert.equal(first.bodies.length, 40, 'every message delivered exactly once');
  assert.deepEqual(new Set(first.bodies).size, 40);
  assert.ok(
    first.sizes.some((n) => n < 16),
    `short batches while more wait: ${first.sizes.join(',')}`,
  );
  assert.notDeepEqual(
    first.bodies,
    Array.from({ length: 40 }, (_, i) => `m${i}`),
    'not FIFO across stripes',
  );
  assert.deepEqual(run(7), first, 'the same seed replays the same delivery');
});

test('priority 1 leaves before priority 16 within what a receive can see', () => {
  const { account, queue } = fixture({}, { delivery: { stripes: 1 } });
  account.send(queue, { body: 'low', priority: 16 });
  account.send(queue, { body: 'default' });
  account.send(queue, { body: 'high', priority: 1 });
  assert.deepEqual(
    queue.receive(16).map((r) => r.message.body),
    ['high', 'default', 'low'],
  );
  const striped = fixture({}, { random: new SeededRandom(3) });
  for (let i = 0; i < 20; i += 1) striped.account.send(striped.queue, { body: `low${i}`, priority: 16 });
  striped.account.send(striped.queue, { body: 'urgent', priority: 1 });
  assert.equal(
    striped.queue.receive(16)[0]?.message.body,
    'urgent',
    'the stripe holding the best priority serves first',
  );
});

test('strict FIFO: full batches, oldest first, priority ignored', () => {
  const { account, queue } = fixture({}, { delivery: { strictFifo: true } });
  for (let i = 0; i < 20; i += 1) account.send(queue, { body: `m${i}`, priority: 20 - i > 16 ? 16 : 20 - i });
  const { sizes, bodies } = drain(queue);
  assert.deepEqual(sizes, [16, 4]);
  assert.deepEqual(
    bodies,
    Array.from({ length: 20 }, (_, i) => `m${i}`),
  );
});

test('empty and oversized bodies are refused with the service texts', () => {
  const { account, queue } = fixture({ maximumMessageSize: 1024 });
  assert.throws(
    () => account.send(queue, { body: '' }),
    (err: unknown) =>
      err instanceof MnsServiceError && err.code === 'InvalidArgument' && /MessageBody/.test(err.message),
  );
  assert.throws(
    () => account.send(queue, { body: 'x'.repeat(1025) }),
    (err: unknown) =>
      err instanceof MnsServiceError &&
      err.status === 400 &&
      err.code === 'InvalidArgument' &&
      err.message === 'The length of message should not be larger than MaximumMessageSize.',
  );
});

test('native dead-letter policy: moved after MaxReceiveCount receives, retention not reset', () => {
  const { account, queue, advance } = fixture({ visibilityTimeout: 10 });
  account.createQueue('dlq', {});
  const dlq = account.getQueue('dlq');
  account.setDeadLetterPolicy('q', { enabled: true, deadLetterTargetQueue: 'dlq', maxReceiveCount: 2 });
  const sent = account.send(queue, { body: 'poison', priority: 3 });
  for (let i = 1; i <= 2; i += 1) {
    const [got] = queue.receive(1);
    assert.equal(got?.message.dequeueCount, i);
    advance(10_000);
  }
  assert.deepEqual(queue.receive(16), [], 'the third receive moves it instead of delivering it');
  assert.equal(queue.stats().total, 0);
  const [moved] = dlq.receive(1);
  assert.equal(moved?.message.body, 'poison');
  assert.equal(moved?.message.priority, 3);
  assert.equal(moved?.message.enqueueTime, sent.enqueueTime, 'retention counts from the first enqueue');
  assert.equal(moved?.message.dequeueCount, 1);

  const off = fixture({ visibilityTimeout: 1 }, { nativeDeadLetter: false });
  off.account.createQueue('dlq', {});
  off.account.setDeadLetterPolicy('q', { enabled: true, deadLetterTargetQueue: 'dlq', maxReceiveCount: 1 });
  off.account.send(off.queue, { body: 'x' });
  off.queue.receive(1);
  off.advance(1_000);
  assert.equal(off.queue.receive(1)[0]?.message.dequeueCount, 2, 'switched off: redelivered as before');
});

test('the long-poll cap answers at once; a dropped poll sometimes consumes what it is answered with', async () => {
  const { account, queue } = fixture({}, { delivery: { longPollLimit: 1, abandonedPollConsumeRate: 1 } });
  const answers: number[] = [];
  const leave = queue.receiveWaiting(1, 60_000, (r) => answers.push(r.length));
  queue.receiveWaiting(1, 60_000, (r) => answers.push(-r.length - 1));
  assert.deepEqual(answers, [-1], 'over the cap: empty at once');
  leave(); // the client went away, but the server only notices when it answers
  account.send(queue, { body: 'lost to a dead request' });
  assert.deepEqual(answers, [-1, 1]);
  assert.deepEqual(queue.stats(), { active: 0, inactive: 1, delayed: 0, total: 1, waitingReceives: 0 });
  assert.equal(account.longPolls.waiting, 0);

  const polite = fixture({}, { delivery: { abandonedPollConsumeRate: 0 } });
  const dropped = polite.queue.receiveWaiting(1, 60_000, () =>
    assert.fail('a dropped poll is never answered'),
  );
  dropped();
  polite.account.send(polite.queue, { body: 'kept' });
  assert.equal(polite.queue.stats().active, 1);
});
