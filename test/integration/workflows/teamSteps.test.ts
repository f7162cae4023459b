// A team's steps on a real dev server: the graph runs independent steps in parallel and
// dependent ones in order, optional failures and conditions are recorded, and a new step set
// deployed while videos are in flight finishes every video without a non-determinism error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { VodEmulator } from '../../../harness/emulators/vod';
import { pipelineStateQuery, type PipelineView } from '../../../src/shared/definitions';
import { startWorker, type RunningWorker } from '../../../src/worker/createWorker';
import { workflowBundle } from '../../../src/worker/workflowBundle';
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
  recordHistory,
  startPipelineTestEnv,
  type PipelineTestEnv,
} from './pipelineHarness';
import { teamActivities, type TeamRecorder } from './teamSteps/activities';

const credentials = { accessKeyId: 'team-steps-ak', accessKeySecret: 'team-steps-secret' };
const stepsV1 = require.resolve('./teamSteps/stepsV1');
const stepsV2 = require.resolve('./teamSteps/stepsV2');

let t: PipelineTestEnv;
let vod: VodEmulator;
const recorder: TeamRecorder = { calls: [], rendezvous: new Map() };
let teamWorker: RunningWorker | undefined;

before(async () => {
  t = await startPipelineTestEnv({ credentials, vod: { seed: 12 } });
  vod = t.vod;
});

after(async () => {
  await teamWorker?.shutdown();
  await t?.teardown();
});

/** A worker of the team's on its own task queue; the shared one runs vodflow's steps only. */
async function startTeamWorker(stepsModule: string, taskQueue: string): Promise<RunningWorker> {
  return startWorker({
    ...workerConnectionTo(t.env.server),
    taskQueue,
    stepsModule,
    activities: teamActivities(recorder),
    activityDeps: t.activityDeps,
  });
}

const stagesOf = (id: string, second = 1) => [
  uploadEvent(id, 'success', second),
  transcodeEvent(id, [stream(`ld-${second}`), stream(`sd-${second}`, 'success', 'SD')], {
    second: second + 1,
  }),
  snapshotEvent(id, [snapshotInfo(`cover-${second}`)], { second: second + 2 }),
];

const callsOf = (id: string, activity?: string) =>
  recorder.calls.filter((c) => c.mediaId === id && (activity === undefined || c.activity === activity));

function query(team: PipelineTestEnv, id: string): Promise<PipelineView> {
  return handleFor(team, id).query(pipelineStateQuery);
}

test('a team step graph: parallel where independent, in order where dependent, optional failures and conditions recorded', async () => {
  const taskQueue = uniqueName('team');
  teamWorker = await startTeamWorker(stepsV1, taskQueue);
  const team = { ...t, taskQueue };
  const videoId = await vod.seedVideo({ stage: 'transcoded', streams: 2 });
  recorder.rendezvous.set(videoId, new Set());
  for (const event of stagesOf(videoId))
    await deliver(team, videoId, event, { lingerAfterCompletionMs: 1_000 });
  const state = await eventually(
    'the team steps to settle',
    () => query(team, videoId),
    (s) => s.status === 'completed',
  );
  // The team's activities are measured under their own names, like vodflow's.
  const attempts = (await teamWorker.metrics.activityExecutions.get()).values;
  const count = (activity: string, outcome: string) =>
    attempts.find((v) => v.labels.activity === activity && v.labels.outcome === outcome)?.value ?? 0;
  assert.ok(count('archiveSource', 'completed') >= 1);
  assert.ok(count('enrich', 'failed_non_retryable') >= 1);
  await teamWorker.shutdown();
  teamWorker = undefined;

  assert.equal(state.steps.archiveSource?.status, 'succeeded');
  assert.equal(state.steps.moderateThumbnail?.status, 'succeeded');
  assert.equal(state.steps.notifyCms?.status, 'succeeded');
  assert.equal(state.steps.publishVideoReady?.status, 'succeeded');
  // enrich is optional and failed: recorded, shown, the video still completes; its dependent is skipped.
  assert.equal(state.steps.enrich?.status, 'failed');
  assert.match(state.steps.enrich?.error ?? '', /enrichment service is down/);
  assert.equal(state.steps.indexEnrichment?.status, 'skipped');
  assert.equal(state.steps.indexEnrichment?.blockedBy, 'enrich');
  // transcribe's condition said no: skipped without a dependency to blame.
  assert.equal(state.steps.transcribe?.status, 'skipped');
  assert.equal(state.steps.transcribe?.blockedBy, undefined);
  assert.deepEqual(
    state.stepGraph.map((s) => s.name),
    [
      'archiveSource',
      'enrich',
      'fetchPlayInfo',
      'indexEnrichment',
      'moderateThumbnail',
      'publishVideoReady',
      'notifyCms',
      'transcribe',
    ],
  );

  // Each step's activity ran once (enrich: its two attempts are one step run).
  for (const activity of ['archiveSource', 'moderateThumbnail', 'notifyCms']) {
    assert.equal(callsOf(videoId, activity).length, 1, activity);
  }
  assert.equal(callsOf(videoId, 'indexEnrichment').length, 0);
  assert.equal(callsOf(videoId, 'transcribe').length, 0);
  // archiveSource and moderateThumbnail met at their rendezvous, so they ran at the same time.
  assert.deepEqual([...(recorder.rendezvous.get(videoId) ?? [])].sort(), [
    'archiveSource',
    'moderateThumbnail',
  ]);
  // notifyCms ran after the publication it depends on was delivered: it was handed its output.
  const notified = state.steps.notifyCms?.output as {
    publication: { idempotencyKey: string; delivered: boolean };
  };
  assert.equal(notified.publication.delivered, true);
  assert.equal(notified.publication.idempotencyKey, state.publications[0]);
  assert.match(state.steps.archiveSource?.version ?? '', /^u1$/);
  assert.equal(callsOf(videoId, 'archiveSource')[0]?.key, `vod-video-${videoId}:archiveSource:u1`);
});

