import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MnsAccount } from '../../../harness/emulators/mns/account';
import { MnsServiceError } from '../../../harness/emulators/mns/errors';
import { decodeReceiptHandle, encodeReceiptHandle } from '../../../harness/emulators/mns/receiptHandle';
import { FaultInjector } from '../../../harness/emulators/mns/faults';
import { decodeText } from '../../../harness/emulators/mns/xml';

function fixture(attributes: Record<string, number> = {}) {
  let now = 1_700_000_000_000;
  const account = new MnsAccount(
    () => now,
    () => {},
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
  assert.equal(queue.receive(16).length, 2);
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
  assert.equal(
    code(() => account.createQueue('x'.repeat(257), {})),
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
