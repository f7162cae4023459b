import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceError } from '@temporalio/client';
import type { QueueSpec } from '../../../src/config/queueSpec';
import { decode } from '../../../src/events';
import { createCallbackHandler, type CallbackRequest } from '../../../src/ingress/callbackHandler';
import { createIngressMetrics } from '../../../src/ingress/metrics';
import { probeBody } from '../../../src/ingress/probe';
import { callbackRoutes } from '../../../src/ingress/routes';
import { signedHeaders } from '../../../src/ingress/signature';
import { createLogger } from '../../../src/observability/logger';
import type { DeadLetterDocument } from '../../../src/poller/deadLetter';
import type { SignalOutcome, VideoSignal } from '../../../src/poller/videoSignaller';

// The ingress's decisions, with the I/O at its edges replaced: what each outcome answers VOD,
// what it counts and what it writes to the dead-letter queue.
const url = 'https://hooks.example.com/vod/events';
const key = 'Handler0123456789abcdEF';
const queue: QueueSpec = {
  region: 'cn-shanghai',
  endpoint: 'https://1.mns.cn-shanghai.aliyuncs.com',
  queue: 'q',
  deadLetterQueue: 'q-dlq',
};
const [route] = callbackRoutes(url, [queue]);
const event = JSON.stringify({
  EventType: 'FileUploadComplete',
  EventTime: '2026-01-15T10:00:00Z',
  VideoId: 'v0123456789',
  Status: 'success',
  Size: 10,
});

function grpcError(code: number, details: string): ServiceError {
  return new ServiceError(details, {
    cause: Object.assign(new Error(details), { code, details, metadata: {} }),
  });
}

function setup(signal: (input: VideoSignal) => Promise<SignalOutcome>, deadLetter?: () => Promise<void>) {
  const metrics = createIngressMetrics({ defaultMetrics: false });
  const letters: DeadLetterDocument[] = [];
  const signals: VideoSignal[] = [];
  const handle = createCallbackHandler({
    authKeys: [key],
    maxAgeSeconds: 300,
    decode,
    signaller: {
      signal: (input) => {
        signals.push(input);
        return signal(input);
      },
    },
    deadLetter:
      deadLetter ??
      ((_queue, document) => {
        letters.push(JSON.parse(document) as DeadLetterDocument);
        return Promise.resolve();
      }),
    metrics,
    logger: createLogger('ingress-test', 'silent'),
    signalBudgetMs: 200,
  });
  let bodyReads = 0;
  const request = (
    body: string,
    headers: Record<string, string> = signedHeaders(url, key),
  ): CallbackRequest => ({
    route: route!,
    header: (name) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1],
    body: () => {
      bodyReads += 1;
      return Promise.resolve(Buffer.from(body));
    },
    peer: '203.0.113.7',
  });
  return { handle, request, metrics, letters, signals, bodyReads: () => bodyReads };
}

const signalled: SignalOutcome = { kind: 'signalled', workflowId: 'vod-video-v0123456789', runId: 'r1' };
const value = async (
  metric: { get(): Promise<{ values: { labels: object; value: number }[] }> },
  labels: object,
) => (await metric.get()).values.find((v) => JSON.stringify(v.labels) === JSON.stringify(labels))?.value ?? 0;

test('a signed event is signalled with its region and a stable callback id, then answered 200', async () => {
  const t = setup(() => Promise.resolve(signalled));
  const answer = await t.handle(t.request(event));
  assert.deepEqual(answer, { status: 200, body: { ok: true, outcome: 'signalled' } });
  assert.equal(t.signals[0]?.region, 'cn-shanghai');
  assert.equal(t.signals[0]?.event.mediaId, 'v0123456789');
  await t.handle(t.request(event));
  assert.match(t.signals[0]!.messageId, /^vod-http-[0-9a-f]{24}$/);
  assert.equal(t.signals[1]?.messageId, t.signals[0]?.messageId, "VOD's retry of a body keeps its id");
  assert.equal(await value(t.metrics.signalled, { region: 'cn-shanghai', outcome: 'signalled' }), 2);
});

