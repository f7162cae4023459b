import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { chromium, type Browser } from 'playwright-core';
import { createVodApi } from '../../../src/activities/vodApi';
import { createLogger } from '../../../src/observability/logger';
import { freePort } from '../../../harness/stack/freePort';
import { waitForSettlement } from '../../../harness/stack/settlement';
import { repoRoot, temporalCli } from '../../../harness/stack/paths';
import { startLocalPrometheus, type LocalPrometheus } from '../../../harness/stack/prometheus';
import { startStack } from '../../../harness/stack/stack';
import { videoWorkflowId } from '../../../src/shared/definitions';
import {
  backfillScheduleId,
  backfillSweepWorkflowType,
  type BackfillSweepResult,
} from '../../../src/shared/backfill';
import { runCli } from '../../harness/cli';
import { testTemporal, uniqueName } from '../../harness/temporal';
import { alertingMetricNames, exportedName } from '../../harness/observabilityFiles';
import { metricNames } from '../../harness/prometheus';

// Videos none of whose events reach vodflow are found through the VOD API: by `vodflow
// backfill`, and by the sweep `vodflow setup` schedules. Each is published exactly once.
const chromiumPath = process.env.VODFLOW_CHROMIUM ?? '/usr/bin/chromium';
const batchSize = 50;

async function stackFor() {
  const temporal = testTemporal();
  return startStack({
    logger: createLogger('backfill-test', 'error'),
    // Its own task queue: doctor counts this deployment's failed videos, not other test files'.
    taskQueue: uniqueName('backfill'),
    temporal: temporal.mode === 'dev-server' ? { ...temporal, uiPort: await freePort() } : temporal,
    mns: { mode: 'in-process' },
    vod: { timeScale: 0.02, seed: 4242, admin: true },
    webhook: { mode: 'receiver' },
    worker: { mode: 'in-process' },
    poller: { mode: 'in-process' },
    metricsPort: await freePort(),
    settings: {
      // A backfilled run reconciles at once; these keep the rest of a local run short.
      VODFLOW_PIPELINE_OPTIONS: JSON.stringify({
        reconcileIntervalMs: 1_000,
        finalDeadlineMs: 10 * 60_000,
        lingerAfterCompletionMs: 3_000,
      }),
      VODFLOW_BACKFILL_WINDOW: '1h',
      VODFLOW_BACKFILL_DELAY: '0s',
      VODFLOW_QUEUE_GAUGE_INTERVAL_SECONDS: '1',
    },
  });
}

let stack: Awaited<ReturnType<typeof stackFor>>;
let client: Client;
let env: NodeJS.ProcessEnv;
const byCommand: string[] = [];
const bySchedule: string[] = [];
let byEvents: string | undefined;

// The real Prometheus of `vodflow dev --prometheus`, with the rules, scraping this stack from the start.
let prometheus: LocalPrometheus | null = null;
let prometheusMissing: string | null = null;

before(async () => {
  stack = await stackFor();
  client = (await stack.temporalClient()).client;
  env = { ...stack.settings() };
  try {
    prometheus = await startLocalPrometheus({
      dataDir: stack.dataDir,
      port: await freePort(),
      targets: [new URL(stack.metricsUrl!).host],
    });
  } catch (err) {
    prometheusMissing = `Prometheus did not start (${(err as Error).message}); scripts/test installs Debian's prometheus as root`;
  }
});
after(async () => {
  await prometheus?.process.stop();
  await stack?.stop();
});

/** Publications the receiver accepted for a video (one per distinct idempotency key). */
function publications(mediaId: string): number {
  return [...stack.webhook.receiver!.accepted.keys()].filter((k) =>
    k.startsWith(`${videoWorkflowId(mediaId)}:`),
  ).length;
}

async function noPipeline(mediaId: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(videoWorkflowId(mediaId)).describe();
    return false;
  } catch (err) {
    return (err as Error).name === 'WorkflowNotFoundError';
  }
}

