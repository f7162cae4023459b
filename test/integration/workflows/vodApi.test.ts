import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { fetchPlayInfo } from '../../../src/activities/playInfo';
import { reconcileVideo } from '../../../src/activities/reconcile';
import { createVodApi, VodApiError } from '../../../src/activities/vodApi';
import { startVodEmulator, type VodEmulator } from '../../../harness/emulators/vod';

// The activities' VOD client through the real @alicloud/pop-core against the VOD emulator:
// signing, POST bodies, timeouts and the error classes the retry policies rely on.
const credentials = { accessKeyId: 'client-test-ak', accessKeySecret: 'client-test-secret' };
let vod: VodEmulator;
let silent: Server;
let silentPort: number;
const sockets = new Set<Socket>();

before(async () => {
  vod = await startVodEmulator({ credentials: [credentials], seed: 5 });
  // Accepts connections and never answers: the client's timeout must end the call.
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
});

after(async () => {
  await vod?.stop();
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent?.close(resolve));
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a failure');
}

test('reconcileVideo and fetchPlayInfo read a transcoded video through pop-core', async () => {
  const api = createVodApi({ credentials, endpoint: vod.endpoint, timeoutMs: 5_000 });
  const id = await vod.seedVideo({ stage: 'transcoded', streams: 2 });
  const report = await reconcileVideo(api, {
    mediaId: id,
    region: 'cn-shanghai',
    stages: ['upload', 'transcode', 'snapshot'],
  });
  assert.equal(report.videoFound, true);
  assert.equal(report.videoStatus, 'Normal');
  assert.equal(report.upload?.status, 'succeeded');
  assert.equal(report.transcode?.status, 'succeeded');
  assert.equal(report.transcode?.streams.length, 2);
  assert.equal(report.snapshot?.status, 'succeeded');
  const play = await fetchPlayInfo(api, { mediaId: id, region: 'cn-shanghai' });
  assert.equal(play.streams.length, 2);
  assert.ok(play.duration && play.duration > 0);

  const uploading = await vod.seedVideo({ stage: 'uploading' });
  const pending = await reconcileVideo(api, {
    mediaId: uploading,
    region: 'cn-shanghai',
    stages: ['upload', 'transcode'],
  });
  assert.equal(pending.upload?.status, 'pending');
  assert.equal(pending.transcode?.status, 'pending');
  const gone = await reconcileVideo(api, {
    mediaId: 'doesnotexist0000000000000000000',
    region: 'cn-shanghai',
    stages: ['upload'],
  });
  assert.equal(gone.videoFound, false);
});

test('errors are classified: throttling and 5xx retry, NotFound and bad credentials do not, timeouts retry', async () => {
  const api = createVodApi({ credentials, endpoint: vod.endpoint, timeoutMs: 5_000 });
  const id = await vod.seedVideo({ stage: 'transcoded' });
  try {
    vod.setKnobs({ throttleRate: 1 });
    const throttled = (await failure(
      api.call('cn-shanghai', 'GetVideoInfo', { VideoId: id }),
    )) as VodApiError;
    assert.equal(throttled.errorClass, 'throttled');
    assert.equal(throttled.retryable, true);
    vod.setKnobs({ throttleRate: 0, internalErrorRate: 1 });
    const internal = (await failure(api.call('cn-shanghai', 'GetVideoInfo', { VideoId: id }))) as VodApiError;
    assert.equal(internal.errorClass, 'server');
    assert.equal(internal.retryable, true);
  } finally {
    vod.resetKnobs();
  }
  const missing = (await failure(
    api.call('cn-shanghai', 'GetVideoInfo', { VideoId: 'nope' }),
  )) as VodApiError;
  assert.equal(missing.code, 'InvalidVideo.NotFound');
  assert.equal(missing.retryable, false);

  const wrongKey = createVodApi({
    credentials: { ...credentials, accessKeySecret: 'wrong' },
    endpoint: vod.endpoint,
    timeoutMs: 5_000,
  });
  const denied = (await failure(
    wrongKey.call('cn-shanghai', 'GetVideoInfo', { VideoId: id }),
  )) as VodApiError;
  assert.equal(denied.errorClass, 'client');
  assert.doesNotMatch(denied.message, /wrong|client-test-secret/, 'no secret in the message');

  const hanging = createVodApi({ credentials, endpoint: `http://127.0.0.1:${silentPort}`, timeoutMs: 300 });
  const timedOut = (await failure(
    hanging.call('cn-shanghai', 'GetVideoInfo', { VideoId: id }),
  )) as VodApiError;
  assert.equal(timedOut.errorClass, 'timeout');
  assert.equal(timedOut.retryable, true);

  // As an activity failure: NotFound stops Temporal's retries, the play-info window does not.
  const playMissing = await failure(fetchPlayInfo(api, { mediaId: 'nope', region: 'cn-shanghai' }));
  assert.ok(playMissing instanceof ApplicationFailure);
  assert.equal(playMissing.type, 'InvalidVideo.NotFound');
  assert.equal(playMissing.nonRetryable, true);
  const transcoding = await vod.seedVideo({ stage: 'transcoding' });
  const notReady = await failure(fetchPlayInfo(api, { mediaId: transcoding, region: 'cn-shanghai' }));
  assert.ok(notReady instanceof ApplicationFailure);
  assert.equal(notReady.type, 'Forbidden.IllegalStatus');
  assert.equal(notReady.nonRetryable, false);
});
