// A media team's own project, as a new user would set it up: vodflow packed into a tarball,
// examples/media-team installed from it into a temporary directory, built, and run on the
// local stack twice: with its own worker (vodflowPlugin) and with `vodflow dev --steps`.
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../../harness/stack/freePort';
import { localCredentials, localWebhookSecret } from '../../../harness/stack/localStack';
import { repoRoot, temporalCli } from '../../../harness/stack/paths';
import { pipelineStateQuery, videoWorkflowId, type PipelineView } from '../../../src/shared/definitions';

const run = promisify(execFile);
let work: string;
let project: string;
let cms: { server: Server; url: string; notices: { videoId: string; idempotencyKey: string }[] };
const children: ChildProcess[] = [];

before(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'vodflow-media-team-'));
  // dist/ is already built by the test command: pack what it holds, as `npm pack` would after prepack.
  await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], {
    cwd: repoRoot,
    timeout: 120_000,
  });
  const tarball = (await readdir(work)).find((f) => /^vodflow-.*\.tgz$/.test(f));
  assert.ok(tarball, 'npm pack wrote a tarball');
  project = path.join(work, 'media-team');
  await cp(path.join(repoRoot, 'examples', 'media-team'), project, {
    recursive: true,
    filter: (source) => !/node_modules|dist/.test(path.relative(repoRoot, source).replace(/^examples/, '')),
  });
  await run(
    'npm',
    ['install', path.join(work, tarball), '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    { cwd: project, timeout: 600_000 },
  );
  await run(path.join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
    cwd: project,
    timeout: 120_000,
  });
  cms = await startCms();
});

after(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  cms?.server.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function startCms(): Promise<typeof cms> {
  const notices: { videoId: string; idempotencyKey: string }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      notices.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof notices)[number]);
      res.writeHead(200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cms`, notices };
}

/** A command of the installed package, from the example project, as `npx vodflow …` would run it. */
function vodflow(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(path.join(project, 'node_modules', '.bin', 'vodflow'), args, {
    cwd: project,
    env: { ...process.env, VODFLOW_TEMPORAL_CLI: temporalCli().path, VODFLOW_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

async function output(
  child: ChildProcess,
  pattern: RegExp,
  what: string,
  timeoutMs = 180_000,
): Promise<string> {
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString()));
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(text)) {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}:\n${text}`);
    if (Date.now() > deadline) throw new Error(`${what}: no ${pattern} within ${timeoutMs} ms:\n${text}`);
    await sleep(200);
  }
  return text;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await gone;
  clearTimeout(timer);
}

interface LocalPorts {
  temporal: number;
  vod: number;
  /** The stack's own webhook receiver, as `dev` prints it. */
  webhookUrl: string;
}

async function devStack(
  extra: string[],
  dataDir: string,
): Promise<{ child: ChildProcess; ports: LocalPorts }> {
  const ports = {
    temporal: await freePort(),
    ui: await freePort(),
    mns: await freePort(),
    vod: await freePort(),
  };
  const child = vodflow(
    [
      'dev',
      '--data-dir',
      dataDir,
      '--temporal-port',
      String(ports.temporal),
      '--ui-port',
      String(ports.ui),
      '--mns-port',
      String(ports.mns),
      '--vod-port',
      String(ports.vod),
      '--webhook-port',
      String(await freePort()),
      '--metrics-port',
      String(await freePort()),
      '--time-scale',
      '0.3',
      ...extra,
    ],
    { CMS_URL: cms.url },
  );
  const printed = await output(child, /stack is up[\s\S]*Setup /, 'vodflow dev');
  const webhookUrl = /Webhook\s+(\S+)/.exec(printed)?.[1];
  assert.ok(webhookUrl, `dev printed its webhook receiver:\n${printed}`);
  return { child, ports: { ...ports, webhookUrl } };
}

