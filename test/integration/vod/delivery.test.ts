import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import RPCClient from '@alicloud/pop-core';
import { startMnsEmulator, type MnsEmulator } from '../../../harness/emulators/mns';
import {
  adminHeader,
  startVodEmulator,
  type VodEmulator,
  type VideoView,
} from '../../../harness/emulators/vod';
import { listen } from '../../../harness/emulators/listen';
import { closeHttpServer, createHttpServer } from '../../../src/http';
import { classifyMnsError, createMnsClient, type MnsClient } from '../../../src/mns/client';

// Simulated uploads pushed by the VOD emulator into the real MNS emulator with the real SDK,
// and read back with the SDK as the poller would.
const vodKeys = { accessKeyId: 'vod-ak', accessKeySecret: 'vod-sk' };
const mnsKeys = { accessKeyId: 'mns-ak', accessKeySecret: 'mns-sk' };
const queue = 'vod-events';
const adminHeaders = { [adminHeader]: '1' };
let mns: MnsEmulator;
let vod: VodEmulator;
let sdk: MnsClient;
let pop: RPCClient;

async function setCallback(params: Record<string, string>): Promise<void> {
  await pop.request('SetMessageCallback', params, { method: 'POST', timeout: 10_000 });
}

/** Receives (and deletes) until `expected` bodies arrived or the deadline passed. */
async function drain(expected: number, timeoutMs = 15_000): Promise<Array<Record<string, unknown>>> {
  const bodies: Array<Record<string, unknown>> = [];
  const deadline = Date.now() + timeoutMs;
  while (bodies.length < expected && Date.now() < deadline) {
    try {
      const res = await sdk.batchReceiveMessage(queue, 16, 1);
      for (const m of res.body) bodies.push(JSON.parse(m.MessageBody) as Record<string, unknown>);
      await sdk.batchDeleteMessage(
        queue,
        res.body.map((m) => m.ReceiptHandle),
      );
    } catch (err) {
      if (classifyMnsError(err).kind !== 'message-not-exist') throw err;
    }
  }
  return bodies;
}

function delivered(view: VideoView): Array<Record<string, unknown>> {
  return view.events.filter((e) => e.outcome === 'delivered').map((e) => e.body);
}

const sortKey = (b: Record<string, unknown>): string =>
  `${String(b.EventType)}|${String(b.JobId ?? '')}|${JSON.stringify(b)}`;

before(async () => {
  mns = await startMnsEmulator({ credentials: [mnsKeys] });
  sdk = createMnsClient({ endpoint: mns.endpoint, ...mnsKeys, timeoutMs: 10_000 });
  await sdk.createQueue(queue);
  vod = await startVodEmulator({
    credentials: [vodKeys],
    mnsCredentials: mnsKeys,
    timeScale: 0.02,
    seed: 42,
    admin: true,
  });
  pop = new RPCClient({ ...vodKeys, endpoint: vod.endpoint, apiVersion: '2017-03-21' });
});
after(async () => {
  await vod.stop();
  await mns.stop();
});

test('nothing is pushed while no callback is set', async () => {
  const id = await vod.simulateUpload();
  const view = await vod.whenSettled(id, 20_000);
  assert.ok(view.events.length > 0);
  assert.ok(view.events.every((e) => e.outcome === 'noCallback'));
  assert.equal(mns.queueStats(queue)?.total ?? 0, 0);
});

