import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Registry } from 'prom-client';
import { VodApiError } from '../../../src/activities/vodApi';
import { vodFailure } from '../../../src/activities/vodFailure';
import { createPollerMetrics } from '../../../src/observability/metrics';
import { classifyActivityFailure } from '../../../src/worker/activityOutcome';
import { activityMetricsInterceptors } from '../../../src/worker/activityMetricsInterceptor';
import { createWorkerMetrics, type WorkerMetrics } from '../../../src/worker/workerMetrics';

const live = { cancelled: false };

test('activity failures are classified as Temporal treats them, with bounded error types', () => {
  const unavailable = ApplicationFailure.create({ type: 'WebhookUnavailable', message: 'HTTP 503' });
  assert.deepEqual(classifyActivityFailure(unavailable, live), {
    outcome: 'failed_retryable',
    errorType: 'WebhookUnavailable',
  });
  const rejected = ApplicationFailure.create({
    type: 'WebhookRejected',
    message: 'HTTP 400',
    nonRetryable: true,
  });
  assert.deepEqual(classifyActivityFailure(rejected, live), {
    outcome: 'failed_non_retryable',
    errorType: 'WebhookRejected',
  });
  // Retryable by itself, but the retry policy names its type.
  assert.deepEqual(
    classifyActivityFailure(unavailable, {
      cancelled: false,
      nonRetryableErrorTypes: ['WebhookUnavailable'],
    }),
    { outcome: 'failed_non_retryable', errorType: 'WebhookUnavailable' },
  );

  const notFound = new VodApiError('GetPlayInfo', 'InvalidVideo.NotFound', 'not-found', 'gone', 'req-1');
  assert.deepEqual(classifyActivityFailure(vodFailure(notFound), live), {
    outcome: 'failed_non_retryable',
    errorType: 'InvalidVideo.NotFound',
  });
  const notReady = new VodApiError('GetPlayInfo', 'Forbidden.IllegalStatus', 'client', 'not yet');
  assert.deepEqual(classifyActivityFailure(vodFailure(notReady, ['Forbidden.IllegalStatus']), live), {
    outcome: 'failed_retryable',
    errorType: 'Forbidden.IllegalStatus',
  });
  // Thrown unwrapped, the SDK types it by its class and retries it.
  assert.deepEqual(classifyActivityFailure(notFound, live), {
    outcome: 'failed_retryable',
    errorType: 'VodApiError',
  });
  assert.deepEqual(classifyActivityFailure(new TypeError('x is undefined'), live), {
    outcome: 'failed_retryable',
    errorType: 'TypeError',
  });
});

test('unknown failure types count as other: a label never carries a code VOD made up, a message or an id', () => {
  const odd = new VodApiError('GetVideoInfo', 'Some.NewCode.vid-1234', 'client', 'secret-looking message');
  assert.equal(classifyActivityFailure(vodFailure(odd), live).errorType, 'other');
  assert.equal(
    classifyActivityFailure(ApplicationFailure.create({ message: 'no type at all' }), live).errorType,
    'ApplicationFailure',
  );
  class MediaIdInName extends Error {}
  assert.equal(classifyActivityFailure(new MediaIdInName('boom'), live).errorType, 'other');
  assert.deepEqual(classifyActivityFailure('a thrown string', live), {
    outcome: 'failed_retryable',
    errorType: 'other',
  });
  assert.deepEqual(classifyActivityFailure(undefined, live), {
    outcome: 'failed_retryable',
    errorType: 'other',
  });
});

test('cancellations are cancelled, an abort only when the SDK aborted the attempt', () => {
  assert.deepEqual(classifyActivityFailure(new CancelledFailure('TIMED_OUT'), live), {
    outcome: 'cancelled',
    errorType: 'CancelledFailure',
  });
  const abort = new DOMException('aborted', 'AbortError');
  assert.equal(classifyActivityFailure(abort, { cancelled: true }).outcome, 'cancelled');
  assert.deepEqual(classifyActivityFailure(abort, live), {
    outcome: 'failed_retryable',
    errorType: 'DOMException',
  });
});

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

function environment(metrics: WorkerMetrics, activityType: string): MockActivityEnvironment {
  return new MockActivityEnvironment(
    { activityType },
    { interceptors: [activityMetricsInterceptors(metrics)], logger: silent },
  );
}

async function sample(metrics: WorkerMetrics, name: string, labels: Record<string, string>) {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as { labels: Record<string, unknown>; value: number }[];
  return values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
}

test('the interceptor counts and times every attempt by activity type and outcome', async () => {
  const metrics = createWorkerMetrics({ defaultMetrics: false });
  const publish = environment(metrics, 'publishVideoReady');
  await assert.rejects(
    publish.run(async () => {
      throw ApplicationFailure.create({ type: 'WebhookUnavailable', message: 'HTTP 503' });
    }),
  );
  assert.equal(await publish.run(async () => 'delivered'), 'delivered');

  const slow = environment(metrics, 'fetchPlayInfo');
  // Rejects with the SDK's CancelledFailure once cancelled, as a heartbeating activity would.
  const running = slow.run(() => Context.current().cancelled);
  slow.cancel();
  await assert.rejects(running, CancelledFailure);

  const executions = 'vodflow_worker_activity_executions_total';
  assert.equal(
    await sample(metrics, executions, {
      activity: 'publishVideoReady',
      outcome: 'failed_retryable',
      error_type: 'WebhookUnavailable',
    }),
    1,
  );
  assert.equal(
    await sample(metrics, executions, {
      activity: 'publishVideoReady',
      outcome: 'completed',
      error_type: 'none',
    }),
    1,
  );
  assert.equal(
    await sample(metrics, executions, {
      activity: 'fetchPlayInfo',
      outcome: 'cancelled',
      error_type: 'CancelledFailure',
    }),
    1,
  );
  const durations = 'vodflow_worker_activity_duration_seconds';
  assert.equal(await sample(metrics, durations, { activity: 'publishVideoReady', le: '+Inf' }), 2);
  assert.equal(await sample(metrics, durations, { activity: 'fetchPlayInfo', le: '+Inf' }), 1);
});

test("the worker's and the poller's registries merge without clashing names in one process", () => {
  const poller = createPollerMetrics();
  assert.doesNotThrow(() =>
    Registry.merge([poller.registry, createWorkerMetrics({ defaultMetrics: false }).registry]),
  );
  // Which is why `run` leaves the process metrics to the poller's registry.
  assert.throws(
    () => Registry.merge([poller.registry, createWorkerMetrics().registry]),
    /already been registered/,
  );
});
