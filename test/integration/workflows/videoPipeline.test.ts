import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { temporal } from '@temporalio/proto';
import type { VideoReadyDocument } from '../../../src/workflows/videoReadyDocument';
import { VideoId, VodRegion, VodStage, VodStatus } from '../../../src/shared/searchAttributes';
import {
  pipelineStateQuery,
  videoPipelineWorkflowType,
  videoWorkflowId,
  type VideoPipelineInput,
  type VideoPipelineResult,
} from '../../../src/shared/definitions';
import type { VodEmulator } from '../../../harness/emulators/vod';
import { startHealthServer } from '../../../src/observability/healthServer';
import { startWorker } from '../../../src/worker/createWorker';
import { createWorkerMetrics } from '../../../src/worker/workerMetrics';
import { sampleValue } from '../../harness/prometheus';
import { uniqueName, workerConnectionTo } from '../../harness/temporal';
import { startWebhookSink } from '../../harness/webhookSink';
import {
  baseChangeEvent,
  deleteEvent,
  permutations,
  snapshotEvent,
  snapshotInfo,
  stream,
  streamEvent,
  transcodeEvent,
  uploadEvent,
} from '../../unit/workflows/eventBuilders';
import {
  deliver,
  eventually,
  handleFor,
  queryState,
  recordHistory,
  startPipelineTestEnv,
  webhookSecret,
  type PipelineTestEnv,
} from './pipelineHarness';

let t: PipelineTestEnv;
let vod: VodEmulator;
const credentials = { accessKeyId: 'workflow-test-ak', accessKeySecret: 'workflow-test-secret' };

before(async () => {
  // timeScale 0.3: simulated uploads finish in about a second; seeded videos are frozen anyway.
  t = await startPipelineTestEnv({ credentials, vod: { timeScale: 0.3, seed: 11 } });
  vod = t.vod;
});

after(async () => {
  await t?.teardown();
});

const videoId = () => uniqueName('v').replace(/[^a-zA-Z0-9]/g, '');

test('upload-only video: publishes a signed document once, with duplicates and webhook retries', async () => {
  const id = videoId();
  const options = { requiredStages: ['upload' as const], lingerAfterCompletionMs: 1_500 };
  t.sink.failNext(2, 503);
  // The poller leaves VideoId to the workflow here: it must upsert it itself.
  const handle = await deliver(t, id, uploadEvent(id), options, { setVideoId: false });
  await deliver(t, id, uploadEvent(id), options);
  await deliver(t, id, baseChangeEvent(id), options);
  const result = (await handle.result()) as VideoPipelineResult;

  assert.equal(result.status, 'completed');
  assert.equal(result.publications.length, 1);
  const mine = t.sink.deliveries.filter((d) => (d.body as VideoReadyDocument).videoId === id);
  assert.equal(mine.length, 3, 'two 503 answers, then the accepted one');
  assert.ok(mine.every((d) => d.signatureValid));
  assert.equal(new Set(mine.map((d) => d.idempotencyKey)).size, 1, 'same key on every retry');
  assert.equal(mine[0]?.idempotencyKey, result.publications[0]);
  const doc = t.sink.accepted.get(result.publications[0]!) as VideoReadyDocument;
  assert.equal(doc.type, 'vodflow.video.ready');
  assert.equal(doc.source.size, 1439213);
  assert.equal(doc.stages.upload.status, 'succeeded');

  const description = await handle.describe();
  assert.equal(description.typedSearchAttributes.get(VideoId), id);
  assert.equal(description.typedSearchAttributes.get(VodStatus), 'completed');
  assert.equal(description.typedSearchAttributes.get(VodStage), 'done');
  assert.equal(description.typedSearchAttributes.get(VodRegion), 'cn-shanghai');
  const memo = description.memo as Record<string, unknown> | undefined;
  assert.equal(memo?.status, 'completed');
  await recordHistory(t, 'upload-only-completed', handle);
});

test('a failed upload ends the run as failed with the reason', async () => {
  const id = videoId();
  const handle = await deliver(t, id, uploadEvent(id, 'fail'), { lingerAfterCompletionMs: 300 });
  const result = (await handle.result()) as VideoPipelineResult;
  assert.equal(result.status, 'failed');
  assert.match(result.reason ?? '', /upload failed \(UploadFail: broken upload\)/);
  assert.equal(t.sink.deliveries.filter((d) => (d.body as VideoReadyDocument).videoId === id).length, 0);
});