async function settleAll(ids: readonly string[]): Promise<void> {
  const { settled, pending } = await waitForSettlement(client, ids, { timeoutMs: 240_000 });
  assert.deepEqual(pending, [], 'every video settles');
  assert.deepEqual(
    [...settled.values()]
      .filter((v) => v.status !== 'completed')
      .map((v) => `${v.mediaId} ${v.status} ${v.reason}`),
    [],
  );
  for (const id of ids) assert.equal(publications(id), 1, `publications of ${id}`);
}

interface BackfillJson {
  listed: number;
  counts: Record<string, number>;
  dryRun: boolean;
}

test('`vodflow backfill` finds 50 videos whose events were never sent and completes each once; a second run starts nothing', async () => {
  const simulated = await runCli(
    ['simulate', '--videos', String(batchSize), '--no-events', '--seed', '5', '--vod', stack.vod.endpoint],
    {},
  );
  assert.equal(simulated.code, 0, simulated.stderr);
  byCommand.push(...(JSON.parse(simulated.stdout) as { videoIds: string[] }).videoIds);
  for (const id of byCommand) {
    const view = await stack.vod.whenSettled(id, 60_000);
    assert.ok(
      view.events.every((e) => e.outcome === 'suppressed'),
      'VOD wrote none of its events',
    );
  }
  // Well past the time events would have taken: nothing knows of these videos.
  await sleep(1_000);
  for (const id of byCommand) assert.ok(await noPipeline(id), `${id} has no pipeline`);

  const dry = await runCli(['backfill', '--since', '10m', '--dry-run', '--json'], env, 120_000);
  assert.equal(dry.code, 0, dry.stderr);
  const planned = JSON.parse(dry.stdout) as BackfillJson;
  assert.equal(planned.dryRun, true);
  assert.equal(planned.counts.started, batchSize);
  for (const id of byCommand) assert.ok(await noPipeline(id), 'a dry run starts nothing');

  const run = await runCli(['backfill', '--since', '10m', '--rps', '30'], env, 120_000);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`${batchSize} video\\(s\\) listed`));
  assert.match(run.stdout, new RegExp(`^started +${batchSize}$`, 'm'), run.stdout);
  assert.match(run.stderr, /backfill \[#+\] 50\/50/, 'a progress bar on stderr');
  await settleAll(byCommand);

  const again = await runCli(['backfill', '--since', '10m', '--json'], env, 120_000);
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout) as BackfillJson;
  assert.equal(second.listed, batchSize);
  assert.equal(second.counts.started, 0, 'nothing new');
  assert.equal(second.counts.restarted, 0);
  assert.equal(second.counts.running + second.counts.finished, batchSize);
  for (const id of byCommand) assert.equal(publications(id), 1, `still one publication of ${id}`);
});

test('bad flags exit 2 naming the flag', async () => {
  const result = await runCli(['backfill', '--since', 'yesterday'], env);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--since must be an ISO 8601 time/);
  const rps = await runCli(['backfill', '--since', '1h', '--rps', '80'], env);
  assert.equal(rps.code, 2);
  assert.match(rps.stderr, /--rps must be a whole number from 1 to 50/);
});

