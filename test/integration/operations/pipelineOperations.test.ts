// The operator toolkit against real runs, through the compiled CLI: `status`, `list` and
// `cancel` on a run waiting for its stages, one lingering after it completed and one closed;
// `cancel` of a video whose step is running (a slow receiver); and `rerun --query` after a
// webhook receiver that refused everything was fixed: one publication per video, under the
// key the failed attempts carried.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startWorker, type RunningWorker } from '../../../src/worker/createWorker';
import {
  pipelineStateQuery,
  type PipelineView,
  type VideoPipelineResult,
} from '../../../src/shared/definitions';
import type { VideoReport } from '../../../src/operations/videoReport';
import type { CancelOutcome, RerunOutcome, VideoListing } from '../../../src/operations/videoPipelines';
import type { VideoReadyDocument } from '../../../src/workflows/videoReadyDocument';
import { runCli, type CliResult } from '../../harness/cli';
import { uniqueName, workerConnectionTo } from '../../harness/temporal';
import { uploadEvent } from '../../unit/workflows/eventBuilders';
import {
  deliver,
  eventually,
  handleFor,
  queryState,
  recordHistory,
  startPipelineTestEnv,
  type PipelineTestEnv,
} from '../workflows/pipelineHarness';

let t: PipelineTestEnv;
const credentials = { accessKeyId: 'operations-ak', accessKeySecret: 'operations-secret' };

before(async () => {
  t = await startPipelineTestEnv({ credentials, vod: { seed: 17 } });
});

after(async () => {
  await t?.teardown();
});

const videoId = () => uniqueName('op').replace(/[^a-zA-Z0-9]/g, '');
const uploadOnly = { requiredStages: ['upload' as const] };
const lingering = { ...uploadOnly, lingerAfterCompletionMs: 10 * 60_000 };
const closing = { ...uploadOnly, lingerAfterCompletionMs: 300 };

function cli(args: string[]): Promise<CliResult> {
  return runCli(
    args,
    // Address, namespace and, on the cluster, its TLS settings.
    t.env.server.clientEnv,
    120_000,
  );
}

