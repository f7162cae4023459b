import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import RPCClient from '@alicloud/pop-core';
import { startVodEmulator, type VodEmulator } from '../../../harness/emulators/vod';

// Conformance of the VOD emulator's RPC API through the SDK vodflow uses, @alicloud/pop-core.
const credentials = { accessKeyId: 'vod-test-ak', accessKeySecret: 'vod-test-secret' };
let vod: VodEmulator;
let client: RPCClient;

interface PopError extends Error {
  code?: string;
  data?: Record<string, unknown>;
}

function call<T = Record<string, unknown>>(
  action: string,
  params: Record<string, unknown>,
  method: 'GET' | 'POST' = 'POST',
): Promise<T> {
  return client.request<T>(action, params, { method, timeout: 10_000 });
}

async function callError(action: string, params: Record<string, unknown>): Promise<PopError> {
  try {
    await call(action, params);
  } catch (err) {
    return err as PopError;
  }
  assert.fail(`${action} did not fail`);
}

before(async () => {
  vod = await startVodEmulator({ credentials: [credentials], timeScale: 0.02, seed: 7 });
  client = new RPCClient({ ...credentials, endpoint: vod.endpoint, apiVersion: '2017-03-21' });
});
after(async () => {
  await vod.stop();
});

test('GET and POST are both signed and accepted; bad keys and signatures are rejected', async () => {
  const videoId = await vod.seedVideo({ stage: 'transcoded' });
  for (const method of ['GET', 'POST'] as const) {
    const res = await call<{ RequestId: string; Video: { VideoId: string } }>(
      'GetVideoInfo',
      { VideoId: videoId },
      method,
    );
    assert.equal(res.Video.VideoId, videoId);
    assert.match(res.RequestId, /^[0-9A-F-]{36}$/);
  }
  const wrongSecret = new RPCClient({
    ...credentials,
    accessKeySecret: 'nope',
    endpoint: vod.endpoint,
    apiVersion: '2017-03-21',
  });
  await assert.rejects(
    wrongSecret.request('GetVideoInfo', { VideoId: videoId }, { method: 'POST' }),
    (err: PopError) => {
      assert.equal(err.code, 'SignatureDoesNotMatch');
      return true;
    },
  );
  const wrongKey = new RPCClient({
    ...credentials,
    accessKeyId: 'nobody',
    endpoint: vod.endpoint,
    apiVersion: '2017-03-21',
  });
  await assert.rejects(wrongKey.request('GetVideoInfo', { VideoId: videoId }), (err: PopError) => {
    assert.equal(err.code, 'InvalidAccessKeyId.NotFound');
    assert.equal(err.name, 'InvalidAccessKeyId.NotFoundError');
    return true;
  });
  const missing = await callError('GetVideoInfo', {});
  assert.equal(missing.code, 'MissingParameter');
  const unknown = await callError('GetVideoInfo', { VideoId: 'f'.repeat(32) });
  assert.equal(unknown.code, 'InvalidVideo.NotFound');
  assert.equal(unknown.data?.Message, 'The video does not exist.');
  // Parameters with spaces and reserved characters survive signing both ways.
  const titled = await vod.seedVideo({ stage: 'uploading', title: 'A title* with (odd) chars! & ~' });
  const info = await call<{ Video: { Title: string } }>('GetVideoInfo', { VideoId: titled }, 'GET');
  assert.equal(info.Video.Title, 'A title* with (odd) chars! & ~');
});

test('read APIs answer from a seeded transcoded video', async () => {
  const videoId = await vod.seedVideo({ stage: 'transcoded', streams: 3 });
  const info = await call<{ Video: Record<string, unknown> }>('GetVideoInfo', { VideoId: videoId });
  assert.equal(info.Video.Status, 'Normal');
  assert.match(String(info.Video.CoverURL), /^http:\/\/.*-00004\.jpg$/);

  const play = await call<{ PlayInfoList: { PlayInfo: Array<Record<string, unknown>> } }>('GetPlayInfo', {
    VideoId: videoId,
  });
  assert.deepEqual(
    play.PlayInfoList.PlayInfo.map((p) => p.Definition),
    ['LD', 'SD', 'HD'],
  );
  const hdOnly = await call<{ PlayInfoList: { PlayInfo: unknown[] } }>('GetPlayInfo', {
    VideoId: videoId,
    Definition: 'HD',
  });
  assert.equal(hdOnly.PlayInfoList.PlayInfo.length, 1);
  assert.equal(
    (await callError('GetPlayInfo', { VideoId: videoId, Formats: 'm3u8' })).code,
    'InvalidVideo.NoneStream',
  );

  const summary = await call<{
    NonExistVideoIds: string[];
    TranscodeSummaryList: Array<Record<string, unknown>>;
  }>('GetTranscodeSummary', { VideoIds: `${videoId},${'0'.repeat(32)}` });
  assert.deepEqual(summary.NonExistVideoIds, ['0'.repeat(32)]);
  assert.equal(summary.TranscodeSummaryList[0]?.TranscodeStatus, 'CompleteAllSucc');
  assert.equal((summary.TranscodeSummaryList[0]?.TranscodeJobInfoSummaryList as unknown[]).length, 3);

  const snaps = await call<{
    MediaSnapshot: { Total: number; Snapshots: { Snapshot: Array<{ Index: number; Url: string }> } };
  }>('ListSnapshots', { VideoId: videoId, SnapshotType: 'CoverSnapshot', PageSize: 5 });
  assert.equal(snaps.MediaSnapshot.Total, 8);
  assert.equal(snaps.MediaSnapshot.Snapshots.Snapshot.length, 5);
  assert.match(snaps.MediaSnapshot.Snapshots.Snapshot[0]?.Url ?? '', /-00001\.jpg$/);

  const mezz = await call<{ Mezzanine: Record<string, unknown> }>('GetMezzanineInfo', {
    VideoId: videoId,
    AdditionType: 'video,audio',
  });
  assert.equal(mezz.Mezzanine.Status, 'Normal');
  assert.equal((mezz.Mezzanine.VideoStreamList as unknown[]).length, 1);
});