test('a new step set deployed while videos are in flight finishes every video, old and new, without a non-determinism error', async () => {
  const taskQueue = uniqueName('deploy');
  const team = { ...t, taskQueue };
  // Build V2's bundle first, so the switch below is a restart and nothing else.
  await workflowBundle(stepsV2);
  teamWorker = await startTeamWorker(stepsV1, taskQueue);
  const options = { lingerAfterCompletionMs: 120_000 };

  // waiting: only its upload is in when V2 arrives, so it runs V2's steps from the start.
  const waiting = await vod.seedVideo({ stage: 'transcoded', streams: 1 });
  await deliver(team, waiting, stagesOf(waiting)[0]!, options);
  // finished: completed every V1 step and lingers; a re-transcode after the switch reruns its steps on V2.
  const finished = await vod.seedVideo({ stage: 'transcoded', streams: 1 });
  for (const event of stagesOf(finished)) await deliver(team, finished, event, options);
  await eventually(
    'the V1 video to complete',
    () => query(team, finished),
    (s) => s.status === 'completed',
  );
  await recordHistory(team, 'team-steps/completed-on-v1', handleFor(team, finished));

  await teamWorker.shutdown();
  teamWorker = await startTeamWorker(stepsV2, taskQueue);

  for (const event of stagesOf(waiting).slice(1)) await deliver(team, waiting, event, options);
  await deliver(
    team,
    finished,
    transcodeEvent(finished, [stream('ld-re', 'success', 'HD')], { second: 30 }),
    options,
  );

  const waitingState = await eventually(
    'the waiting video to complete on V2',
    () => query(team, waiting),
    (s) => s.status === 'completed' && s.steps.tagSearchIndex?.status === 'succeeded',
  );
  const finishedState = await eventually(
    'the re-transcoded V1 video to complete on V2',
    () => query(team, finished),
    (s) =>
      s.status === 'completed' &&
      s.steps.tagSearchIndex?.status === 'succeeded' &&
      s.publications.length === 2,
  );
  await recordHistory(team, 'team-steps/v1-then-v2', handleFor(team, finished));

  // The retired step never starts again; it stays in the record of the video that ran it.
  assert.equal(waitingState.steps.archiveSource, undefined);
  assert.equal(callsOf(waiting, 'archiveSource').length, 0);
  assert.equal(finishedState.steps.archiveSource?.status, 'succeeded');
  assert.equal(callsOf(finished, 'archiveSource').length, 1);
  // Steps whose inputs changed ran again (new transcode version), the others did not.
  assert.equal(finishedState.steps.publishVideoReady?.version, 'u1-t2-s1');
  assert.equal(callsOf(finished, 'notifyCms').length, 2);
  assert.equal(callsOf(finished, 'tagSearchIndex').length, 1);
  assert.equal(callsOf(finished, 'moderateThumbnail').length, 1);

  for (const id of [waiting, finished]) {
    const history = await handleFor(team, id).fetchHistory();
    const failedTasks = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
    assert.deepEqual(failedTasks, [], `no failed workflow task in ${id}'s history`);
  }
  await teamWorker.shutdown();
  teamWorker = undefined;
});
