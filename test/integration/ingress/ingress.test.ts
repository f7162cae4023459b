/**
 * The HTTP callback ingress against real components: `vodflow ingress` as a child process, a
 * Temporal dev server of its own (stopped and started again to play an outage), the MNS
 * emulator holding the dead-letter queue, an in-process worker, and the VOD emulator in HTTP
 * callback mode pushing events as VOD does (5 s timeout, three attempts a second apart, only
 * 200 counts, signed).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import type { VideoView, VodEmulator } from '../../../harness/emulators/vod';
import { settledHistory, waitForSettlement } from '../../../harness/stack/settlement';
import { startStack, type StackOf, type StackSpec } from '../../../harness/stack/stack';
import { probeBody } from '../../../src/ingress/probe';
import { callbackSignature, signedHeaders } from '../../../src/ingress/signature';
import { classifyMnsError } from '../../../src/mns/client';
import { createLogger } from '../../../src/observability/logger';
import type { DeadLetterDocument } from '../../../src/poller/deadLetter';
import { videoWorkflowId, type VideoEventDelivery } from '../../../src/shared/definitions';
import { sampleValue } from '../../harness/prometheus';

const authKey = 'PlantedIngressKey4f1e9bXY';
const spec = {
  credentials: { accessKeyId: 'ingress-it-key', accessKeySecret: 'ingress-it-secret' },
  region: 'cn-shanghai',
  logger: createLogger('ingress-it', 'warn'),
  // Its own dev server: one test stops it.
  temporal: { mode: 'dev-server', storage: 'file', synchronous: 'OFF' },
  mns: { mode: 'in-process' },
  vod: { timeScale: 0.05, seed: 21 },
  webhook: { mode: 'receiver' },
  worker: { mode: 'in-process' },
  ingress: { mode: 'child', authKey, settings: { VODFLOW_LOG_LEVEL: 'debug' } },
  callback: 'http',
  settings: {
    VODFLOW_PIPELINE_OPTIONS: JSON.stringify({
      overdueAfterMs: { upload: 5_000, transcode: 5_000, snapshot: 5_000 },
      reconcileIntervalMs: 2_000,
      lingerAfterCompletionMs: 60_000,
    }),
  },
} satisfies StackSpec;

let stack: StackOf<typeof spec>;
let client: Client;
let vod: VodEmulator;
let callbackUrl: string;
const startedAt = Date.now();

before(async () => {
  stack = await startStack(spec);
  client = (await stack.temporalClient()).client;
  vod = stack.vod;
  callbackUrl = stack.ingress.callbackUrl;
});

after(async () => {
  await stack?.stop();
});

const metrics = async (): Promise<string> => (await fetch(`${stack.ingress.httpUrl}/metrics`)).text();

function post(
  body: string,
  headers: Record<string, string> = signedHeaders(callbackUrl, authKey),
  url = callbackUrl,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
}

async function signals(mediaId: string): Promise<VideoEventDelivery[]> {
  const history = await settledHistory(client.workflow.getHandle(videoWorkflowId(mediaId)));
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((a) => a?.signalName === 'vodEvent')
    .map((a) => defaultPayloadConverter.fromPayload<VideoEventDelivery>(a!.input!.payloads![0]!));
}

async function workflowExists(mediaId: string): Promise<boolean> {
  return client.workflow
    .getHandle(videoWorkflowId(mediaId))
    .describe()
    .then(() => true)
    .catch(() => false);
}

test('setup pointed the VOD emulator at the ingress, signed', () => {
  const callback = vod.messageCallback();
  assert.equal(callback?.CallbackType, 'HTTP');
  assert.equal(callback?.CallbackURL, callbackUrl);
  assert.equal(callback?.AuthSwitch, 'on');
  assert.equal(callback?.AuthKey, authKey);
  assert.match(callbackUrl, /^http:\/\/127\.0\.0\.1:\d+\/vod\/events$/);
});

test('VOD pushes over HTTP: each 200 is a persisted signal; the videos complete', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 4; i += 1) {
    ids.push(await vod.simulateUpload({ knobs: { duplicateRate: 0.3, reorder: true, streams: 2 } }));
  }
  const views: VideoView[] = [];
  for (const id of ids) views.push(await vod.whenSettled(id, 60_000));
  const writes = views.flatMap((v) => v.events.filter((e) => e.outcome !== 'notSelected'));
  assert.ok(writes.length >= 4 * 5);
  assert.deepEqual(
    writes.filter((e) => e.outcome !== 'delivered').map((e) => `${e.eventType}: ${e.outcome}`),
    [],
    'every selected event answered 200',
  );
  assert.ok(writes.every((e) => e.target === `http:${callbackUrl}`));

  const { settled, pending } = await waitForSettlement(client, ids, { timeoutMs: 120_000 });
  assert.deepEqual(pending, []);
  assert.deepEqual(
    [...settled.values()].map((v) => v.status),
    ids.map(() => 'completed'),
  );
  for (const view of views) {
    const delivered = view.events.filter((e) => e.outcome === 'delivered');
    const got = await signals(view.videoId);
    // 200 only after signalWithStart returned: every delivered write (duplicates included) is in
    // the history, as a signal of this region.
    assert.ok(
      got.length >= delivered.length,
      `${view.videoId}: ${got.length} signals, ${delivered.length} writes`,
    );
    assert.deepEqual(
      [...new Set(got.map((s) => s.event.eventType))].sort(),
      [...new Set(delivered.map((e) => e.eventType))].sort(),
    );
    assert.ok(got.every((s) => s.region === 'cn-shanghai' && /^vod-http-[0-9a-f]{24}$/.test(s.messageId)));
  }
  const text = await metrics();
  assert.ok(
    sampleValue(text, 'vodflow_ingress_callbacks_signalled_total', {
      region: 'cn-shanghai',
      outcome: 'signalled',
    }) >= writes.length,
  );
  assert.ok(
    sampleValue(text, 'vodflow_ingress_signal_latency_seconds_count', { region: 'cn-shanghai' }) >=
      writes.length,
  );
  assert.ok(
    sampleValue(text, 'vodflow_ingress_answer_latency_seconds_count', {
      region: 'cn-shanghai',
      status: '200',
    }) >= writes.length,
  );
});

test('a wrong signature, a stale timestamp or no signature: 403, counted, nothing signalled', async () => {
  const before = await metrics();
  const count = (text: string, reason: string) =>
    sampleValue(text, 'vodflow_ingress_callbacks_rejected_total', { region: 'cn-shanghai', reason });
  const body = JSON.stringify({
    EventType: 'FileUploadComplete',
    EventTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    VideoId: 'forged0123456789',
    Status: 'success',
  });
  const wrong = await post(body, signedHeaders(callbackUrl, 'Another0123456789abcdEF'));
  const stale = await post(body, signedHeaders(callbackUrl, authKey, Date.now() - 10 * 60_000));
  const none = await post(body, {});
  assert.deepEqual(
    [wrong, stale, none].map((a) => [a.status, a.body.error]),
    [
      [403, 'bad_signature'],
      [403, 'stale_timestamp'],
      [403, 'missing_signature'],
    ],
  );
  const after = await metrics();
  assert.equal(count(after, 'bad_signature') - count(before, 'bad_signature'), 1);
  assert.equal(count(after, 'stale_timestamp') - count(before, 'stale_timestamp'), 1);
  assert.equal(count(after, 'missing_signature') - count(before, 'missing_signature'), 1);
  assert.equal(await workflowExists('forged0123456789'), false);
});

test('an invalid body is dead-lettered with its reason and answered 200; so is an event with no media id', async () => {
  const invalid = '{"EventType":"FileUploadComplete","VideoId":"nope"';
  const noMediaId = JSON.stringify({
    EventType: 'UploadByURLComplete',
    EventTime: '2026-01-15T10:00:00Z',
    JobId: 'job-without-video',
    Status: 'fail',
    ErrorCode: 'URLInvalidError',
  });
  assert.deepEqual(await post(invalid), { status: 200, body: { ok: true, deadLettered: 'invalid_body' } });
  assert.deepEqual(await post(noMediaId), { status: 200, body: { ok: true, deadLettered: 'no_media_id' } });

  const mns = stack.mnsClient();
  const letters: DeadLetterDocument[] = [];
  const deadline = Date.now() + 15_000;
  while (letters.length < 2 && Date.now() < deadline) {
    try {
      const got = await mns.batchReceiveMessage(stack.deadLetterQueue, 16, 1);
      for (const m of got.body) letters.push(JSON.parse(m.MessageBody) as DeadLetterDocument);
    } catch (err) {
      if (classifyMnsError(err).kind !== 'message-not-exist') throw err;
    }
  }
  const byBody = new Map(letters.map((l) => [l.body, l]));
  const first = byBody.get(invalid);
  assert.equal(first?.reason, 'invalid_body');
  assert.match(first?.detail ?? '', /JSON/);
  assert.equal(first?.receivedVia, 'http-callback');
  assert.deepEqual(first?.source, {
    region: 'cn-shanghai',
    endpoint: stack.mns.endpoint,
    queue: stack.queue,
  });
  assert.equal(byBody.get(noMediaId)?.reason, 'no_media_id');
  assert.equal(
    sampleValue(await metrics(), 'vodflow_ingress_callbacks_dead_lettered_total', {
      region: 'cn-shanghai',
      reason: 'invalid_body',
    }),
    1,
  );
});

test('the probe, the regional path, and what is not a callback', async () => {
  const probe = await post(probeBody());
  assert.equal(probe.status, 200);
  assert.equal(probe.body.probe, true);
  const regional = `${callbackUrl}/cn-shanghai`;
  assert.equal((await post(probeBody(), signedHeaders(regional, authKey), regional)).status, 200);
  // The URL is signed: the default path's signature does not open the regional one.
  assert.equal((await post(probeBody(), signedHeaders(callbackUrl, authKey), regional)).status, 403);
  assert.equal((await post(probeBody(), {}, `${callbackUrl}/eu-central-1`)).status, 404);
  assert.equal((await fetch(callbackUrl)).status, 405);
  const origin = new URL(callbackUrl).origin;
  assert.equal((await fetch(`${origin}/healthz`)).status, 200);
  assert.equal(sampleValue(await metrics(), 'vodflow_ingress_probes_total', { region: 'cn-shanghai' }), 2);
});

test("Temporal down: the ingress answers 503, and VOD's retry lands once Temporal is back", async () => {
  await stack.temporal.stop();
  const id = await vod.seedVideo({ stage: 'transcoded', deliver: ['FileUploadComplete'] });
  const record = () => vod.video(id)!.events.find((e) => e.eventType === 'FileUploadComplete')!;
  const deadline = Date.now() + 30_000;
  while (record().attempts.length === 0 && Date.now() < deadline) await sleep(100);
  assert.equal(record().attempts[0]?.ok, false);
  assert.match(record().attempts[0]?.error ?? '', /answered 503/);
  await stack.temporal.start();

  const settledView = await vod.whenSettled(id, 30_000);
  const write = settledView.events.find((e) => e.eventType === 'FileUploadComplete')!;
  assert.equal(write.outcome, 'delivered', JSON.stringify(write.attempts));
  assert.ok(write.attempts.length >= 2 && write.attempts.length <= 3);
  assert.equal(write.attempts.at(-1)?.ok, true);
  const got = await signals(id);
  assert.deepEqual(
    got.map((s) => s.event.eventType),
    ['FileUploadComplete'],
  );
  const text = await metrics();
  const failures =
    sampleValue(text, 'vodflow_ingress_failures_total', {
      region: 'cn-shanghai',
      class: 'temporal_unavailable',
    }) +
    sampleValue(text, 'vodflow_ingress_failures_total', {
      region: 'cn-shanghai',
      class: 'temporal_deadline',
    });
  assert.ok(failures >= 1);
  assert.ok(
    sampleValue(text, 'vodflow_ingress_answer_latency_seconds_count', {
      region: 'cn-shanghai',
      status: '503',
    }) >= 1,
  );
});

test("the ingress's log (at debug) holds neither the AuthKey nor a signature", async () => {
  const log = await readFile(path.join(stack.dataDir, 'ingress.log'), 'utf8');
  assert.match(log, /"msg":"signalled"/, 'the log is at debug level, so the check means something');
  assert.match(log, /callback refused \(403\)/);
  assert.ok(!log.includes(authKey));
  // Every signature VOD (or a test) could have sent since the stack started.
  for (let second = Math.floor(startedAt / 1000) - 600; second <= Date.now() / 1000; second += 1) {
    for (const url of [callbackUrl, `${callbackUrl}/cn-shanghai`]) {
      assert.ok(!log.includes(callbackSignature(url, String(second), authKey)));
    }
  }
});