function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\n${result.stderr}`);
  }
}

const deliveriesOf = (id: string) =>
  t.sink.deliveries.filter((d) => (d.body as VideoReadyDocument).videoId === id);

async function settledStatus(id: string, status: PipelineView['status']): Promise<PipelineView> {
  return eventually(
    `${id} ${status}`,
    () => queryState(t, id),
    (s) => s.status === status,
  );
}

test('status, list and cancel: a waiting run, a lingering run and a closed run', async () => {
  const waiting = videoId();
  const lingers = videoId();
  const closed = videoId();
  await deliver(t, waiting, uploadEvent(waiting), { requiredStages: ['upload', 'transcode'] });
  await deliver(t, lingers, uploadEvent(lingers), lingering);
  const closedHandle = await deliver(t, closed, uploadEvent(closed), closing);
  assert.equal(((await closedHandle.result()) as VideoPipelineResult).status, 'completed');
  await settledStatus(lingers, 'completed');
  await eventually(
    'the waiting run has its upload',
    () => queryState(t, waiting),
    (s) => s.video.stages.upload.status === 'succeeded',
  );

  const status = await cli(['status', waiting, lingers, closed, '--json']);
  assert.equal(status.code, 0, status.stderr);
  const [w, l, c] = json<{ videos: VideoReport[] }>(status).videos;
  assert.deepEqual(
    [w!.status, w!.execution, w!.lingering, w!.source],
    ['waiting', 'RUNNING', false, 'query'],
  );
  assert.deepEqual(
    w!.stages.map((s) => [s.name, s.status, s.version, s.source ?? null, s.required]),
    [
      ['upload', 'succeeded', 1, 'event', true],
      ['transcode', 'pending', 0, null, true],
      ['snapshot', 'pending', 0, null, false],
    ],
  );
  assert.equal(w!.stage, 'transcode');
  assert.deepEqual([l!.status, l!.execution, l!.lingering], ['completed', 'RUNNING', true]);
  const publish = l!.steps.find((s) => s.name === 'publishVideoReady');
  assert.equal(publish?.status, 'succeeded');
  assert.equal(publish?.idempotencyKey, `vod-video-${lingers}:publishVideoReady:u1-t0-s0`);
  assert.deepEqual(l!.publications, [publish?.idempotencyKey]);
  assert.equal(l!.steps.find((s) => s.name === 'fetchPlayInfo')?.status, 'skipped', 'no transcode required');
  assert.deepEqual([c!.status, c!.execution, c!.lingering], ['completed', 'COMPLETED', false]);
  assert.equal(c!.source, 'query', 'a worker answers for a closed run');
  assert.equal(
    c!.uiUrl,
    `http://127.0.0.1:8233/namespaces/${t.env.server.namespace}/workflows/vod-video-${closed}`,
  );

  const text = await cli(['status', lingers]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`${lingers} — completed`));
  assert.match(text.stdout, /Web UI: http:\/\/127\.0\.0\.1:8233\/namespaces\//);
  assert.match(text.stdout, /upload\s+succeeded\s+v1 from an event/);
  assert.match(text.stdout, /VIDEO\s+STATUS\s+STAGE\s+RUN\s+FROM/);
  assert.match(text.stdout, /open, lingering/);

  const missing = await cli(['status', 'noSuchVideo0', closed]);
  assert.equal(missing.code, 1, 'one of them is not found');
  assert.match(missing.stdout, /noSuchVideo0\s+not found/);
  assert.equal((await cli(['status', 'bad id!'])).code, 2);

  // list: by status, by stage and region, since; counts per status.
  const listing = await eventually(
    'list to see all three',
    async () => json<VideoListing>(await cli(['list', '--since', '1h', '--json'])),
    (l) => [waiting, lingers, closed].every((id) => l.rows.some((r) => r.videoId === id && r.status)),
  );
  assert.equal(listing.rows.find((r) => r.videoId === waiting)?.status, 'waiting');
  assert.equal(listing.rows.find((r) => r.videoId === closed)?.execution, 'COMPLETED');
  assert.ok((listing.counts.completed ?? 0) >= 2, JSON.stringify(listing.counts));
  assert.ok((listing.counts.waiting ?? 0) >= 1);
  const completedOnly = json<VideoListing>(
    await cli(['list', '--status', 'completed', '--region', 'cn-shanghai', '--json']),
  );
  assert.ok(completedOnly.rows.every((r) => r.status === 'completed'));
  assert.ok(completedOnly.rows.some((r) => r.videoId === closed));
  assert.deepEqual(Object.keys(completedOnly.counts), ['completed']);
  const transcodeStage = json<VideoListing>(await cli(['list', '--stage', 'transcode', '--json']));
  assert.ok(transcodeStage.rows.some((r) => r.videoId === waiting));
  assert.ok(!transcodeStage.rows.some((r) => r.videoId === lingers));
  const table = await cli(['list', '--status', 'waiting,completed']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /STATUS\s+RUNS/);
  assert.equal((await cli(['list', '--status', 'done'])).code, 2, 'not a status');
  assert.equal((await cli(['list', '--query', 'VodStatus = "failed"', '--status', 'failed'])).code, 2);

  // cancel: a dry run changes nothing; then each kind of run.
  const dry = await cli(['cancel', waiting, lingers, closed, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, /dry run: would cancel 2 of 3 video\(s\)/);
  assert.equal((await queryState(t, waiting)).status, 'waiting');

  const cancel = await cli(['cancel', waiting, lingers, closed, '--json']);
  assert.equal(cancel.code, 0, cancel.stderr);
  const outcomes = json<{ videos: CancelOutcome[] }>(cancel).videos;
  assert.deepEqual(
    outcomes.map((o) => [o.videoId, o.action, 'status' in o ? o.status : null]),
    [
      [waiting, 'cancelled', 'cancelled'],
      [lingers, 'closed-settled', 'completed'],
      [closed, 'already-closed', 'completed'],
    ],
  );
  const cancelled = (await handleFor(t, waiting).result()) as VideoPipelineResult;
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.reason, 'cancelled on request while waiting for transcode');
  assert.equal(
    (await handleFor(t, waiting).describe()).status.name,
    'COMPLETED',
    'completed, not failed or cancelled',
  );
  assert.equal(((await handleFor(t, lingers).result()) as VideoPipelineResult).status, 'completed');
  assert.equal(deliveriesOf(lingers).length, 1, 'cancelling a settled run publishes nothing again');
  await eventually(
    'the cancelled video to be searchable',
    async () => json<VideoListing>(await cli(['list', '--status', 'cancelled', '--json'])),
    (l) => l.rows.some((r) => r.videoId === waiting),
  );
  await recordHistory(t, 'cancelled-waiting', handleFor(t, waiting));
});

