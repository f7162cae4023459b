import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { createLogger } from '../../../src/observability/logger';
import { freePort } from '../../../harness/stack/freePort';
import { startLocalStack, type LocalStack } from '../../../harness/stack/localStack';
import { waitForSettlement } from '../../../harness/stack/settlement';
import { videoWorkflowId } from '../../../src/shared/definitions';
import { runCli } from '../../harness/cli';
import { metricNames, sampleValue } from '../../harness/prometheus';

const chromiumPath = process.env.VODFLOW_CHROMIUM ?? '/usr/bin/chromium';
let stack: LocalStack;
let dataDir: string;
let connection: Connection;
let client: Client;
let mediaIds: string[] = [];

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'vodflow-stack-'));
  stack = await startLocalStack({
    dataDir,
    ports: {
      temporal: await freePort(),
      ui: await freePort(),
      mns: await freePort(),
      vod: await freePort(),
      webhook: await freePort(),
      metrics: await freePort(),
      ingress: await freePort(),
    },
    timeScale: 0.05,
    logger: createLogger('stack-test', 'error'),
    temporalSynchronous: 'OFF',
  });
  connection = await Connection.connect({ address: stack.temporal.address });
  client = new Client({ connection, namespace: stack.temporal.namespace });
});

after(async () => {
  await connection?.close();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

test('setup wired the callback and both queues; `vodflow simulate` uploads into the running stack', async () => {
  assert.deepEqual(
    stack.setup.map((a) => a.outcome),
    ['created', 'created', 'created'],
  );
  assert.equal(stack.vod.messageCallback()?.MnsQueueName, 'vod-events');

  const result = await runCli(
    [
      'simulate',
      '--videos',
      '6',
      '--duplicate-rate',
      '0.3',
      '--shuffle',
      '--seed',
      '7',
      '--vod',
      stack.vod.endpoint,
    ],
    {},
  );
  assert.equal(result.code, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as { uploads: number; videoIds: string[] };
  assert.equal(printed.uploads, 6);
  mediaIds = printed.videoIds;

  const { settled, pending } = await waitForSettlement(client, mediaIds, { timeoutMs: 120_000 });
  assert.deepEqual(pending, []);
  assert.deepEqual(
    [...settled.values()].map((v) => v.status),
    mediaIds.map(() => 'completed'),
  );
  // One publication per video reached the local receiver, whatever the duplicates.
  const keys = [...stack.webhook!.accepted.keys()];
  for (const id of mediaIds) {
    assert.equal(
      keys.filter((k) => k.startsWith(`${videoWorkflowId(id)}:`)).length,
      1,
      `publications of ${id}`,
    );
  }
  // Nothing left behind in the queue, nothing dead-lettered.
  assert.equal(stack.mns.queueStats('vod-events')?.total, 0);
  assert.equal(stack.mns.queueStats('vod-events-dlq')?.total, 0);
});

test("one /metrics serves the poller's and the worker's metrics, the process metrics once", async () => {
  assert.ok(mediaIds.length > 0, 'the previous test uploads the videos');
  const text = await (await fetch(stack.metricsUrl)).text();
  const names = metricNames(text);
  assert.deepEqual(
    names.filter((name, i) => names.indexOf(name) !== i),
    [],
    'no metric name twice',
  );
  assert.ok(names.includes('vodflow_process_cpu_user_seconds_total'));
  assert.ok(sampleValue(text, 'vodflow_poller_messages_received_total') > 0);
  // The HTTP ingress runs beside the poller (idle while VOD pushes to MNS): its series are there too.
  assert.ok(names.includes('vodflow_ingress_callbacks_received_total'));
  assert.equal(
    sampleValue(text, 'vodflow_worker_activity_executions_total', {
      activity: 'publishVideoReady',
      outcome: 'completed',
    }),
    mediaIds.length,
    'one accepted publication per video',
  );
});

test('the Temporal Web UI lists the videos by stage and status (headless Chromium)', async (t) => {
  if (!existsSync(chromiumPath)) {
    if (process.env.CI) assert.fail(`Chromium is missing at ${chromiumPath}; scripts/test installs it`);
    t.skip(`no Chromium at ${chromiumPath} (scripts/test installs Debian's chromium when run as root)`);
    return;
  }
  assert.ok(mediaIds.length > 0, 'the previous test uploads the videos');
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    const query = encodeURIComponent('VodStage = "done" AND VodStatus = "completed"');
    await page.goto(`${stack.temporal.uiUrl}/namespaces/default/workflows?query=${query}`);
    for (const id of mediaIds) {
      await page.getByText(videoWorkflowId(id), { exact: true }).first().waitFor({ timeout: 30_000 });
    }
    // A stage nobody is in lists none of them: the filter really reads the search attributes.
    const none = encodeURIComponent('VodStage = "transcode"');
    await page.goto(`${stack.temporal.uiUrl}/namespaces/default/workflows?query=${none}`);
    await page.getByText('No Results').first().waitFor({ timeout: 30_000 });
    await page.getByText('VodStage', { exact: false }).first().waitFor({ timeout: 5_000 });
    assert.equal(await page.getByText(videoWorkflowId(mediaIds[0]!), { exact: true }).count(), 0);
  } finally {
    await browser?.close();
  }
});