test('DeleteMediaComplete cancels a waiting pipeline', async () => {
  const id = videoId();
  const handle = await deliver(t, id, uploadEvent(id));
  await eventually(
    'upload applied',
    () => queryState(t, id),
    (s) => s.video.stages.upload.status === 'succeeded',
  );
  await deliver(t, id, deleteEvent(id));
  const result = (await handle.result()) as VideoPipelineResult;
  assert.equal(result.status, 'deleted');
  assert.equal((await handle.describe()).typedSearchAttributes.get(VodStatus), 'deleted');
  await recordHistory(t, 'deleted', handle);
});

test('a deletion cancels a step in flight instead of waiting for its retries', async () => {
  const id = videoId();
  // The webhook keeps failing: publishVideoReady would retry for minutes.
  t.sink.failNext(1_000, 503);
  try {
    const handle = await deliver(t, id, uploadEvent(id), { requiredStages: ['upload'] });
    await eventually(
      'publication attempted',
      () => Promise.resolve(t.sink.deliveries.filter((d) => (d.body as VideoReadyDocument).videoId === id)),
      (d) => d.length >= 1,
    );
    assert.equal((await queryState(t, id)).status, 'processing');
    await deliver(t, id, deleteEvent(id));
    const result = (await handle.result()) as VideoPipelineResult;
    assert.equal(result.status, 'deleted');
    assert.deepEqual(result.publications, []);
  } finally {
    t.sink.failNext(0, 200);
  }
});

test('continue-as-new carries state and the dedupe memory', async () => {
  const id = videoId();
  const options = { continueAsNewAfterEvents: 2 };
  const first = await deliver(t, id, uploadEvent(id), options);
  const firstRunId = first.signaledRunId;
  await deliver(t, id, baseChangeEvent(id, 1), options);
  // Two deliveries: the run continues as new. Wait for the new run to exist.
  const later = await eventually(
    'a continued run',
    () => handleFor(t, id).describe(),
    (d) => d.runId !== firstRunId && d.status.name === 'RUNNING',
  );
  // The upload again, after continue-as-new: the carried memory drops it.
  await deliver(t, id, uploadEvent(id), options);
  const state = await eventually(
    'duplicate counted',
    () => queryState(t, id),
    (s) => s.duplicates >= 1,
  );
  assert.equal(state.run, 2);
  assert.equal(state.video.stages.upload.status, 'succeeded');
  assert.equal(state.video.stages.upload.version, 1);
  assert.equal(state.video.counters.applied, 1);
  assert.equal(state.video.counters.ignored, 1);
  await deliver(t, id, deleteEvent(id), options);
  const result = (await handleFor(t, id).result()) as VideoPipelineResult;
  assert.equal(result.status, 'deleted');
  assert.ok(result.runs >= 2);
  await recordHistory(t, 'continued-as-new-first-run', handleFor(t, id), firstRunId);
  await recordHistory(t, 'continued-as-new-last-run', handleFor(t, id), later.runId);
});

test('the poller contract: signalWithStart starts one run and signals it, no second run for the same video', async () => {
  const id = videoId();
  const a = await deliver(t, id, uploadEvent(id), {
    requiredStages: ['upload'],
    lingerAfterCompletionMs: 2_000,
  });
  const b = await deliver(t, id, baseChangeEvent(id), { requiredStages: ['upload'] });
  assert.equal(a.signaledRunId, b.signaledRunId);
  const result = (await a.result()) as VideoPipelineResult;
  assert.equal(result.status, 'completed');
});

const docsFor = (id: string) =>
  [...t.sink.accepted.values()].filter(
    (d) => (d as VideoReadyDocument).videoId === id,
  ) as VideoReadyDocument[];

