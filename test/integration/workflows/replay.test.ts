import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import { Worker } from '@temporalio/worker';
import { repoRoot } from '../../../harness/stack/paths';
import { pipelineOutcomeSinks } from '../../../src/worker/pipelineOutcomeSink';
import { workflowBundle } from '../../../src/worker/workflowBundle';
import { createWorkerMetrics } from '../../../src/worker/workerMetrics';

// Histories recorded from real runs (VODFLOW_RECORD_HISTORIES=1 with videoPipeline.test.ts)
// replayed against the current workflow code: a change that would break workflows already
// running in production (a new activity without patched(), a reordered command) fails here.
const dir = path.join(repoRoot, 'test', 'fixtures', 'histories');

/**
 * Same as historyFromJSON from @temporalio/common, for the CLI's proto3 JSON. That helper
 * fails here ("type must be a Type"): npm installs two copies of protobufjs 8 (one under
 * @temporalio/common, one under @temporalio/proto) and its protojson extension only accepts
 * types of its own copy. So parse with the extension of the copy that built the types.
 */
function historyFromCliJson(json: unknown): proto.temporal.api.history.v1.IHistory {
  const protoDir = path.dirname(require.resolve('@temporalio/proto'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as {
    fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
  };
  const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown };
  const historyType = root.lookupType('temporal.api.history.v1.History');
  return protojson.fromJson(historyType, json, {
    ignoreUnknownFields: true,
  }) as proto.temporal.api.history.v1.IHistory;
}

test('recorded videoPipeline histories replay against the current workflow bundle', async () => {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length >= 5, `expected recorded histories in ${dir}, found ${files.length}`);
  const histories = await Promise.all(
    files.map(async (file) => {
      const recorded = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as {
        workflowId: string;
        history: unknown;
      };
      return { workflowId: `${file}:${recorded.workflowId}`, history: historyFromCliJson(recorded.history) };
    }),
  );
  const failures: string[] = [];
  let replayed = 0;
  // The bundle's outcome interceptor calls its sink; a replay must never count an end again.
  const metrics = createWorkerMetrics({ defaultMetrics: false });
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: await workflowBundle(), sinks: pipelineOutcomeSinks(metrics) },
    histories,
  )) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  assert.equal(replayed, files.length);
  assert.deepEqual(failures, []);
  assert.deepEqual((await metrics.pipelinesFinished.get()).values, []);
});
