import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { probeWorkflow } from '../../src/workflows';
import { VideoId } from '../../src/shared/searchAttributes';
import { startTemporalTestEnv, uniqueName, type TemporalTestEnv } from '../harness/temporal';

let env: TemporalTestEnv;
const taskQueue = uniqueName('smoke');

before(async () => {
  env = await startTemporalTestEnv({ taskQueue, worker: { mode: 'in-process' } });
});

after(async () => {
  await env?.teardown();
});

test('a worker runs a workflow on the real dev server and the client gets its result', async () => {
  const workflowId = uniqueName('probe');
  const handle = await env.client.workflow.start(probeWorkflow, {
    taskQueue,
    workflowId,
    args: ['smoke'],
    typedSearchAttributes: [{ key: VideoId, value: 'smoke-video' }],
  });
  const result = await handle.result();
  assert.equal(result.greeting, 'hello, smoke');
  assert.ok(result.workerHost.length > 0);

  const history = await handle.fetchHistory();
  const types = (history.events ?? []).map((e) => e.eventType);
  // Started, an activity scheduled and completed, workflow completed: a real server wrote this.
  assert.ok(types.length >= 8, `history has ${types.length} events`);
  const description = await handle.describe();
  assert.equal(description.status.name, 'COMPLETED');
  assert.equal(description.typedSearchAttributes.get(VideoId), 'smoke-video');
});
