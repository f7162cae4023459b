import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { decode } from '../../../src/events';
import { parseDeadLetter, redriveDecision } from '../../../src/operations/deadLetterRedrive';
import { deadLetterDocument, maxMessageBytes, type DeadLetterReason } from '../../../src/poller/deadLetter';
import type { QueueMessage } from '../../../src/poller/queueTransport';
import { fixtureDir } from '../events/fixturePaths';

const spec = {
  region: 'cn-shanghai',
  endpoint: 'https://1.mns.cn-shanghai.aliyuncs.com',
  queue: 'vod-events',
  deadLetterQueue: 'vod-events-dlq',
};
const source = { region: spec.region, queue: spec.queue };
const validBody = readFileSync(path.join(fixtureDir, 'file-upload-complete.json'), 'utf8');

function message(body: string, extra: Partial<QueueMessage> = {}): QueueMessage {
  return {
    messageId: 'MSG-1',
    receiptHandle: 'handle',
    body,
    bodyMd5: 'MD5',
    enqueueTime: 1,
    nextVisibleTime: 2,
    leaseEndsAt: 2,
    firstDequeueTime: 1,
    dequeueCount: 11,
    priority: 3,
    ...extra,
  };
}

const document = (
  body: string,
  reason: DeadLetterReason = 'too_many_receives',
  at = new Date('2026-01-15T08:00:00Z'),
) => deadLetterDocument(message(body), spec, reason, 'detail', at);

test('the document the poller writes parses back with its body and attributes', () => {
  const parsed = parseDeadLetter(document(validBody));
  assert.ok(parsed.ok);
  assert.equal(parsed.document.body, validBody);
  assert.equal(parsed.document.reason, 'too_many_receives');
  assert.deepEqual(parsed.document.source, {
    region: 'cn-shanghai',
    endpoint: spec.endpoint,
    queue: 'vod-events',
  });
  assert.equal(parsed.document.attributes.messageId, 'MSG-1');
  assert.equal(parsed.document.attributes.priority, 3);
});

test('messages that are not vodflow dead-letter documents are named as such', () => {
  for (const [text, reason] of [
    ['not json', /not JSON/],
    ['[1]', /no "vodflowDeadLetter": 1/],
    [validBody, /no "vodflowDeadLetter": 1/],
    [
      JSON.stringify({ ...JSON.parse(document(validBody)), vodflowDeadLetter: 2 }),
      /no "vodflowDeadLetter": 1/,
    ],
    [JSON.stringify({ ...JSON.parse(document(validBody)), reason: 'bored' }), /no known reason/],
    [JSON.stringify({ ...JSON.parse(document(validBody)), body: 42 }), /no body/],
    [JSON.stringify({ ...JSON.parse(document(validBody)), source: null }), /no source queue/],
    [
      JSON.stringify({ ...JSON.parse(document(validBody)), deadLetteredAt: 'then' }),
      /no dead-lettering time/,
    ],
  ] as const) {
    const parsed = parseDeadLetter(text);
    assert.equal(parsed.ok, false, text);
    assert.match((parsed as { reason: string }).reason, reason);
  }
});

test('a valid event is redriven to the configured queue with its original body and priority', () => {
  const decision = redriveDecision(document(validBody), source, {}, decode);
  assert.equal(decision.action, 'redrive');
  assert.ok(decision.action === 'redrive');
  assert.equal(decision.body, validBody, 'byte for byte');
  assert.equal(decision.priority, 3);
  assert.equal(decision.mediaId, '43q91jdh7df0a1b2');
  assert.equal(decision.eventType, 'FileUploadComplete');
});

test('what would be dead-lettered again stays dead, with the reason', () => {
  const cases: [string, RegExp][] = [
    ['this is not an event', /neither JSON nor base64/],
    ['{"VideoId":"c0ffee00c0ffee00","Status":"success"}', /no EventType/],
    [readFileSync(path.join(fixtureDir, 'upload-by-url-complete-failed.json'), 'utf8'), /carries no VideoId/],
  ];
  for (const [body, reason] of cases) {
    const decision = redriveDecision(document(body, 'invalid_body'), source, {}, decode);
    assert.equal(decision.action, 'leave', body);
    assert.ok(decision.action === 'leave');
    assert.equal(decision.why, 'still-invalid');
    assert.match(decision.detail, reason);
  }
  const truncated = deadLetterDocument(message('x'.repeat(maxMessageBytes)), spec, 'invalid_body', 'too big');
  const decision = redriveDecision(truncated, source, {}, decode);
  assert.deepEqual([decision.action, decision.action === 'leave' && decision.why], ['leave', 'truncated']);
});

test('filters and the source queue decide before the body is looked at', () => {
  const old = document(validBody, 'temporal_rejected', new Date('2026-01-01T00:00:00Z'));
  const leave = (text: string, filters: Parameters<typeof redriveDecision>[2], from = source) => {
    const decision = redriveDecision(text, from, filters, decode);
    return decision.action === 'leave' ? decision.why : decision.action;
  };
  assert.equal(leave(old, { reasons: ['too_many_receives'] }), 'filtered');
  assert.equal(leave(old, { reasons: ['temporal_rejected', 'invalid_body'] }), 'redrive');
  assert.equal(leave(old, { since: new Date('2026-01-02T00:00:00Z') }), 'filtered');
  assert.equal(leave(old, { since: new Date('2025-12-31T00:00:00Z') }), 'redrive');
  assert.equal(leave(old, {}, { region: 'cn-beijing', queue: 'vod-events' }), 'other-source');
  assert.equal(leave(old, {}, { region: 'cn-shanghai', queue: 'other-events' }), 'other-source');
  assert.equal(leave('garbage', {}), 'not-a-dead-letter');
});
