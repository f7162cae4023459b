import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { VideoReadyDocument } from '../../../src/workflows/steps';
import { VideoId, VodRegion, VodStage, VodStatus } from '../../../src/workflows/searchAttributes';
import type { VideoPipelineResult } from '../../../src/workflows/videoPipeline';
import { uniqueName } from '../../harness/temporal';
import { baseChangeEvent, deleteEvent, uploadEvent } from '../../unit/workflows/eventBuilders';
import {
  deliver,
  eventually,
  handleFor,
  queryState,
  recordHistory,
  startPipelineTestEnv,
  type PipelineTestEnv,
} from './pipelineHarness';

let t: PipelineTestEnv;

before(async () => {
  t = await startPipelineTestEnv({
    credentials: { accessKeyId: 'unused', accessKeySecret: 'unused' },
    endpoint: 'http://127.0.0.1:9',
    timeoutMs: 2_000,
  });
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
  const memo = (await description.memo) as Record<string, unknown> | undefined;
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
