// Review gates in front of the built-in publication, decided through the real CLI and the
// update API, and by timeout; a waiting video is found by its search attribute.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { VodEmulator } from '../../../harness/emulators/vod';
import {
  pipelineStateQuery,
  reviewDecisionUpdate,
  type VideoPipelineResult,
} from '../../../src/shared/definitions';
import { startWorker, type RunningWorker } from '../../../src/worker/createWorker';
import { runCli } from '../../harness/cli';
import { uniqueName, workerConnectionTo } from '../../harness/temporal';
import {
  snapshotEvent,
  snapshotInfo,
  stream,
  transcodeEvent,
  uploadEvent,
} from '../../unit/workflows/eventBuilders';
import {
  deliver,
  eventually,
  handleFor,
  startPipelineTestEnv,
  type PipelineTestEnv,
} from './pipelineHarness';

const credentials = { accessKeyId: 'review-ak', accessKeySecret: 'review-secret' };
let t: PipelineTestEnv;
let team: PipelineTestEnv;
let vod: VodEmulator;
let worker: RunningWorker;

before(async () => {
  t = await startPipelineTestEnv({ credentials, vod: { seed: 13 } });
  vod = t.vod;
  team = { ...t, taskQueue: uniqueName('review') };
  worker = await startWorker({
    ...workerConnectionTo(t.env.server),
    taskQueue: team.taskQueue,
    stepsModule: require.resolve('./teamSteps/stepsReview'),
    activityDeps: t.activityDeps,
  });
});

after(async () => {
  await worker?.shutdown();
  await t?.teardown();
});

const options = { lingerAfterCompletionMs: 500 };

async function allStages(id: string): Promise<void> {
  await deliver(team, id, uploadEvent(id), options);
  await deliver(team, id, transcodeEvent(id, [stream(`ld-${id}`)]), options);
  await deliver(team, id, snapshotEvent(id, [snapshotInfo(`cover-${id}`)]), options);
}

const publicationsOf = (id: string) =>
  t.sink.deliveries.filter((d) => (d.body as { videoId?: string }).videoId === id && d.status === 200);

async function waitingForReview(id: string): Promise<void> {
  await eventually(
    `${id} to wait for review, found by VodStage`,
    async () => {
      const found: string[] = [];
      for await (const w of t.env.client.workflow.list({
        query: `VodStage = "review" AND VideoId = "${id}"`,
      })) {
        found.push(w.workflowId);
      }
      return found;
    },
    (found) => found.length === 1,
  );
}

test('an approved review lets the publication through: decided with `vodflow review --approve`', async () => {
  const id = await vod.seedVideo({ stage: 'transcoded', streams: 1 });
  await allStages(id);
  await waitingForReview(id);
  const state = await handleFor(team, id).query(pipelineStateQuery);
  assert.equal(state.status, 'processing');
  assert.deepEqual(
    state.reviews.map((r) => [r.step, r.onTimeout]),
    [['contentReview', 'reject']],
  );
  assert.equal(state.steps.publishVideoReady, undefined, 'nothing published before the decision');
  assert.equal(publicationsOf(id).length, 0);

  const cli = await runCli(['review', id, '--approve', '--reviewer', 'ann'], t.env.server.clientEnv);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, new RegExp(`${id}: contentReview approved`));

  const result = (await handleFor(team, id).result()) as VideoPipelineResult;
  assert.equal(result.status, 'completed');
  assert.equal(publicationsOf(id).length, 1);
  const after = await handleFor(team, id).query(pipelineStateQuery);
  assert.deepEqual(after.reviews, []);
  assert.equal(after.steps.contentReview?.status, 'succeeded');
  assert.equal((after.steps.contentReview?.output as { reviewer: string }).reviewer, 'ann');
});

test('a rejected review ends the video rejected, with the reason, and publishes nothing', async () => {
  const id = await vod.seedVideo({ stage: 'transcoded', streams: 1 });
  await allStages(id);
  await waitingForReview(id);
  const outcome = await handleFor(team, id).executeUpdate(reviewDecisionUpdate, {
    args: [{ approve: false, reason: 'logo missing', reviewer: 'bo' }],
  });
  assert.deepEqual(
    [outcome.step, outcome.approved, outcome.reason],
    ['contentReview', false, 'logo missing'],
  );
  const result = (await handleFor(team, id).result()) as VideoPipelineResult;
  assert.equal(result.status, 'rejected');
  assert.match(result.reason ?? '', /contentReview rejected by bo: logo missing/);
  assert.equal(publicationsOf(id).length, 0);
});

test('without a decision the gate applies its default when its timeout passes', async () => {
  // Upload only: an id VOD does not know has no play info to fetch.
  const id = uniqueName('quick').replace(/[^a-zA-Z0-9]/g, '');
  await deliver(team, id, uploadEvent(id), { ...options, requiredStages: ['upload'] });
  const result = (await handleFor(team, id).result()) as VideoPipelineResult;
  assert.equal(result.status, 'completed');
  const state = await handleFor(team, id).query(pipelineStateQuery);
  const review = state.steps.quickReview?.output as { decidedBy: string; approved: boolean };
  assert.deepEqual([review.decidedBy, review.approved], ['timeout', true]);
  assert.equal(state.steps.contentReview?.status, 'skipped', "the other gate's condition said no");
});

test('a decision for a video that is not waiting is refused and changes nothing', async () => {
  const id = uniqueName('v').replace(/[^a-zA-Z0-9]/g, '');
  await deliver(team, id, uploadEvent(id), { ...options, requiredStages: ['upload', 'transcode'] });
  await assert.rejects(
    handleFor(team, id).executeUpdate(reviewDecisionUpdate, { args: [{ approve: true }] }),
    (err: unknown) =>
      err instanceof WorkflowUpdateFailedError && /no review is pending/.test(String(err.cause)),
  );
  const cli = await runCli(['review', id, '--reject'], t.env.server.clientEnv);
  assert.equal(cli.code, 2, 'a rejection needs a reason');
  assert.match(cli.stderr, /--reject needs --reason/);
  const state = await handleFor(team, id).query(pipelineStateQuery);
  assert.equal(state.status, 'waiting');
});