test('statuses of seeded stages and the illegal-status window of GetPlayInfo', async () => {
  const expectStatus = async (
    stage: Parameters<VodEmulator['seedVideo']>[0]['stage'],
    status: string,
    summary: string,
  ) => {
    const id = await vod.seedVideo({ stage });
    const info = await call<{ Video: { Status: string } }>('GetVideoInfo', { VideoId: id });
    assert.equal(info.Video.Status, status, stage);
    const s = await call<{ TranscodeSummaryList: Array<{ TranscodeStatus: string }> }>(
      'GetTranscodeSummary',
      { VideoIds: id },
    );
    assert.equal(s.TranscodeSummaryList[0]?.TranscodeStatus, summary, stage);
    return id;
  };
  const uploading = await expectStatus('uploading', 'Uploading', 'Processing');
  await expectStatus('uploaded', 'UploadSucc', 'Processing');
  const transcoding = await expectStatus('transcoding', 'Transcoding', 'Processing');
  await expectStatus('partiallyTranscoded', 'Normal', 'CompletePartialSucc');
  await expectStatus('transcodeFailed', 'TranscodeFail', 'CompleteAllFail');
  await expectStatus('uploadedNoTranscode', 'Normal', 'CompleteAllSucc');
  for (const id of [uploading, transcoding]) {
    const err = await callError('GetPlayInfo', { VideoId: id });
    assert.equal(err.code, 'Forbidden.IllegalStatus');
    assert.match(String(err.data?.Message), /^Status of the video is illegal\. Current Status is \w+\.$/);
  }
  // A simulated upload with a play lag: GetPlayInfo is forbidden for a while after TranscodeComplete.
  const lagging = await vod.simulateUpload({ knobs: { playInfoLagMs: 600_000 } });
  // Bounded wait for TranscodeComplete (about 100 ms at this time scale); the lag lasts 12 s.
  for (let i = 0; i < 500 && vod.video(lagging)?.status !== 'Normal'; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(
    (await call<{ Video: { Status: string } }>('GetVideoInfo', { VideoId: lagging })).Video.Status,
    'Normal',
  );
  assert.equal((await callError('GetPlayInfo', { VideoId: lagging })).code, 'Forbidden.IllegalStatus');
});

test('message callback configuration per AppId', async () => {
  assert.equal((await call<Record<string, unknown>>('GetMessageCallback', {})).MessageCallback, undefined);
  await call('SetMessageCallback', {
    CallbackType: 'MNS',
    MnsEndpoint: 'http://1234567.mns.cn-shanghai.aliyuncs.com/',
    MnsQueueName: 'vod-events',
    EventTypeList: 'FileUploadComplete,TranscodeComplete,SnapshotComplete',
  });
  const got = await call<{ MessageCallback: Record<string, unknown> }>('GetMessageCallback', {});
  assert.deepEqual(
    { ...got.MessageCallback },
    {
      AppId: 'app-1000000',
      CallbackType: 'MNS',
      MnsEndpoint: 'http://1234567.mns.cn-shanghai.aliyuncs.com/',
      MnsQueueName: 'vod-events',
      EventTypeList: 'FileUploadComplete,TranscodeComplete,SnapshotComplete',
    },
  );
  const other = await call<Record<string, unknown>>('GetMessageCallback', { AppId: 'app-2' });
  assert.equal(other.MessageCallback, undefined);
  assert.equal(
    (await callError('SetMessageCallback', { CallbackType: 'MNS', MnsQueueName: 'q' })).code,
    'MissingParameter',
  );
  assert.equal(
    (
      await callError('SetMessageCallback', {
        CallbackType: 'MNS',
        MnsEndpoint: 'http://x/',
        MnsQueueName: 'q',
        EventTypeList: 'Nope',
      })
    ).code,
    'InvalidParameter',
  );
  await call('DeleteMessageCallback', { AppId: 'app-1000000' });
  assert.equal((await call<Record<string, unknown>>('GetMessageCallback', {})).MessageCallback, undefined);
});

test('fault knobs: Throttling and InternalError come back as pop-core errors', async () => {
  const id = await vod.seedVideo({ stage: 'transcoded' });
  vod.setKnobs({ throttleRate: 1 });
  assert.equal((await callError('GetVideoInfo', { VideoId: id })).code, 'Throttling');
  vod.setKnobs({ throttleRate: 0, internalErrorRate: 1 });
  assert.equal((await callError('GetVideoInfo', { VideoId: id })).code, 'InternalError');
  vod.resetKnobs();
  assert.equal(
    (await call<{ Video: { VideoId: string } }>('GetVideoInfo', { VideoId: id })).Video.VideoId,
    id,
  );
});