test('the sweep `setup` schedules finds 50 videos uploaded while the callback pointed nowhere', async () => {
  const vodApi = createVodApi({
    credentials: stack.credentials,
    endpoint: stack.vod.endpoint,
    timeoutMs: 10_000,
  });
  // A misconfigured callback: VOD writes to a queue that does not exist, fails three times and gives up.
  await vodApi.call(stack.region, 'SetMessageCallback', {
    CallbackType: 'MNS',
    MnsEndpoint: `${stack.mns.endpoint}/`,
    MnsQueueName: 'nowhere',
    EventTypeList: 'ALL',
  });
  for (let i = 0; i < batchSize; i += 1) bySchedule.push(await stack.vod.simulateUpload());
  for (const id of bySchedule) {
    const view = await stack.vod.whenSettled(id, 60_000);
    assert.ok(
      view.events.every((e) => e.outcome === 'dropped'),
      'every event dropped after three writes',
    );
  }
  for (const id of bySchedule) assert.ok(await noPipeline(id));

  // The operator runs setup: it repairs the callback and schedules the sweep (on by default).
  const setup = await runCli(['setup'], env);
  assert.equal(setup.code, 0, setup.stderr);
  assert.match(setup.stdout, /VOD callback \S+ +updated/);
  const scheduleId = backfillScheduleId(stack.taskQueue);
  assert.match(
    setup.stdout,
    new RegExp(`Temporal schedule ${scheduleId.replace('.', '\\.')} +created +every 1h`),
  );
  const unchanged = await runCli(['setup'], env);
  assert.match(unchanged.stdout, /Temporal schedule \S+ +unchanged/);

  await client.schedule.getHandle(scheduleId).trigger();
  const sweep = await sweepResult();
  assert.equal(sweep.counts.started, batchSize, JSON.stringify(sweep));
  assert.equal(sweep.counts.failed, 0);
  assert.equal(sweep.counts.running + sweep.counts.finished, batchSize, 'the first batch is left alone');
  await settleAll(bySchedule);
  for (const id of byCommand) assert.equal(publications(id), 1);

  // An event-driven video, for the search below: the callback works again.
  byEvents = await stack.vod.simulateUpload();
  await settleAll([byEvents]);
});

async function sweepResult(): Promise<BackfillSweepResult> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    for await (const execution of client.workflow.list({
      query: `WorkflowType = '${backfillSweepWorkflowType}'`,
    })) {
      const result = (await client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .result()) as BackfillSweepResult;
      await recordSweepHistory(execution.workflowId, execution.runId);
      return result;
    }
    if (Date.now() > deadline) assert.fail('the triggered sweep never showed up');
    await sleep(250);
  }
}

/** With VODFLOW_RECORD_HISTORIES=1 the sweep's history joins those replay.test.ts replays. */
async function recordSweepHistory(workflowId: string, runId: string): Promise<void> {
  if (process.env.VODFLOW_RECORD_HISTORIES !== '1') return;
  const { address, namespace } = stack.temporal;
  const { stdout } = await promisify(execFile)(
    temporalCli().path,
    [
      'workflow',
      'show',
      '--address',
      address,
      '--namespace',
      namespace,
      '--workflow-id',
      workflowId,
      '--run-id',
      runId,
      '--output',
      'json',
    ],
    { timeout: 20_000, maxBuffer: 16 * 1024 * 1024 },
  );
  await writeFile(
    path.join(repoRoot, 'test', 'fixtures', 'histories', 'backfill-sweep.json'),
    `${JSON.stringify({ workflowId, history: JSON.parse(stdout) as unknown })}\n`,
  );
}

test('doctor reports the schedule, the dead-letter backlog and no stalled or failed video', async () => {
  await stack.mnsClient().sendMessage(stack.deadLetterQueue, { MessageBody: '{"reason":"invalid_body"}' });
  const result = await runCli(['doctor'], env);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /ok {4}backfill schedule \S+: last run \S+, next /);
  assert.match(result.stdout, /ok {4}stalled videos \(24 h\): none/);
  assert.match(result.stdout, /ok {4}failed videos \(24 h\): none/);
  assert.match(
    result.stdout,
    /WARN {2}dead-letter queue vod-events-dlq backlog: 1 message\(s\) \(1 visible, 0 in flight, 0 delayed\), the oldest visible one \d+ s old/,
  );
  assert.match(result.stdout, /ok {4}queue vod-events backlog: 0 message/);
});

