import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import RPCClient from '@alicloud/pop-core';
import { startVodEmulator, type VodEmulator } from '../../../harness/emulators/vod';
import { createVodApi } from '../../../src/activities/vodApi';
import {
  alignWindow,
  listingCap,
  planWindows,
  RateLimiter,
  vodTimeParam,
  vodVideoLister,
} from '../../../src/operations/backfill';

// The listing APIs a backfill sweep uses, through the SDK vodflow calls them with.
const credentials = { accessKeyId: 'list-test-ak', accessKeySecret: 'list-test-secret' };
let vod: VodEmulator;
let client: RPCClient;

interface PopError extends Error {
  code?: string;
}
interface VideoListAnswer {
  Total: number;
  VideoList: { Video: Array<{ VideoId: string; CreationTime: string; Status: string; AppId: string }> };
}
interface SearchAnswer {
  Total: number;
  ScrollToken: string;
  MediaList: Array<{
    MediaId: string;
    MediaType: string;
    CreationTime: string;
    Video?: Record<string, unknown>;
  }>;
}

const call = <T>(action: string, params: Record<string, unknown>): Promise<T> =>
  client.request<T>(action, params, { method: 'POST', timeout: 30_000 });

async function codeOf(action: string, params: Record<string, unknown>): Promise<string | undefined> {
  try {
    await call(action, params);
  } catch (err) {
    return (err as PopError).code;
  }
  assert.fail(`${action} did not fail`);
}

const day = 86_400_000;
// Whole days back from now, so every seeded time is at least a minute old.
const base = Math.floor(Date.now() / day) * day - 20 * day;
const spreadIds: string[] = [];
const busyIds: string[] = [];

before(async () => {
  vod = await startVodEmulator({ credentials: [credentials], timeScale: 0.02, seed: 11 });
  client = new RPCClient({ ...credentials, endpoint: vod.endpoint, apiVersion: '2017-03-21' });
  // 250 videos, one every 30 minutes from `base`; then 5,050 in two busy hours five days later.
  for (let i = 0; i < 250; i += 1) {
    spreadIds.push(await vod.seedVideo({ stage: 'transcoded', createdAt: base + i * 1_800_000 }));
  }
  for (let i = 0; i < 5_050; i += 1) {
    busyIds.push(await vod.seedVideo({ stage: 'uploaded', createdAt: base + 10 * day + i * 1_400 }));
  }
});
after(async () => {
  await vod.stop();
});

test('GetVideoList pages by creation time (inclusive bounds, at most 100 a page) and refuses bad parameters', async () => {
  const window = { StartTime: vodTimeParam(base), EndTime: vodTimeParam(base + 249 * 1_800_000) };
  const seen: string[] = [];
  for (let pageNo = 1; pageNo <= 3; pageNo += 1) {
    const page = await call<VideoListAnswer>('GetVideoList', {
      ...window,
      PageNo: pageNo,
      PageSize: 100,
      SortBy: 'CreationTime:Asc',
    });
    assert.equal(page.Total, 250, 'both bounds are included');
    seen.push(...page.VideoList.Video.map((v) => v.VideoId));
  }
  assert.deepEqual(seen, spreadIds, 'oldest first, every one once');
  const newest = await call<VideoListAnswer>('GetVideoList', { ...window, PageSize: 5 });
  assert.equal(newest.VideoList.Video[0]!.VideoId, spreadIds.at(-1), 'CreationTime:Desc by default');
  assert.equal(newest.VideoList.Video[0]!.AppId, 'app-1000000');
  assert.equal(newest.VideoList.Video[0]!.Status, 'Normal');

  const uploaded = await call<VideoListAnswer>('GetVideoList', { Status: 'UploadSucc', PageSize: 1 });
  assert.equal(uploaded.Total, busyIds.length, 'a Status filter');

  assert.equal(await codeOf('GetVideoList', { PageSize: 101 }), 'InvalidParameter');
  assert.equal(await codeOf('GetVideoList', { StartTime: '2026-01-01 00:00:00' }), 'InvalidParameter');
  assert.equal(
    await codeOf('GetVideoList', { StartTime: vodTimeParam(base), EndTime: vodTimeParam(base) }),
    'InvalidParameter',
    'the end must be later than the start',
  );
  assert.equal(await codeOf('GetVideoList', { Status: 'Sleeping' }), 'InvalidParameter');

  const gone = spreadIds[0]!;
  vod.deleteVideo(gone);
  const afterDelete = await call<VideoListAnswer>('GetVideoList', {
    ...window,
    PageSize: 100,
    SortBy: 'CreationTime:Asc',
  });
  assert.equal(afterDelete.Total, 249, 'a deleted video is not listed');
  assert.notEqual(afterDelete.VideoList.Video[0]!.VideoId, gone);

  const stranger = new RPCClient({
    ...credentials,
    accessKeySecret: 'nope',
    endpoint: vod.endpoint,
    apiVersion: '2017-03-21',
  });
  await assert.rejects(stranger.request('GetVideoList', {}, { method: 'POST' }), {
    code: 'SignatureDoesNotMatch',
  });
});