test('403 before the body is read; counted by reason', async () => {
  const t = setup(() => Promise.resolve(signalled));
  const wrong = await t.handle(t.request(event, signedHeaders(url, 'Wrong0123456789abcdEFgh')));
  const stale = await t.handle(t.request(event, signedHeaders(url, key, Date.now() - 600_000)));
  const none = await t.handle(t.request(event, {}));
  assert.deepEqual(
    [wrong, stale, none].map((a) => [a.status, a.body.error]),
    [
      [403, 'bad_signature'],
      [403, 'stale_timestamp'],
      [403, 'missing_signature'],
    ],
  );
  assert.equal(t.bodyReads(), 0);
  assert.equal(t.signals.length, 0);
  assert.equal(await value(t.metrics.rejected, { region: 'cn-shanghai', reason: 'bad_signature' }), 1);
  assert.equal(await value(t.metrics.rejected, { region: 'cn-shanghai', reason: 'stale_timestamp' }), 1);
});

test('poison is dead-lettered with its reason and answered 200; no signal', async () => {
  const t = setup(() => Promise.resolve(signalled));
  const invalid = await t.handle(t.request('{"EventType":"FileUploadComplete","VideoId":"v1"}'));
  const noMedia = await t.handle(
    t.request(
      JSON.stringify({
        EventType: 'UploadByURLComplete',
        EventTime: '2026-01-15T10:00:00Z',
        JobId: 'j1',
        Status: 'fail',
      }),
    ),
  );
  assert.deepEqual([invalid.status, noMedia.status], [200, 200]);
  assert.deepEqual(
    t.letters.map((l) => [l.reason, l.receivedVia, l.source.queue, l.attributes.dequeueCount]),
    [
      ['invalid_body', 'http-callback', 'q', 1],
      ['no_media_id', 'http-callback', 'q', 1],
    ],
  );
  assert.match(t.letters[0]!.detail, /has no EventTime/);
  assert.equal(t.letters[0]!.body, '{"EventType":"FileUploadComplete","VideoId":"v1"}');
  assert.equal(t.signals.length, 0);
});

test('Temporal down or slow: 503, so VOD sends it again; Temporal refusing the payload: dead-lettered', async () => {
  for (const [err, error] of [
    [grpcError(14, 'connection refused'), 'temporal_unavailable'],
    [grpcError(4, 'deadline exceeded'), 'temporal_deadline'],
    [grpcError(7, 'permission denied'), 'temporal_config'],
  ] as const) {
    const t = setup(() => Promise.reject(err));
    const answer = await t.handle(t.request(event));
    assert.deepEqual(answer, { status: 503, body: { ok: false, error } });
    assert.equal(t.letters.length, 0);
  }
  const t = setup(() => Promise.reject(grpcError(3, 'Blob data size exceeds limit')));
  const answer = await t.handle(t.request(event));
  assert.equal(answer.status, 200);
  assert.equal(t.letters[0]?.reason, 'temporal_rejected');
});

test('a signal that outlasts its budget is answered 503 before VOD gives up', async () => {
  const t = setup(() => new Promise((resolve) => setTimeout(() => resolve(signalled), 1_000)));
  const answer = await t.handle(t.request(event));
  assert.deepEqual(answer, { status: 503, body: { ok: false, error: 'temporal_deadline' } });
});

test('a dead letter that cannot be written is answered 503, never 200', async () => {
  const t = setup(
    () => Promise.resolve(signalled),
    () => Promise.reject(new Error('socket hang up')),
  );
  const answer = await t.handle(t.request('not json'));
  assert.deepEqual(answer, { status: 503, body: { ok: false, error: 'dead_letter_unavailable' } });
  assert.equal(
    await value(t.metrics.failures, { region: 'cn-shanghai', class: 'mns_dead_letter_network' }),
    1,
  );
});

test("doctor's probe is answered 200 without a signal, only when signed", async () => {
  const t = setup(() => Promise.resolve(signalled));
  const answer = await t.handle(t.request(probeBody()));
  assert.equal(answer.status, 200);
  assert.equal(answer.body.probe, true);
  assert.equal((await t.handle(t.request(probeBody(), {}))).status, 403);
  assert.equal(t.signals.length, 0);
  assert.equal(t.letters.length, 0);
});
