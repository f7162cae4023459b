// `vodflow status` without a worker: the report rebuilt from recorded histories matches what
// the workflow itself returned (stages, sources, publications), and the view-based report
// carries every step with its idempotency key.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { historyFacts } from '../../../src/operations/historyFacts';
import {
  pipelineSettled,
  reportFromHistory,
  reportFromView,
  webUiUrl,
  type RunInfo,
} from '../../../src/operations/videoReport';
import type { PipelineView } from '../../../src/shared/definitions';
import { resolvePipelineOptions } from '../../../src/shared/pipelineOptions';
import { initialVideoState } from '../../../src/workflows/stageMachine';
import { readRecordedHistory } from '../../harness/histories';
import { repoRoot } from '../events/fixturePaths';

const histories = path.join(repoRoot, 'test', 'fixtures', 'histories');
const ui = 'http://127.0.0.1:8233';

async function fromHistory(name: string) {
  const { workflowId, history } = await readRecordedHistory(path.join(histories, `${name}.json`));
  const facts = historyFacts(history.events ?? []);
  const run: RunInfo = {
    workflowId,
    runId: 'run-1',
    execution: 'COMPLETED',
    taskQueue: 'q',
    searchAttributes: {},
  };
  return { facts, report: reportFromHistory(facts, run, webUiUrl(ui, 'default', workflowId), ['no worker']) };
}

test('a completed run: stages, steps with their keys and outputs, and publications, from its history', async () => {
  const { facts, report } = await fromHistory('completed-all-stages');
  const signalled = facts.timeline.flatMap((e) => (e.kind === 'event' ? [e.delivery.event.identity] : []));
  assert.equal(signalled.length, 5, 'five deliveries, one of them a duplicate');
  assert.equal(new Set(signalled).size, 4);
  assert.equal(facts.close?.kind, 'completed');
  assert.equal(report.source, 'history');
  assert.equal(report.status, 'completed');
  assert.equal(report.lingering, false);
  assert.equal(report.region, 'cn-shanghai');
  assert.equal(report.run, 1);
  assert.deepEqual(
    report.stages.map((s) => [s.name, s.status, s.version, s.source, s.required]),
    [
      ['upload', 'succeeded', 1, 'event', true],
      ['transcode', 'succeeded', 1, 'event', true],
      ['snapshot', 'succeeded', 1, 'event', true],
    ],
  );
  assert.ok(
    report.stages.every((s) => s.completedAt && s.identity),
    'rebuilt by the stage machine',
  );
  const key = `${report.workflowId}:publishVideoReady:u1-t1-s1`;
  assert.deepEqual(
    report.steps.map((s) => [s.name, s.status, s.runs]),
    [
      ['fetchPlayInfo', 'succeeded', 1],
      ['publishVideoReady', 'succeeded', 1],
    ],
  );
  const publish = report.steps.find((s) => s.name === 'publishVideoReady')!;
  assert.equal(publish.idempotencyKey, key);
  assert.equal(publish.version, 'u1-t1-s1');
  assert.equal((publish.output as { delivered: boolean }).delivered, true);
  assert.deepEqual(report.publications, [key]);
  assert.equal(report.uiUrl, `${ui}/namespaces/default/workflows/${report.workflowId}`);
  assert.deepEqual(report.notes, ['no worker']);
  assert.equal(pipelineSettled(report), true);
});

test('stages the VOD API completed say so; reconciliations are counted apart from steps', async () => {
  const { report } = await fromHistory('reconciled');
  assert.deepEqual(
    report.stages.map((s) => [s.name, s.source]),
    [
      ['upload', 'reconciliation'],
      ['transcode', 'event'],
      ['snapshot', 'reconciliation'],
    ],
  );
  assert.equal(report.reconciliation.count, 1);
  assert.ok(!report.steps.some((s) => s.name === 'reconcileVideo'));
});

test('a stalled run keeps its reason and the VOD status its reconciliations saw', async () => {
  const { report } = await fromHistory('stalled');
  assert.equal(report.status, 'stalled');
  assert.match(report.reason ?? '', /required stages not complete/);
  assert.equal(report.reconciliation.count, 3);
  assert.equal(report.reconciliation.videoStatus, 'Transcoding');
  assert.deepEqual(
    report.stages.map((s) => s.status),
    ['succeeded', 'pending', 'pending'],
  );
});

test('a run continued as new starts from the state it carried', async () => {
  const { report } = await fromHistory('continued-as-new-last-run');
  assert.equal(report.status, 'deleted');
  assert.equal(report.run, 2);
  assert.equal(report.stages[0]!.status, 'succeeded', 'the upload came in the first run');
});

test('from the view: every step of the graph, with its key, output or error, and whether a rerun is due', () => {
  const video = initialVideoState('v1');
  video.stages.upload = { ...video.stages.upload, status: 'succeeded', version: 2, source: 'reconciliation' };
  const view = {
    mediaId: 'v1',
    region: 'cn-shanghai',
    startedAtMs: 0,
    run: 1,
    status: 'failed',
    reason: 'step publishVideoReady failed: WebhookRejected',
    video,
    stageSettledAtMs: {},
    steps: {
      publishVideoReady: {
        status: 'failed',
        version: 'u2',
        atMs: 0,
        runs: 1,
        error: 'WebhookRejected',
        rerun: true,
      },
    },
    reviews: [],
    reconciliation: { count: 1 },
    duplicates: 0,
    publications: [],
    options: resolvePipelineOptions({ requiredStages: ['upload'] }),
    queued: 0,
    dedupeMemory: 1,
    stepGraph: [
      { name: 'fetchPlayInfo', dependsOn: ['transcode'], waitsFor: [], kind: 'activity', optional: false },
      {
        name: 'publishVideoReady',
        dependsOn: ['upload'],
        waitsFor: ['fetchPlayInfo'],
        kind: 'activity',
        optional: false,
      },
    ],
  } satisfies PipelineView;
  const run: RunInfo = {
    workflowId: 'vod-video-v1',
    runId: 'r',
    execution: 'RUNNING',
    taskQueue: 'q',
    searchAttributes: { VodStage: 'done' },
  };
  const report = reportFromView(view, run, webUiUrl(`${ui}/`, 'my ns', 'vod-video-v1'));
  assert.equal(report.lingering, true, 'open and settled');
  assert.equal(report.uiUrl, `${ui}/namespaces/my%20ns/workflows/vod-video-v1`);
  assert.deepEqual(
    report.steps.map((s) => [s.name, s.status, s.idempotencyKey, s.rerunPending ?? false]),
    [
      ['fetchPlayInfo', 'not run', undefined, false],
      ['publishVideoReady', 'failed', 'vod-video-v1:publishVideoReady:u2', true],
    ],
  );
  assert.equal(report.stages[0]!.source, 'reconciliation');
  assert.equal(report.stages[1]!.required, false);
  assert.equal(pipelineSettled(report), false, 'a rerun is due');
});