test('events in every order, with duplicates, complete each video once with play info from the VOD API', async () => {
  const ids = await Promise.all(
    permutations([0, 1, 2]).map(() => vod.seedVideo({ stage: 'transcoded', streams: 2 })),
  );
  const options = { lingerAfterCompletionMs: 500 };
  const results = await Promise.all(
    permutations([0, 1, 2]).map(async (order, i) => {
      const id = ids[i]!;
      const events = [
        uploadEvent(id),
        transcodeEvent(id, [stream('ld'), stream('sd', 'success', 'SD')]),
        snapshotEvent(id, [snapshotInfo('cover')]),
      ];
      let handle;
      for (const index of order) handle = await deliver(t, id, events[index]!, options);
      // Stream events and redeliveries of what was already sent, as MNS does.
      await deliver(t, id, streamEvent(id, stream('ld')), options);
      await deliver(t, id, events[order[0]!]!, options);
      return { id, result: (await handle!.result()) as VideoPipelineResult };
    }),
  );
  for (const { id, result } of results) {
    assert.equal(result.status, 'completed', id);
    assert.equal(result.publications.length, 1, id);
    const [doc] = docsFor(id);
    assert.ok(doc, `document for ${id}`);
    assert.deepEqual(
      doc.streams.map((s) => s.definition),
      ['LD', 'SD'],
      'streams from GetPlayInfo',
    );
    assert.ok(doc.streams.every((s) => s.url?.startsWith('http://vod-emulator.example.com/')));
    assert.ok(doc.duration !== null && doc.duration > 0);
    assert.equal(doc.cover, 'http://img.example.com/covers/cover-00002.jpg');
    assert.equal(doc.snapshots[0]?.urls.length, 3);
  }
  await recordHistory(t, 'completed-all-stages', handleFor(t, ids[5]!));
  // The same run since fetchPlayInfo became a local activity (a marker instead of an activity task).
  await recordHistory(t, 'completed-local-play-info', handleFor(t, ids[5]!));
});

test('a partially failed transcode completes with the failed streams listed; a fully failed one fails', async () => {
  const partialId = await vod.seedVideo({ stage: 'partiallyTranscoded', streams: 3 });
  const options = { lingerAfterCompletionMs: 300 };
  await deliver(t, partialId, uploadEvent(partialId), options);
  await deliver(t, partialId, snapshotEvent(partialId, [snapshotInfo('c')]), options);
  const handle = await deliver(
    t,
    partialId,
    transcodeEvent(partialId, [stream('a'), stream('b', 'fail', 'HD')]),
    options,
  );
  const result = (await handle.result()) as VideoPipelineResult;
  assert.equal(result.status, 'completed');
  const [doc] = docsFor(partialId);
  assert.deepEqual(doc?.failedStreams, [
    { key: 'b', errorCode: 'TranscodeFail', errorMessage: 'stream b failed' },
  ]);

  const failedId = await vod.seedVideo({ stage: 'transcodeFailed' });
  await deliver(t, failedId, uploadEvent(failedId), options);
  const failed = await deliver(
    t,
    failedId,
    transcodeEvent(failedId, [stream('x', 'fail'), stream('y', 'fail')]),
    options,
  );
  const failedResult = (await failed.result()) as VideoPipelineResult;
  assert.equal(failedResult.status, 'failed');
  assert.match(failedResult.reason ?? '', /^transcode failed \(TranscodeFail: stream x failed\)/);
  assert.equal(docsFor(failedId).length, 0);
});

test('lost events are recovered by reconciliation through the VOD API', async () => {
  const id = await vod.seedVideo({ stage: 'transcoded', streams: 2 });
  // Only TranscodeComplete arrives: FileUploadComplete and SnapshotComplete were dropped by VOD.
  const handle = await deliver(t, id, transcodeEvent(id, [stream('ld'), stream('sd', 'success', 'SD')]), {
    overdueAfterMs: { upload: 1_000, transcode: 1_000, snapshot: 1_000 },
    reconcileIntervalMs: 1_000,
    lingerAfterCompletionMs: 300,
  });
  const result = (await handle.result()) as VideoPipelineResult;
  assert.equal(result.status, 'completed');
  assert.equal(result.stages.upload.source, 'reconciliation');
  assert.equal(result.stages.snapshot.source, 'reconciliation');
  assert.equal(result.stages.transcode.source, 'event');
  const [doc] = docsFor(id);
  assert.match(doc?.cover ?? '', /^http:\/\/.*-0000\d\.jpg$/);
  assert.ok((doc?.snapshots[0]?.count ?? 0) > 0);
  assert.ok((doc?.source.size ?? 0) > 0, 'size from GetVideoInfo');
  await recordHistory(t, 'reconciled', handle);
});