test('the Web UI finds backfilled videos by VodBackfilled = "true" (headless Chromium)', async (t) => {
  if (!existsSync(chromiumPath)) {
    if (process.env.CI) assert.fail(`Chromium is missing at ${chromiumPath}; scripts/test installs it`);
    t.skip(`no Chromium at ${chromiumPath} (scripts/test installs Debian's chromium when run as root)`);
    return;
  }
  if (!stack.temporal.uiUrl) {
    t.skip('the shared Temporal server (VODFLOW_TEST_TEMPORAL_ADDRESS) has no Web UI here');
    return;
  }
  assert.ok(byEvents !== undefined && bySchedule.length > 0, 'the previous tests ran');
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    const workflows = (query: string) =>
      page.goto(
        `${stack.temporal.uiUrl}/namespaces/${stack.temporal.namespace}/workflows?query=${encodeURIComponent(query)}`,
      );
    for (const id of [byCommand[0]!, byCommand.at(-1)!, bySchedule[0]!, bySchedule.at(-1)!]) {
      await workflows(`VodBackfilled = "true" AND WorkflowId = "${videoWorkflowId(id)}"`);
      await page.getByText(videoWorkflowId(id), { exact: true }).first().waitFor({ timeout: 30_000 });
    }
    // A video whose events arrived is not marked: the filter really reads the attribute.
    await workflows(`VodBackfilled = "true" AND WorkflowId = "${videoWorkflowId(byEvents!)}"`);
    await page.getByText('No Results').first().waitFor({ timeout: 30_000 });
    await workflows(`WorkflowId = "${videoWorkflowId(byEvents!)}"`);
    await page.getByText(videoWorkflowId(byEvents!), { exact: true }).first().waitFor({ timeout: 30_000 });
  } finally {
    await browser?.close();
  }
  // The same question through the API: every backfilled video, and only those.
  const { count } = await client.workflow.count(`VodBackfilled = "true" AND WorkflowType = 'videoPipeline'`);
  assert.equal(count, byCommand.length + bySchedule.length);
});

test('every metric the alert rules and the dashboard query is served by a running stack', async () => {
  assert.ok(bySchedule.length > 0, 'the sweep ran, so its counters have samples');
  const text = await (await fetch(stack.metricsUrl!)).text();
  const served = new Set(metricNames(text));
  const queried = [...alertingMetricNames()];
  assert.ok(
    queried.includes('vodflow_backfill_videos_total') &&
      queried.includes('vodflow_queue_oldest_message_age_seconds'),
  );
  const missing = queried.filter((name) => !served.has(exportedName(name, served)));
  assert.deepEqual(missing, [], `queried but not exported: ${missing.join(', ')}`);
});

test("a real Prometheus with vodflow's rules fires VodflowEventsMissed after the sweep found videos", async (t) => {
  if (!prometheus) {
    if (process.env.CI) assert.fail(prometheusMissing ?? 'no Prometheus');
    t.skip(prometheusMissing ?? 'no Prometheus');
    return;
  }
  assert.ok(bySchedule.length > 0, 'the sweep ran');
  const rules = (await (await fetch(`${prometheus.url}/api/v1/rules`)).json()) as {
    data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> };
  };
  const loaded = rules.data.groups.flatMap((g) => g.rules);
  assert.ok(loaded.length >= 10 && loaded.every((r) => r.health !== 'err'), JSON.stringify(loaded));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const alerts = (await (await fetch(`${prometheus.url}/api/v1/alerts`)).json()) as {
      data: { alerts: Array<{ labels: { alertname: string }; state: string }> };
    };
    const firing = alerts.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname);
    if (firing.includes('VodflowEventsMissed')) {
      // A healthy stack fires nothing else.
      assert.deepEqual(
        firing.filter((name) => name !== 'VodflowEventsMissed' && name !== 'VodflowDeadLetterBacklog'),
        [],
      );
      return;
    }
    if (Date.now() > deadline)
      assert.fail(`VodflowEventsMissed did not fire; firing: ${firing.join(', ') || 'none'}`);
    await sleep(1_000);
  }
});