test('an upload pushes every selected event as raw JSON, as documented', async () => {
  await setCallback({
    CallbackType: 'MNS',
    MnsEndpoint: `${mns.endpoint}/`,
    MnsQueueName: queue,
    EventTypeList:
      'FileUploadComplete,VideoAnalysisComplete,StreamTranscodeComplete,TranscodeComplete,SnapshotComplete,DeleteMediaComplete',
  });
  const id = await vod.simulateUpload({ knobs: { streams: 3, extend: '{"ref":"a&b<c>"}' } });
  const view = await vod.whenSettled(id, 20_000);
  const types = view.events.filter((e) => e.outcome === 'delivered').map((e) => e.eventType);
  assert.deepEqual([...types].sort(), [
    'FileUploadComplete',
    'SnapshotComplete',
    'StreamTranscodeComplete',
    'StreamTranscodeComplete',
    'StreamTranscodeComplete',
    'TranscodeComplete',
    'VideoAnalysisComplete',
  ]);
  // MediaBaseChangeComplete was not selected by EventTypeList.
  assert.deepEqual(
    view.events.filter((e) => e.outcome === 'notSelected').map((e) => e.eventType),
    ['MediaBaseChangeComplete'],
  );
  const received = await drain(7);
  assert.deepEqual(received.map(sortKey).sort(), delivered(view).map(sortKey).sort());

  const transcode = received.find((b) => b.EventType === 'TranscodeComplete') as Record<string, unknown>;
  assert.equal(transcode.VideoId, id);
  assert.equal(transcode.Status, 'success');
  assert.equal(transcode.Extend, '{"ref":"a&b<c>"}');
  const infos = transcode.StreamInfos as Array<Record<string, unknown>>;
  assert.equal(infos.length, 3);
  assert.equal(typeof infos[0]?.Bitrate, 'string');
  assert.equal(typeof infos[0]?.Height, 'number');
  const analysis = received.find((b) => b.EventType === 'VideoAnalysisComplete') as Record<string, unknown>;
  assert.equal(typeof analysis.Duration, 'string');
  const snapshot = received.find((b) => b.EventType === 'SnapshotComplete') as Record<string, unknown>;
  assert.match(String(snapshot.CoverUrl), /^http:\/\/.+-00004\.jpg$/);
  const upload = received.find((b) => b.EventType === 'FileUploadComplete') as Record<string, unknown>;
  assert.match(String(upload.EventTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('knobs: duplicates, losses, retried writes and partial transcodes', async () => {
  const id = await vod.simulateUpload({
    knobs: {
      transcode: 'partial',
      streams: 2,
      duplicateEvents: ['TranscodeComplete'],
      dropEvents: ['FileUploadComplete'],
      failDeliveryRate: 1,
      failAttempts: 2,
      reorder: true,
    },
  });
  const view = await vod.whenSettled(id, 20_000);
  const byType = (t: string): VideoView['events'] => view.events.filter((e) => e.eventType === t);
  assert.deepEqual(
    byType('FileUploadComplete').map((e) => e.outcome),
    ['lost'],
  );
  assert.deepEqual(
    byType('TranscodeComplete').map((e) => e.outcome),
    ['delivered', 'delivered'],
  );
  // Two injected failures, then the third attempt succeeds.
  for (const e of view.events.filter((r) => r.outcome === 'delivered')) {
    assert.deepEqual(
      e.attempts.map((a) => a.ok),
      [false, false, true],
    );
  }
  const received = await drain(6);
  assert.equal(received.length, 6); // analysis, 2 streams, 2× transcode, snapshot
  const transcodes = received.filter((b) => b.EventType === 'TranscodeComplete');
  assert.equal(transcodes.length, 2);
  assert.deepEqual(transcodes[0], transcodes[1]);
  assert.equal(transcodes[0]?.Status, 'success');
  const statuses = (transcodes[0]?.StreamInfos as Array<{ Status: string }>).map((s) => s.Status).sort();
  assert.deepEqual(statuses, ['fail', 'success']);
});

test('writes to a missing queue are tried three times and then dropped', async () => {
  await setCallback({
    CallbackType: 'MNS',
    MnsEndpoint: `${mns.endpoint}/`,
    MnsQueueName: 'no-such-queue',
    EventTypeList: 'ALL',
  });
  const before = vod.stats().dropped;
  const id = await vod.seedVideo({ stage: 'transcoded', deliver: ['TranscodeComplete'] });
  const view = await vod.whenSettled(id, 20_000);
  const record = view.events.find((e) => e.eventType === 'TranscodeComplete');
  assert.equal(record?.outcome, 'dropped');
  assert.equal(record?.attempts.length, 3);
  assert.match(record?.attempts[0]?.error ?? '', /QueueNotExist/);
  assert.equal(vod.stats().dropped, before + 1);
  assert.equal(
    view.events.filter((e) => e.eventType !== 'TranscodeComplete').every((e) => e.outcome === 'suppressed'),
    true,
  );
});

test('admin API and DeleteVideo: uploads in a running emulator, DeleteMediaComplete pushed', async () => {
  await setCallback({
    CallbackType: 'MNS',
    MnsEndpoint: `${mns.endpoint}/`,
    MnsQueueName: queue,
    EventTypeList: 'DeleteMediaComplete',
  });
  const res = await fetch(`${vod.endpoint}/_emulator/uploads`, {
    method: 'POST',
    headers: adminHeaders,
    body: JSON.stringify({ count: 2, seed: 9, knobs: { transcode: 'none' } }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(res.status, 201);
  const { videoIds } = (await res.json()) as { videoIds: string[] };
  assert.equal(videoIds.length, 2);
  const settled = await vod.whenSettled(videoIds[0] as string, 20_000);
  assert.equal(settled.status, 'Normal');
  const state = (await (
    await fetch(`${vod.endpoint}/_emulator/videos/${videoIds[0]}`, {
      headers: adminHeaders,
      signal: AbortSignal.timeout(10_000),
    })
  ).json()) as VideoView;
  assert.equal(state.videoId, videoIds[0]);
  assert.ok(state.events.some((e) => e.eventType === 'FileUploadComplete'));

  // What a web page can make a browser send: no custom header without a preflight, always Origin.
  const simple = await fetch(`${vod.endpoint}/_emulator/uploads`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ count: 1 }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(simple.status, 403);
  const fromPage = await fetch(`${vod.endpoint}/_emulator/uploads`, {
    method: 'POST',
    headers: { ...adminHeaders, origin: 'https://attacker.example' },
    body: JSON.stringify({ count: 1 }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(fromPage.status, 403);

  const bad = await fetch(`${vod.endpoint}/_emulator/uploads`, {
    method: 'POST',
    headers: adminHeaders,
    body: JSON.stringify({ count: 1, knobs: { dropRate: 2 } }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(bad.status, 400);

  await pop.request('DeleteVideo', { VideoIds: videoIds[0] }, { method: 'POST', timeout: 10_000 });
  const [deleted] = await drain(1);
  assert.deepEqual(
    { ...deleted, EventTime: undefined },
    {
      EventType: 'DeleteMediaComplete',
      EventTime: undefined,
      Status: 'success',
      MediaType: 'video',
      DeleteType: 'all',
      MediaId: videoIds[0],
    },
  );
  await assert.rejects(
    pop.request('GetVideoInfo', { VideoId: videoIds[0] }, { method: 'POST', timeout: 10_000 }),
    /The video does not exist/,
  );
});

test('HTTP callbacks as VOD sends them: signed per attempt, only 200 counts, a real second between attempts, 5 s timeout', async () => {
  const authKey = 'DeliveryTestKey0123abcXYZ';
  const seen: Array<{ at: number; timestamp: string; signature: string; body: string }> = [];
  // Answers the first request with a redirect, then hangs one past VOD's timeout, then 200.
  const server = createHttpServer(async (req, res, { body }) => {
    const text = (await body()).toString('utf8');
    seen.push({
      at: Date.now(),
      timestamp: String(req.headers['x-vod-timestamp']),
      signature: String(req.headers['x-vod-signature']),
      body: text,
    });
    if (seen.length === 1) {
      res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' });
      res.end();
    } else if (seen.length === 2) {
      setTimeout(() => res.end('too late'), 7_000).unref();
    } else res.end('ok');
  });
  const { origin } = await listen(server, 0, '127.0.0.1');
  const url = `${origin}/vod/events`;
  try {
    await setCallback({
      CallbackType: 'HTTP',
      CallbackURL: url,
      AuthSwitch: 'on',
      AuthKey: authKey,
      EventTypeList: 'ALL',
    });
    const id = await vod.seedVideo({ stage: 'transcoded', deliver: ['FileUploadComplete'] });
    const view = await vod.whenSettled(id, 30_000);
    const record = view.events.find((e) => e.eventType === 'FileUploadComplete')!;
    assert.equal(record.outcome, 'delivered');
    assert.deepEqual(
      record.attempts.map((a) => a.ok),
      [false, false, true],
    );
    assert.match(record.attempts[0]!.error ?? '', /answered 302/, 'a redirect is a failure, not followed');
    assert.match(record.attempts[1]!.error ?? '', /timeout/i);
    // The emulator runs at timeScale 0.02, yet VOD's retry gap and timeout are real time.
    assert.ok(seen[1]!.at - seen[0]!.at >= 950, `gap ${seen[1]!.at - seen[0]!.at} ms`);
    assert.ok(seen[2]!.at - seen[1]!.at >= 5_000 + 950, `gap ${seen[2]!.at - seen[1]!.at} ms`);
    for (const request of seen) {
      assert.match(request.timestamp, /^\d{10}$/);
      assert.equal(
        request.signature,
        createHash('md5').update(`${url}|${request.timestamp}|${authKey}`).digest('hex'),
      );
      assert.equal((JSON.parse(request.body) as { VideoId: string }).VideoId, id);
    }
  } finally {
    await closeHttpServer(server);
  }
});
