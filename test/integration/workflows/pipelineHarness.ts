// Shared set-up of the workflow integration tests: a stack with a real dev server, the VOD
// emulator, a webhook receiver and an in-process worker with the real activities (VOD API
// through pop-core, webhook over HTTP), and a signalWithStart that delivers events exactly as
// the poller does.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WorkflowHandle, WorkflowHandleWithSignaledRunId } from '@temporalio/client';
import type { VodEmulator } from '../../../harness/emulators/vod';
import { repoRoot, temporalCli } from '../../../harness/stack/paths';
import type { Credentials, VodSpec } from '../../../harness/stack/stack';
import type { VodEvent } from '../../../src/events/model';
import { activityDeps } from '../../../src/activities/config';
import type { ActivityDeps } from '../../../src/activities';
import type { RunningWorker } from '../../../src/worker/createWorker';
import {
  videoPipelineWorkflowType,
  videoWorkflowId,
  pipelineStateQuery,
  vodEventSignal,
  type PipelineView,
  type VideoPipelineInput,
} from '../../../src/shared/definitions';
import type { PipelineOptionsInput } from '../../../src/shared/pipelineOptions';
import { VideoId } from '../../../src/shared/searchAttributes';
import { startTemporalTestEnv, uniqueName, type TemporalTestEnv } from '../../harness/temporal';
import type { WebhookSink } from '../../harness/webhookSink';

export const webhookSecret = 'whsec_dGVzdC13ZWJob29rLXNlY3JldC1ub3QtcmVhbC0zMmI=';
export const region = 'cn-shanghai';

export interface PipelineTestEnv {
  env: TemporalTestEnv;
  vod: VodEmulator;
  sink: WebhookSink;
  worker: RunningWorker;
  taskQueue: string;
  /** What the pipeline's activities are given: for tests that start a worker of their own. */
  activityDeps: ActivityDeps;
  teardown(): Promise<void>;
}

export async function startPipelineTestEnv(options: {
  credentials: Credentials;
  vod: VodSpec;
}): Promise<PipelineTestEnv> {
  const taskQueue = uniqueName('pipeline');
  const env = await startTemporalTestEnv({
    credentials: options.credentials,
    taskQueue,
    vod: options.vod,
    webhook: { mode: 'receiver', secret: webhookSecret },
    worker: { mode: 'in-process' },
    settings: { VODFLOW_VOD_TIMEOUT_MS: '5000', VODFLOW_WEBHOOK_TIMEOUT_MS: '5000' },
  });
  const { vod, webhook, workers } = env.stack;
  const worker = workers[0]?.instance;
  if (!vod || !webhook?.receiver || !worker) {
    await env.teardown();
    throw new Error('the pipeline stack started without its VOD emulator, receiver or worker');
  }
  return {
    env,
    vod,
    sink: webhook.receiver,
    worker,
    taskQueue,
    activityDeps: activityDeps(env.stack.config('worker')),
    teardown: () => env.teardown(),
  };
}

/** What the poller does for one MNS message. */
export async function deliver(
  t: PipelineTestEnv,
  mediaId: string,
  event: VodEvent,
  options?: PipelineOptionsInput,
  { setVideoId = true, inRegion = region }: { setVideoId?: boolean; inRegion?: string } = {},
): Promise<WorkflowHandleWithSignaledRunId> {
  const input: VideoPipelineInput = { mediaId, region: inRegion, ...(options ? { options } : {}) };
  return t.env.client.withDeadline(Date.now() + 20_000, () =>
    t.env.client.workflow.signalWithStart(videoPipelineWorkflowType, {
      workflowId: videoWorkflowId(mediaId),
      taskQueue: t.taskQueue,
      args: [input],
      signal: vodEventSignal,
      signalArgs: [{ event, region: inRegion, messageId: uniqueName('msg') }],
      ...(setVideoId ? { typedSearchAttributes: [{ key: VideoId, value: mediaId }] } : {}),
    }),
  );
}

export function handleFor(t: PipelineTestEnv, mediaId: string): WorkflowHandle {
  return t.env.client.workflow.getHandle(videoWorkflowId(mediaId));
}

export async function queryState(t: PipelineTestEnv, mediaId: string): Promise<PipelineView> {
  return handleFor(t, mediaId).query(pipelineStateQuery);
}

/** Bounded poll (no timing assertions): resolves with the first value the predicate accepts. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  throw new Error(
    `timed out waiting for ${what}; last value ${JSON.stringify(last)?.slice(0, 2000)}; last error ${String(lastError)}`,
  );
}

/**
 * With VODFLOW_RECORD_HISTORIES=1 the tests write the histories of representative runs
 * into test/fixtures/histories (committed), which replay.test.ts replays against the
 * current workflow code.
 */
export async function recordHistory(
  t: PipelineTestEnv,
  name: string,
  handle: WorkflowHandle,
  runId?: string,
): Promise<void> {
  if (process.env.VODFLOW_RECORD_HISTORIES !== '1') return;
  // The CLI writes the proto3 JSON that historyFromJSON reads (the SDK's historyToJSON
  // trips over two protobufjs copies in node_modules).
  const { stdout } = await promisify(execFile)(
    temporalCli().path,
    [
      'workflow',
      'show',
      '--workflow-id',
      handle.workflowId,
      ...(runId ? ['--run-id', runId] : []),
      '--output',
      'json',
    ],
    // The CLI reads the same TEMPORAL_* settings (address, namespace, TLS) as vodflow.
    { timeout: 20_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ...t.env.server.clientEnv } },
  );
  const file = path.join(repoRoot, 'test', 'fixtures', 'histories', `${name}.json`);
  // Failure stack traces name this checkout's absolute path; the committed copy says <repo>.
  const history = JSON.parse(stdout.split(repoRoot).join('<repo>')) as unknown;
  await writeFile(file, `${JSON.stringify({ workflowId: handle.workflowId, history })}\n`);
}