test('GetVideoList reaches only the first 5,000 matches; the sweep splits such a window until each fits', async () => {
  const busy = { StartTime: vodTimeParam(base + 10 * day), EndTime: vodTimeParam(base + 11 * day) };
  const last = await call<VideoListAnswer>('GetVideoList', { ...busy, PageNo: 50, PageSize: 100 });
  assert.equal(last.Total, 5_050, 'Total counts every match');
  assert.equal(last.VideoList.Video.length, 100);
  const beyond = await call<VideoListAnswer>('GetVideoList', { ...busy, PageNo: 51, PageSize: 100 });
  assert.equal(beyond.Total, 5_050);
  assert.deepEqual(beyond.VideoList.Video, [], 'nothing past the 5,000th');

  const lister = vodVideoLister(
    createVodApi({ credentials, endpoint: vod.endpoint, timeoutMs: 30_000 }),
    new RateLimiter(50),
  );
  const plan = await planWindows(lister, 'cn-shanghai', alignWindow(base, base + 20 * day));
  assert.deepEqual(plan.overCap, []);
  assert.ok(plan.windows.length >= 3, `${plan.windows.length} windows`);
  assert.ok(plan.windows.every((w) => w.total <= listingCap));
  const listed = new Set<string>();
  for (const window of plan.windows) {
    for (let pageNo = 1; (pageNo - 1) * 100 < window.total; pageNo += 1) {
      for (const v of (await lister.page('cn-shanghai', window, pageNo, 100)).videos) listed.add(v.videoId);
    }
  }
  assert.equal(listed.size, 249 + 5_050, 'every live video in some window');
});

test('SearchMedia: Match over creation time and status; paging to 5,000, ScrollToken beyond, 100 records at a time', async () => {
  const match = `CreationTime = ('${vodTimeParam(base + 10 * day)}','${vodTimeParam(base + 11 * day)}') and Status in ('UploadSucc')`;
  const first = await call<SearchAnswer>('SearchMedia', {
    Match: match,
    PageNo: 1,
    PageSize: 100,
    SortBy: 'CreationTime:Asc',
    Fields: 'Title,Status',
  });
  assert.equal(first.Total, 5_050);
  assert.equal(first.MediaList[0]!.MediaId, busyIds[0]);
  assert.equal(first.MediaList[0]!.MediaType, 'video');
  assert.deepEqual(Object.keys(first.MediaList[0]!.Video!).sort(), ['Status', 'Title', 'VideoId']);
  assert.match(first.ScrollToken, /^[0-9A-F]{32}$/);

  const plain = await call<SearchAnswer>('SearchMedia', { Match: match, PageNo: 51, PageSize: 100 });
  assert.deepEqual(plain.MediaList, [], 'without a ScrollToken, nothing past the 5,000th');

  assert.equal(
    await codeOf('SearchMedia', {
      Match: match,
      PageNo: 3,
      PageSize: 100,
      SortBy: 'CreationTime:Asc',
      ScrollToken: first.ScrollToken,
    }),
    'InvalidParameter',
    'a scroll moves at most 100 records from its page',
  );
  const ids: string[] = first.MediaList.map((m) => m.MediaId);
  for (let pageNo = 2; pageNo <= 51; pageNo += 1) {
    const page = await call<SearchAnswer>('SearchMedia', {
      Match: match,
      PageNo: pageNo,
      PageSize: 100,
      SortBy: 'CreationTime:Asc',
      ScrollToken: first.ScrollToken,
    });
    ids.push(...page.MediaList.map((m) => m.MediaId));
  }
  assert.deepEqual(ids, busyIds, 'the scroll reaches past 5,000, in order');
  assert.equal(await codeOf('SearchMedia', { Match: match, ScrollToken: 'F00D' }), 'InvalidParameter');
  assert.equal(await codeOf('SearchMedia', { Match: 'Title = x or Status = y' }), 'InvalidParameter');
  assert.equal(await codeOf('SearchMedia', { Match: "Colour = 'red'" }), 'InvalidParameter');
});

test('throttling: a chosen code on chosen actions; the lister backs off and still gets every page', async () => {
  vod.setKnobs({ throttleRate: 1, throttleActions: ['GetVideoList'], throttleCode: 'Throttling.User' });
  try {
    assert.equal(await codeOf('GetVideoList', {}), 'Throttling.User');
    const info = await call<{ Video: { VideoId: string } }>('GetVideoInfo', { VideoId: busyIds[0] });
    assert.equal(info.Video.VideoId, busyIds[0], 'other actions are not throttled');

    vod.setKnobs({ throttleRate: 0.5 });
    const retries: string[] = [];
    const lister = vodVideoLister(
      createVodApi({ credentials, endpoint: vod.endpoint, timeoutMs: 30_000 }),
      new RateLimiter(50),
      {
        policy: { attempts: 20, initialMs: 20, maxMs: 100 },
        onRetry: (err) => retries.push(err.code),
      },
    );
    const window = alignWindow(base, base + 6 * day);
    const listed: string[] = [];
    for (let pageNo = 1; pageNo <= 3; pageNo += 1)
      listed.push(...(await lister.page('cn-shanghai', window, pageNo, 100)).videos.map((v) => v.videoId));
    assert.equal(listed.length, 249);
    assert.ok(retries.length > 0 && retries.every((c) => c === 'Throttling.User'), retries.join(','));
  } finally {
    vod.resetKnobs();
  }
});

test('suppressEvents: the video lives its life, VOD writes none of its events, GetVideoList finds it', async () => {
  const videoId = await vod.simulateUpload({ knobs: { suppressEvents: true } });
  const view = await vod.whenSettled(videoId, 30_000);
  assert.equal(view.status, 'Normal');
  assert.ok(view.events.length >= 4);
  assert.ok(view.events.every((e) => e.outcome === 'suppressed' && e.attempts.length === 0));
  const listed = await call<VideoListAnswer>('GetVideoList', { PageSize: 1 });
  assert.equal(listed.VideoList.Video[0]!.VideoId, videoId, 'the newest video');
});