test('cancel of a video whose step is running (a slow receiver) cancels the step and ends cancelled', async () => {
  const id = videoId();
  // Held longer than the webhook timeout (5 s here): every attempt times out and is retried.
  t.sink.delayNext(1_000, 20_000);
  try {
    await deliver(t, id, uploadEvent(id), lingering);
    await eventually(
      'publishVideoReady running',
      () => queryState(t, id),
      (s) => s.steps.publishVideoReady?.status === 'running',
    );
    const cancel = await cli(['cancel', id]);
    assert.equal(cancel.code, 0, cancel.stderr);
    assert.match(cancel.stdout, new RegExp(`${id}\\s+cancelled\\s+cancelled`));
    const result = (await handleFor(t, id).result()) as VideoPipelineResult;
    assert.equal(result.status, 'cancelled');
    assert.equal(result.reason, 'cancelled on request while running publishVideoReady');
    assert.deepEqual(result.publications, []);
    const state = await handleFor(t, id).query(pipelineStateQuery);
    assert.equal(state.steps.publishVideoReady?.status, 'cancelled');
    const history = await handleFor(t, id).fetchHistory();
    assert.ok(
      history.events?.some((e) => e.activityTaskCancelRequestedEventAttributes),
      'the activity was cancelled through Temporal',
    );
    const list = await eventually(
      'VodStatus = "cancelled" to find it',
      async () => json<VideoListing>(await cli(['list', '--query', 'VodStatus = "cancelled"', '--json'])),
      (l) => l.rows.some((r) => r.videoId === id),
    );
    assert.equal(list.rows.find((r) => r.videoId === id)?.execution, 'COMPLETED');
    const status = json<{ videos: VideoReport[] }>(await cli(['status', id, '--json'])).videos[0]!;
    assert.equal(status.status, 'cancelled');
    assert.equal(status.steps.find((s) => s.name === 'publishVideoReady')?.status, 'cancelled');
    await recordHistory(t, 'cancelled-step-running', handleFor(t, id));
  } finally {
    t.sink.delayNext(0, 0);
  }
});