test('a backfilled run asks the VOD API at once, completes without any event and is marked VodBackfilled', async () => {
  const id = await vod.seedVideo({ stage: 'transcoded', streams: 1 });
  const input: VideoPipelineInput = {
    mediaId: id,
    region: 'cn-shanghai',
    origin: 'backfill',
    options: { lingerAfterCompletionMs: 300 },
  };
  const handle = await t.env.client.workflow.start(videoPipelineWorkflowType, {
    workflowId: videoWorkflowId(id),
    taskQueue: t.taskQueue,
    args: [input],
  });
  const result = (await handle.result()) as VideoPipelineResult;
  assert.equal(result.status, 'completed');
  assert.deepEqual(
    [result.stages.upload.source, result.stages.transcode.source, result.stages.snapshot.source],
    ['reconciliation', 'reconciliation', 'reconciliation'],
  );
  assert.equal(docsFor(id).length, 1);
  const found = [];
  for await (const w of t.env.client.workflow.list({
    query: `VodBackfilled = "true" AND VideoId = "${id}"`,
  })) {
    found.push(w.workflowId);
  }
  assert.deepEqual(found, [videoWorkflowId(id)]);
});

test('a video that never finishes transcoding ends as stalled at the final deadline, with the reason', async () => {
  const id = await vod.seedVideo({ stage: 'transcoding' });
  const handle = await deliver(t, id, uploadEvent(id), {
    overdueAfterMs: { transcode: 500, snapshot: 500 },
    reconcileIntervalMs: 1_000,
    finalDeadlineMs: 3_000,
  });
  const result = (await handle.result()) as VideoPipelineResult;
  assert.equal(result.status, 'stalled');
  assert.match(result.reason ?? '', /not complete .*transcode.*\(VOD video status Transcoding\)/);
  const description = await handle.describe();
  assert.equal(description.typedSearchAttributes.get(VodStatus), 'stalled');
  assert.equal(description.typedSearchAttributes.get(VodStage), 'transcode');
  await recordHistory(t, 'stalled', handle);
});

test("GetPlayInfo's not-ready window right after transcoding is retried", async () => {
  const id = await vod.simulateUpload({ knobs: { transcode: 'success', streams: 1, playInfoLagMs: 5_000 } });
  const options = { lingerAfterCompletionMs: 300 };
  await deliver(t, id, uploadEvent(id), options);
  await deliver(t, id, snapshotEvent(id, [snapshotInfo('c')]), options);
  const handle = await deliver(t, id, transcodeEvent(id, [stream('ld')]), options);
  const result = (await handle.result()) as VideoPipelineResult;
  assert.equal(result.status, 'completed');
  const history = await handle.fetchHistory();
  // fetchPlayInfo is a local activity: its attempts are in its marker, not an ActivityTaskStarted.
  const attempts = (history.events ?? [])
    .map((e) => localActivityAttempt(e) ?? e.activityTaskStartedEventAttributes?.attempt ?? 0)
    .reduce((a, b) => Math.max(a, b), 0);
  assert.ok(attempts >= 2, `fetchPlayInfo retried (max attempt ${attempts})`);
  assert.equal(docsFor(id)[0]?.streams.length, 1);
});

test('a re-transcode after completion reruns only the steps whose inputs changed', async () => {
  const id = await vod.seedVideo({ stage: 'transcoded', streams: 2 });
  const options = { lingerAfterCompletionMs: 5_000 };
  await deliver(t, id, uploadEvent(id), options);
  await deliver(t, id, snapshotEvent(id, [snapshotInfo('c')]), options);
  const handle = await deliver(t, id, transcodeEvent(id, [stream('ld')]), options);
  const first = await eventually(
    'first publication',
    () => queryState(t, id),
    (s) => s.publications.length === 1,
  );
  assert.equal(first.status, 'completed');
  const playInfoAt = first.steps.fetchPlayInfo?.atMs;
  // A late duplicate is absorbed; a new transcode task (new identity, new streams) is real work.
  await deliver(t, id, uploadEvent(id), options);
  await deliver(
    t,
    id,
    transcodeEvent(id, [stream('ld2'), stream('hd2', 'success', 'HD')], { second: 40 }),
    options,
  );
  const result = (await handle.result()) as VideoPipelineResult;
  assert.equal(result.status, 'completed');
  assert.equal(result.publications.length, 2);
  assert.notEqual(result.publications[0], result.publications[1]);
  assert.match(result.publications[1]!, /publishVideoReady:u1-t2-s1$/);
  assert.equal(result.stages.upload.version, 1);
  const [, second] = docsFor(id);
  assert.equal(second?.version, 'u1-t2-s1');
  const state = await handle.query(pipelineStateQuery);
  assert.equal(state.steps.fetchPlayInfo?.version, 't2');
  assert.notEqual(state.steps.fetchPlayInfo?.atMs, playInfoAt);
});

