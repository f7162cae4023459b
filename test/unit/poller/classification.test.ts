import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NamespaceNotFoundError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';
import { deadLetterDocument, maxMessageBytes, type DeadLetterDocument } from '../../../src/poller/deadLetter';
import { escapeXml } from '../../../src/mns/xml';
import { classifyTemporalError, isAlreadyStarted } from '../../../src/poller/temporalErrors';

function grpcError(code: number, details: string): ServiceError {
  const cause = Object.assign(new Error(details), { code, details, metadata: {} });
  return new ServiceError(details, { cause });
}

test('Temporal errors are classified by what the poller must do with the message', () => {
  assert.equal(classifyTemporalError(grpcError(14, 'connection refused')), 'unavailable');
  assert.equal(classifyTemporalError(grpcError(8, 'busy')), 'unavailable');
  assert.equal(classifyTemporalError(grpcError(4, 'Deadline exceeded')), 'deadline');
  assert.equal(classifyTemporalError(grpcError(3, 'Blob data size exceeds limit')), 'rejected');
  assert.equal(classifyTemporalError(grpcError(7, 'denied')), 'config');
  assert.equal(classifyTemporalError(new NamespaceNotFoundError('nope')), 'config');
  assert.equal(classifyTemporalError(new Error('weird')), 'unavailable', 'unknown errors keep the message');
  const started = new WorkflowExecutionAlreadyStartedError('started', 'vod-video-x', 'videoPipeline');
  assert.ok(isAlreadyStarted(started));
  assert.ok(!isAlreadyStarted(grpcError(6, 'exists')));
});

const spec = { region: 'cn-shanghai', endpoint: 'http://127.0.0.1:1', queue: 'q', deadLetterQueue: 'q-dlq' };
const base = {
  messageId: 'M1',
  receiptHandle: 'h',
  bodyMd5: 'ABC',
  enqueueTime: 1,
  nextVisibleTime: 2,
  leaseEndsAt: 2,
  firstDequeueTime: 1,
  dequeueCount: 11,
  priority: 8,
};

test('a dead letter carries reason, original body and attributes, and always fits in an MNS message', () => {
  const doc = JSON.parse(
    deadLetterDocument({ ...base, body: '<not json & "quoted">' }, spec, 'invalid_body', 'not JSON'),
  ) as DeadLetterDocument;
  assert.equal(doc.reason, 'invalid_body');
  assert.equal(doc.body, '<not json & "quoted">');
  assert.equal(doc.attributes.messageId, 'M1');
  assert.equal(doc.attributes.dequeueCount, 11);
  assert.deepEqual(doc.source, { region: 'cn-shanghai', endpoint: 'http://127.0.0.1:1', queue: 'q' });

  const huge = 'é"'.repeat(30_000);
  const text = deadLetterDocument({ ...base, body: huge }, spec, 'invalid_body', 'x');
  assert.ok(Buffer.byteLength(text) <= maxMessageBytes);
  const cut = JSON.parse(text) as DeadLetterDocument;
  assert.equal(cut.bodyTruncated?.originalBytes, Buffer.byteLength(huge));
  assert.ok(huge.startsWith(cut.body));
  assert.equal(escapeXml('a<b>&c'), 'a&lt;b&gt;&amp;c');
});