test("rerun --query after the receiver was fixed: one publication per video, under the failed attempts' key", async () => {
  // A region of their own, so the query finds these videos and no other test's.
  const region = `ap-rerun-${process.pid}`;
  const closedId = videoId();
  const lingeringId = videoId();
  const query = `VodStatus = "failed" AND VodRegion = "${region}"`;
  t.sink.failNext(1_000, 400); // refuses everything: WebhookRejected, not retried
  try {
    const closedHandle = await deliver(t, closedId, uploadEvent(closedId), closing, { inRegion: region });
    await deliver(t, lingeringId, uploadEvent(lingeringId), lingering, { inRegion: region });
    const closedResult = (await closedHandle.result()) as VideoPipelineResult;
    assert.equal(closedResult.status, 'failed');
    assert.match(closedResult.reason ?? '', /publishVideoReady failed: .*400/);
    await settledStatus(lingeringId, 'failed');
  } finally {
    t.sink.failNext(0, 200);
  }
  const keys = new Map<string, string>();
  for (const id of [closedId, lingeringId]) {
    const refused = deliveriesOf(id);
    assert.ok(refused.length >= 1 && refused.every((d) => d.status === 400));
    assert.equal(new Set(refused.map((d) => d.idempotencyKey)).size, 1);
    keys.set(id, refused[0]!.idempotencyKey!);
  }
  const before = (id: string) => deliveriesOf(id).length;
  const counts = new Map([closedId, lingeringId].map((id) => [id, before(id)]));

  const selected = await eventually(
    'both failed videos to be found',
    async () => json<VideoListing>(await cli(['list', '--query', query, '--json'])),
    (l) => l.rows.length === 2,
  );
  assert.deepEqual(selected.counts, { failed: 2 });

  const dry = await cli(['rerun', '--query', query, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(
    dry.stdout,
    new RegExp(`${closedId}\\s+would rerun \\(new run\\)\\s+fetchPlayInfo, publishVideoReady`),
  );
  assert.match(
    dry.stdout,
    new RegExp(`${lingeringId}\\s+would rerun \\(open run\\)\\s+fetchPlayInfo, publishVideoReady`),
  );
  assert.match(dry.stdout, /dry run: would rerun 2 of 2 video\(s\); nothing changed/);
  assert.equal((await queryState(t, lingeringId)).status, 'failed');

  const rerun = await cli([
    'rerun',
    '--query',
    query,
    '--reason',
    'receiver fixed',
    '--wait',
    '90',
    '--json',
  ]);
  assert.equal(rerun.code, 0, `${rerun.stdout}\n${rerun.stderr}`);
  const outcomes = json<{ videos: (RerunOutcome & { after?: VideoReport })[] }>(rerun).videos;
  const byId = new Map(outcomes.map((o) => [o.videoId, o]));
  assert.equal(byId.get(closedId)?.action, 'restarted', 'the closed run is continued by a new run');
  assert.equal(byId.get(lingeringId)?.action, 'updated', 'the lingering run gets the update');
  for (const id of [closedId, lingeringId]) {
    const after = byId.get(id)?.after;
    assert.equal(after?.status, 'completed', JSON.stringify(after));
    assert.deepEqual(after?.publications, [keys.get(id)]);
    const accepted = deliveriesOf(id).slice(counts.get(id));
    assert.equal(accepted.length, 1, `${id}: one publication`);
    assert.equal(accepted[0]!.status, 200);
    assert.equal(
      accepted[0]!.idempotencyKey,
      keys.get(id),
      'the same Idempotency-Key as the failed attempts',
    );
    assert.equal(accepted[0]!.webhookId, keys.get(id), 'and the same webhook-id');
    assert.ok(t.sink.accepted.has(keys.get(id)!));
  }
  const continued = (await handleFor(t, closedId).result()) as VideoPipelineResult;
  assert.equal(continued.status, 'completed');
  assert.equal(continued.runs, 2, 'the pipeline went on in its second run');
  const lingeringState = await queryState(t, lingeringId);
  assert.deepEqual(
    lingeringState.reruns?.map((r) => [r.steps.join(','), r.newPublication, r.reason]),
    [['fetchPlayInfo,publishVideoReady', false, 'receiver fixed']],
  );
  await recordHistory(t, 'rerun-continued-closed-run', handleFor(t, closedId));

  // Asked again, the query still finds the closed failed run, which a newer run superseded.
  const again = await cli(['rerun', '--query', query, '--json']);
  const closedAgain = json<{ videos: RerunOutcome[] }>(again).videos.find((o) => o.videoId === closedId);
  assert.equal(closedAgain?.action, 'superseded');

  // A new publication on request: the rerun steps get a generation, so a new key.
  const fresh = await cli([
    'rerun',
    lingeringId,
    '--from',
    'publishVideoReady',
    '--new-publication',
    '--wait',
    '90',
    '--json',
  ]);
  assert.equal(fresh.code, 0, fresh.stderr);
  const freshOutcome = json<{ videos: (RerunOutcome & { after?: VideoReport })[] }>(fresh).videos[0]!;
  assert.equal(freshOutcome.action, 'updated');
  const newKey = `vod-video-${lingeringId}:publishVideoReady:u1-t0-s0-r1`;
  assert.deepEqual(freshOutcome.after?.publications, [keys.get(lingeringId), newKey]);
  assert.ok(t.sink.accepted.has(newKey));
  await recordHistory(t, 'rerun-lingering-run', handleFor(t, lingeringId));
});

test('rerun of a run still processing: accepted, the step in flight is not run twice', async () => {
  const id = videoId();
  t.sink.failNext(1_000, 503); // retried: the step stays running
  try {
    await deliver(t, id, uploadEvent(id), lingering);
    await eventually(
      'publishVideoReady retrying',
      () => queryState(t, id),
      (s) =>
        s.status === 'processing' &&
        s.steps.publishVideoReady?.status === 'running' &&
        deliveriesOf(id).length > 0,
    );
    const rerun = await cli(['rerun', id, '--json']);
    assert.equal(rerun.code, 0, rerun.stderr);
    const outcome = json<{ videos: RerunOutcome[] }>(rerun).videos[0]!;
    assert.equal(outcome.action, 'updated');
  } finally {
    t.sink.failNext(0, 200);
  }
  const state = await settledStatus(id, 'completed');
  assert.equal(state.steps.publishVideoReady?.runs, 1, 'its run in progress was the rerun');
  assert.equal(state.reruns?.length, 1);
  const mine = deliveriesOf(id);
  assert.equal(mine.filter((d) => d.status === 200).length, 1);
  assert.equal(new Set(mine.map((d) => d.idempotencyKey)).size, 1, 'one key throughout');
});

test('a rerun is refused, and nothing recorded, for an unknown step or a video whose stages are not complete', async () => {
  const waiting = videoId();
  const done = videoId();
  await deliver(t, waiting, uploadEvent(waiting), { requiredStages: ['upload', 'transcode'] });
  await deliver(t, done, uploadEvent(done), lingering);
  await settledStatus(done, 'completed');
  await eventually(
    'upload applied',
    () => queryState(t, waiting),
    (s) => s.video.stages.upload.status === 'succeeded',
  );

  const refused = await cli(['rerun', waiting, done, '--from', 'nope', '--json']);
  assert.equal(refused.code, 1);
  const outcomes = json<{ videos: RerunOutcome[] }>(refused).videos;
  assert.deepEqual(
    outcomes.map((o) => o.action),
    ['refused', 'refused'],
  );
  assert.match((outcomes[1] as { reason: string }).reason, /unknown step "nope"/);
  const notReady = await cli(['rerun', waiting]);
  assert.equal(notReady.code, 1);
  assert.match(notReady.stdout, /required stages are not complete \(transcode pending\)/);
  assert.equal((await queryState(t, done)).reruns, undefined, 'nothing recorded');
  assert.equal((await cli(['rerun'])).code, 2, 'video ids or --query');
  assert.equal((await cli(['rerun', done, '--query', 'VodStatus = "failed"'])).code, 2);
  assert.equal((await cli(['rerun', '--query', 'VodStatus = "failed") OR (x = "y"'])).code, 2);
  await cli(['cancel', waiting, done]);
});

test('status falls back to the history when no worker answers, and exit 3 when Temporal is unreachable', async () => {
  const taskQueue = uniqueName('gone');
  let worker: RunningWorker | null = await startWorker({
    ...workerConnectionTo(t.env.server),
    taskQueue,
    activityDeps: t.activityDeps,
  });
  const id = videoId();
  try {
    const handle = await deliver({ ...t, taskQueue }, id, uploadEvent(id), closing);
    assert.equal(((await handle.result()) as VideoPipelineResult).status, 'completed');
  } finally {
    await worker.shutdown();
    worker = null;
  }
  const status = await cli(['status', id, '--json', '--query-timeout', '2']);
  assert.equal(status.code, 0, status.stderr);
  const report = json<{ videos: VideoReport[] }>(status).videos[0]!;
  assert.equal(report.source, 'history');
  assert.equal(report.status, 'completed');
  assert.equal(report.stages[0]!.source, 'event');
  assert.deepEqual(report.publications, [`vod-video-${id}:publishVideoReady:u1-t0-s0`]);
  assert.equal(
    report.steps.find((s) => s.name === 'publishVideoReady')?.idempotencyKey,
    report.publications[0],
  );
  assert.match(report.notes.join(' '), /history/);

  const unreachable = await runCli(['status', id], { TEMPORAL_ADDRESS: '127.0.0.1:1' }, 60_000);
  assert.equal(unreachable.code, 3, unreachable.stderr);
  assert.match(unreachable.stderr, /cannot connect to Temporal at 127\.0\.0\.1:1/);
});