/** Uploads, approves each review as it comes up, and returns each video's final pipeline view. */
async function uploadAndApprove(ports: LocalPorts, videos: number): Promise<PipelineView[]> {
  const simulate = vodflow([
    'simulate',
    '--videos',
    String(videos),
    '--vod',
    `http://127.0.0.1:${ports.vod}`,
  ]);
  const printed = await output(simulate, /"videoIds"/, 'vodflow simulate', 60_000);
  const { videoIds } = JSON.parse(printed.slice(printed.indexOf('{'))) as { videoIds: string[] };
  const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
  try {
    const client = new Client({ connection });
    const views = new Map<string, PipelineView>();
    const approved = new Set<string>();
    const deadline = Date.now() + 240_000;
    while (views.size < videoIds.length) {
      assert.ok(
        Date.now() < deadline,
        `videos still open: ${videoIds.filter((id) => !views.has(id)).join(', ')}`,
      );
      for (const id of videoIds) {
        if (views.has(id)) continue;
        const view = await client.workflow
          .getHandle(videoWorkflowId(id))
          .query(pipelineStateQuery)
          .catch(() => undefined);
        if (view?.reviews.some((r) => r.step === 'contentReview') && !approved.has(id)) {
          const review = vodflow(['review', id, '--approve', '--reviewer', 'editor'], {
            TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
          });
          await output(review, /contentReview approved/, `vodflow review ${id}`, 60_000);
          approved.add(id);
        }
        if (view?.status === 'completed') views.set(id, view);
      }
      await sleep(500);
    }
    return videoIds.map((id) => views.get(id)!);
  } finally {
    await connection.close();
  }
}

function assertTeamSteps(views: PipelineView[]): void {
  for (const view of views) {
    const { steps } = view;
    for (const name of [
      'contentReview',
      'moderateThumbnail',
      'fetchPlayInfo',
      'publishVideoReady',
      'notifyCms',
    ]) {
      assert.equal(steps[name]?.status, 'succeeded', `${view.mediaId} ${name}`);
      assert.equal(steps[name]?.runs, 1, `${view.mediaId} ${name} ran once`);
    }
    // In order where declared: publication after the review, the CMS after the publication.
    assert.ok(steps.publishVideoReady!.startedAtMs! >= steps.contentReview!.atMs, 'published after approval');
    assert.ok(steps.notifyCms!.startedAtMs! >= steps.publishVideoReady!.atMs, 'CMS told after publication');
    // In parallel where declared: moderation started before the review was decided.
    assert.ok(
      steps.moderateThumbnail!.startedAtMs! <= steps.contentReview!.atMs,
      'moderation beside the review',
    );
    assert.equal(
      cms.notices.filter((n) => n.videoId === view.mediaId).length,
      1,
      `one CMS notice for ${view.mediaId}`,
    );
  }
}

test(
  "the example project's own worker (vodflowPlugin) runs its steps on the local stack",
  { timeout: 600_000 },
  async () => {
    const { child: dev, ports } = await devStack(['--no-worker'], path.join(work, 'own-worker'));
    try {
      const worker = spawn(process.execPath, ['dist/worker.js'], {
        cwd: project,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
          ALIBABA_CLOUD_ACCESS_KEY_ID: localCredentials.accessKeyId,
          ALIBABA_CLOUD_ACCESS_KEY_SECRET: localCredentials.accessKeySecret,
          VODFLOW_VOD_ENDPOINT: `http://127.0.0.1:${ports.vod}`,
          VODFLOW_WEBHOOK_URL: ports.webhookUrl,
          VODFLOW_WEBHOOK_SECRET: localWebhookSecret,
          CMS_URL: cms.url,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(worker);
      await output(worker, /media-team worker running/, 'the team worker');
      try {
        assertTeamSteps(await uploadAndApprove(ports, 2));
      } finally {
        await stop(worker);
      }
    } finally {
      await stop(dev);
    }
  },
);

test(
  "`vodflow dev --steps --activities` runs the same steps in vodflow's worker",
  { timeout: 600_000 },
  async () => {
    const { child: dev, ports } = await devStack(
      ['--steps', 'dist/steps.js', '--activities', 'dist/activities.js'],
      path.join(work, 'cli-steps'),
    );
    try {
      assertTeamSteps(await uploadAndApprove(ports, 2));
    } finally {
      await stop(dev);
    }
  },
);