test('the worker counts activity attempts and pipeline ends, scraped from /metrics', async () => {
  // A worker of its own (own task queue, sink and registry) on the shared server: exact counts.
  const sink = await startWebhookSink(webhookSecret);
  const metrics = createWorkerMetrics({ defaultMetrics: false });
  const taskQueue = uniqueName('metrics');
  const worker = await startWorker({
    ...workerConnectionTo(t.env.server),
    taskQueue,
    activityDeps: {
      vod: { credentials, endpoint: vod.endpoint, timeoutMs: 5_000 },
      webhook: { url: sink.url, secrets: [webhookSecret], timeoutMs: 5_000 },
    },
    metrics,
  });
  const health = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    registries: [worker.metrics.registry],
    readiness: () => ({ ready: true }),
  });
  const mine: PipelineTestEnv = { ...t, sink, worker, taskQueue };
  const scrape = async () => (await fetch(`http://127.0.0.1:${health.port}/metrics`)).text();
  try {
    // All stages: fetchPlayInfo once; the first publication is refused with 503, the retry accepted.
    const id = await vod.seedVideo({ stage: 'transcoded', streams: 1 });
    const options = { lingerAfterCompletionMs: 300 };
    sink.failNext(1, 503);
    await deliver(mine, id, uploadEvent(id), options);
    await deliver(mine, id, snapshotEvent(id, [snapshotInfo('c')]), options);
    const handle = await deliver(mine, id, transcodeEvent(id, [stream('ld')]), options);
    assert.equal(((await handle.result()) as VideoPipelineResult).status, 'completed');
    // Upload only, and a receiver that refuses the document for good (400): no retry, the run fails.
    const rejectedId = videoId();
    sink.failNext(1, 400);
    const rejected = await deliver(mine, rejectedId, uploadEvent(rejectedId), {
      requiredStages: ['upload'],
      lingerAfterCompletionMs: 300,
    });
    assert.equal(((await rejected.result()) as VideoPipelineResult).status, 'failed');
    assert.deepEqual(
      sink.deliveries.map((d) => d.status),
      [503, 200, 400],
    );
    // A query on a closed run replays its whole history on this worker: its end must not count twice.
    assert.equal((await queryState(mine, id)).status, 'completed');

    // The sink call runs as the final task completes, which can trail result() by a moment.
    const text = await eventually(
      'both pipeline ends counted',
      scrape,
      (body) => sampleValue(body, 'vodflow_pipelines_finished_total', { status: 'failed' }) === 1,
    );
    const executions = (activity: string, outcome: string, errorType: string) =>
      sampleValue(text, 'vodflow_worker_activity_executions_total', {
        activity,
        outcome,
        error_type: errorType,
      });
    assert.equal(executions('fetchPlayInfo', 'completed', 'none'), 1);
    assert.equal(executions('publishVideoReady', 'completed', 'none'), 1);
    assert.equal(executions('publishVideoReady', 'failed_retryable', 'WebhookUnavailable'), 1);
    assert.equal(executions('publishVideoReady', 'failed_non_retryable', 'WebhookRejected'), 1);
    const attempts = (activity: string) =>
      sampleValue(text, 'vodflow_worker_activity_duration_seconds_count', { activity });
    assert.equal(attempts('fetchPlayInfo'), 1);
    assert.equal(attempts('publishVideoReady'), 3);
    assert.equal(attempts('reconcileVideo'), 0, 'no stage was overdue');
    assert.equal(sampleValue(text, 'vodflow_pipelines_finished_total', { status: 'completed' }), 1);
    assert.equal(sampleValue(text, 'vodflow_pipelines_finished_total', { status: 'stalled' }), 0);
    assert.ok(!text.includes(id) && !text.includes(rejectedId), 'no media id in any label');
    assert.ok(!text.includes('HTTP 503'), 'no failure message in any label');
  } finally {
    await health.close();
    await worker.shutdown();
    await sink.close();
  }
});

/** The attempt a local activity's marker records (Core's JSON marker data), if the event is one. */
function localActivityAttempt(event: temporal.api.history.v1.IHistoryEvent): number | undefined {
  const marker = event.markerRecordedEventAttributes;
  if (marker?.markerName !== 'core_local_activity') return undefined;
  const data = marker.details?.data?.payloads?.[0]?.data;
  if (!data) return undefined;
  const parsed = JSON.parse(Buffer.from(data).toString('utf8')) as { attempt?: unknown };
  return typeof parsed.attempt === 'number' ? parsed.attempt : undefined;
}
