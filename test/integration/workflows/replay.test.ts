import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { repoRoot } from '../../../harness/stack/paths';
import { pipelineOutcomeSinks } from '../../../src/worker/pipelineOutcomeSink';
import { workflowBundle } from '../../../src/worker/workflowBundle';
import { createWorkerMetrics } from '../../../src/worker/workerMetrics';
import { historyFromCliJson } from '../../harness/histories';

// Histories recorded from real runs (VODFLOW_RECORD_HISTORIES=1 with videoPipeline.test.ts)
// replayed against the current workflow code: a change that would break workflows already
// running in production (a new activity without patched(), a reordered command) fails here.
const dir = path.join(repoRoot, 'test', 'fixtures', 'histories');

async function recordedHistories(folder: string) {
  const files = (await readdir(folder)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(
    files.map(async (file) => {
      const recorded = JSON.parse(await readFile(path.join(folder, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return { workflowId: `${file}:${recorded.workflowId}`, history: historyFromCliJson(recorded.history) };
    }),
  );
}

/** Replays each history against the bundle of vodflow with the given step module; failures by history. */
async function replay(
  histories: Awaited<ReturnType<typeof recordedHistories>>,
  stepsModule?: string,
): Promise<{ replayed: number; failures: string[]; finished: unknown[] }> {
  const failures: string[] = [];
  let replayed = 0;
  // The bundle's outcome interceptor calls its sink; a replay must never count an end again.
  const metrics = createWorkerMetrics({ defaultMetrics: false });
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: await workflowBundle(stepsModule), sinks: pipelineOutcomeSinks(metrics) },
    histories,
  )) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  // Every status's series exists at 0 from the start; a replayed end would make one count.
  const finished = (await metrics.pipelinesFinished.get()).values.filter((v) => v.value > 0);
  return { replayed, failures, finished };
}

const teamSteps = (name: string) => require.resolve(`./teamSteps/${name}`);

test('recorded videoPipeline histories replay against the current workflow bundle', async () => {
  const histories = await recordedHistories(dir);
  assert.ok(histories.length >= 5, `expected recorded histories in ${dir}, found ${histories.length}`);
  const { replayed, failures, finished } = await replay(histories);
  assert.equal(replayed, histories.length);
  assert.deepEqual(failures, []);
  assert.deepEqual(finished, []);
});

test('patch markers make step changes safe: histories replay after steps were added, retired and reordered', async () => {
  const team = await recordedHistories(path.join(dir, 'team-steps'));
  assert.ok(team.length >= 2, 'recorded team-step histories (VODFLOW_RECORD_HISTORIES=1 teamSteps.test.js)');
  const markers = team.flatMap((h) =>
    (h.history.events ?? []).filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch'),
  );
  assert.ok(markers.length > 0, 'the team-step histories carry patch markers');
  // V1 histories (and V1-then-V2 ones) on V2: a step added, one retired, the list reordered.
  const onV2 = await replay(team, teamSteps('stepsV2'));
  assert.deepEqual(onV2.failures, []);
  // vodflow's own histories, recorded before any team step existed, on a worker with team steps.
  const base = await replay(await recordedHistories(dir), teamSteps('stepsV2'));
  assert.deepEqual(base.failures, []);
});

test('without retiring first, deleting a step that ran breaks replay: the check the patches pass is real', async () => {
  const team = await recordedHistories(path.join(dir, 'team-steps'));
  const { failures } = await replay(team, teamSteps('stepsV2Removed'));
  assert.equal(failures.length, team.length, 'every history that ran archiveSource fails without it');
  assert.ok(
    failures.every((f) => /nondetermin/i.test(f)),
    failures.join('\n'),
  );
});
