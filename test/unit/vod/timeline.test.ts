import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planEvents } from '../../../harness/emulators/vod/events';
import { scheduleWrites } from '../../../harness/emulators/vod/deliverySchedule';
import { parseKnobs, type TranscodeOutcome } from '../../../harness/emulators/vod/knobs';
import { planSeed, planUpload } from '../../../harness/emulators/vod/plan';
import { createRandom } from '../../../harness/random';
import { videoStatus } from '../../../harness/emulators/vod/videoState';

const now = Date.parse('2025-01-01T00:00:00Z');
const ctx = (seed: number, timeScale = 1) => ({
  rng: createRandom(seed),
  now,
  timeScale,
  regionId: 'cn-shanghai',
});

test('an upload emits FileUpload, analysis, N streams, one TranscodeComplete and a snapshot, as documented', () => {
  const plan = planUpload(ctx(1), { streams: 4 });
  const events = planEvents(plan);
  const types = events.map((e) => e.eventType);
  assert.equal(types.filter((t) => t === 'StreamTranscodeComplete').length, 4);
  assert.deepEqual([...new Set(types)].sort(), [
    'FileUploadComplete',
    'MediaBaseChangeComplete',
    'SnapshotComplete',
    'StreamTranscodeComplete',
    'TranscodeComplete',
    'VideoAnalysisComplete',
  ]);
  const tc = events.find((e) => e.eventType === 'TranscodeComplete')!;
  const lastStream = Math.max(
    ...events.filter((e) => e.eventType === 'StreamTranscodeComplete').map((e) => e.at),
  );
  assert.ok(tc.at > lastStream, 'TranscodeComplete follows every stream');
  assert.equal((tc.body.StreamInfos as unknown[]).length, 4);
  const upload = events.find((e) => e.eventType === 'FileUploadComplete')!.body;
  assert.deepEqual(Object.keys(upload), ['Status', 'EventTime', 'EventType', 'VideoId', 'Size', 'FileUrl']);
  assert.equal(typeof upload.Size, 'number');
  const analysis = events.find((e) => e.eventType === 'VideoAnalysisComplete')!.body;
  for (const k of ['Duration', 'Height', 'Width', 'Fps', 'Bitrate', 'Size'])
    assert.equal(typeof analysis[k], 'string', k);
  const snap = events.find((e) => e.eventType === 'SnapshotComplete')!.body;
  const info = (snap.SnapshotInfos as Array<Record<string, unknown>>)[0]!;
  assert.equal(snap.CoverUrl, String(info.SnapshotRegular).replace('{SnapshotCount}', '00004'));
  assert.equal(plan.videoId.length, 32);
});

test('status follows the timeline; the same seed gives the same video', () => {
  const plan = planUpload(ctx(5), {});
  assert.deepEqual(planUpload(ctx(5), {}), plan);
  assert.notEqual(planUpload(ctx(6), {}).videoId, plan.videoId);
  const t = plan.transcode!;
  assert.equal(videoStatus(plan, plan.createdAt), 'Uploading');
  assert.equal(videoStatus(plan, plan.uploadAt), 'UploadSucc');
  assert.equal(videoStatus(plan, t.startAt), 'Transcoding');
  assert.equal(videoStatus(plan, t.completeAt), 'Normal');
  // At time scale 1 a video takes a few seconds.
  assert.ok(t.completeAt - plan.createdAt > 1500 && t.completeAt - plan.createdAt < 6000);
  const fast = planUpload(ctx(5, 0.01), {});
  assert.ok(fast.transcode!.completeAt - fast.createdAt < 100);
});

test('transcode outcomes: partial still reads success, fail and sourceBad read fail, none has no transcode', () => {
  const outcome = (o: TranscodeOutcome) => planEvents(planUpload(ctx(3), { transcode: o, streams: 3 }));
  const tc = (o: TranscodeOutcome) => outcome(o).find((e) => e.eventType === 'TranscodeComplete')?.body;
  assert.equal(tc('partial')?.Status, 'success');
  const partialStreams = (tc('partial')?.StreamInfos as Array<{ Status: string }>).map((s) => s.Status);
  assert.ok(partialStreams.includes('fail') && partialStreams.includes('success'));
  assert.equal(tc('fail')?.Status, 'fail');
  assert.equal(tc('sourceBad')?.Status, 'fail');
  assert.equal(outcome('sourceBad').filter((e) => e.eventType === 'StreamTranscodeComplete').length, 0);
  assert.deepEqual(
    outcome('none').map((e) => e.eventType),
    ['MediaBaseChangeComplete', 'FileUploadComplete'],
  );
  const failed = planUpload(ctx(3), { transcode: 'fail' });
  assert.equal(videoStatus(failed, failed.transcode!.completeAt), 'TranscodeFail');
});

test('seeded videos are frozen at their stage and emit only past events', () => {
  const transcoding = planSeed(ctx(9), { stage: 'transcoding' });
  assert.equal(videoStatus(transcoding, now + 10 ** 9), 'Transcoding');
  assert.ok(planEvents(transcoding).every((e) => e.eventType !== 'TranscodeComplete'));
  const done = planSeed(ctx(9), { stage: 'transcoded', videoId: 'a'.repeat(32) });
  assert.equal(done.videoId, 'a'.repeat(32));
  assert.equal(videoStatus(done, now), 'Normal');
  assert.ok(planEvents(done).every((e) => e.at <= now));
});

test('write schedule: losses are never retried, duplicates add a copy, reorder keeps the moments', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (seed, reorder) => {
      const events = planEvents(planUpload(ctx(seed), {}));
      const writes = scheduleWrites(
        events,
        { dropEvents: ['FileUploadComplete'], duplicateEvents: ['TranscodeComplete'], reorder },
        createRandom(seed),
        1,
      );
      assert.equal(writes.length, events.length + 1);
      assert.equal(writes.filter((w) => w.eventType === 'TranscodeComplete').length, 2);
      assert.deepEqual(
        writes.filter((w) => w.lost).map((w) => w.eventType),
        ['FileUploadComplete'],
      );
      const moments = writes.map((w) => w.at);
      assert.deepEqual(
        moments,
        [...moments].sort((a, b) => a - b),
      );
    }),
    { numRuns: 50 },
  );
});

test('knobs from untrusted input are validated precisely', () => {
  assert.deepEqual(parseKnobs({ dropRate: 0.5, reorder: true }), { dropRate: 0.5, reorder: true });
  assert.throws(() => parseKnobs({ dropRate: 2 }), /dropRate must be in \[0, 1\]/);
  assert.throws(() => parseKnobs({ transcode: 'maybe' }), /transcode must be one of/);
  assert.throws(() => parseKnobs({ nope: 1 }), /unknown knob nope/);
  assert.throws(() => parseKnobs({ streams: 9 }), /streams must be between 1 and 6/);
});
