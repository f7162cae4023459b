import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VodEvent } from '../../../src/events/model';
import { DedupeMemory } from '../../../src/workflows/dedupeMemory';
import { resolvePipelineOptions, stageNames } from '../../../src/shared/pipelineOptions';
import {
  applyEvent,
  applyReconciliation,
  initialVideoState,
  requiredProgress,
  snapshotUrl,
  stageFingerprint,
} from '../../../src/workflows/stageMachine';
import type { VideoState } from '../../../src/shared/videoState';
import {
  baseChangeEvent,
  deleteEvent,
  permutations,
  snapshotEvent,
  snapshotInfo,
  stream,
  streamEvent,
  transcodeEvent,
  uploadEvent,
} from './eventBuilders';

const vid = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const all = ['upload', 'transcode', 'snapshot'] as const;

function run(events: VodEvent[], state: VideoState = initialVideoState(vid)): VideoState {
  return events.reduce((s, e) => applyEvent(s, e).state, state);
}

test('every order of upload, streams, transcode and snapshot reaches the same stage results', () => {
  const events = [
    uploadEvent(vid),
    streamEvent(vid, stream('job-ld')),
    streamEvent(vid, stream('job-hd', 'success', 'HD')),
    transcodeEvent(vid, [stream('job-ld'), stream('job-hd', 'success', 'HD')]),
    snapshotEvent(vid, [snapshotInfo('snap-1')]),
  ];
  const orders = permutations(events);
  assert.equal(orders.length, 120);
  let reference: string | undefined;
  for (const order of orders) {
    const state = run(order);
    assert.equal(requiredProgress(state, all).ready, true, order.map((e) => e.eventType).join(','));
    assert.deepEqual(state.stages.transcode.streams.map((s) => s.key).sort(), ['job-hd', 'job-ld']);
    assert.equal(state.stages.transcode.pendingStreams.length, 0);
    assert.equal(stageFingerprint(state, all), 'u1-t1-s1');
    const digest = JSON.stringify({
      streams: [...state.stages.transcode.streams].sort((a, b) => a.key.localeCompare(b.key)),
      snapshot: state.stages.snapshot.snapshots,
      upload: state.stages.upload.size,
    });
    reference ??= digest;
    assert.equal(digest, reference);
  }
});

test('the same event applied twice changes nothing the second time', () => {
  for (const event of [
    uploadEvent(vid),
    transcodeEvent(vid, [stream('j1')]),
    snapshotEvent(vid, [snapshotInfo('s1')]),
  ]) {
    const once = applyEvent(initialVideoState(vid), event);
    const twice = applyEvent(once.state, event);
    assert.equal(once.outcome, 'applied');
    assert.equal(twice.outcome, 'unchanged');
    assert.deepEqual(twice.state.stages, once.state.stages);
  }
});

test('the dedupe memory drops repeated identities and forgets the oldest beyond its limit', () => {
  const memory = new DedupeMemory(3);
  assert.equal(memory.remember('a'), true);
  assert.equal(memory.remember('a'), false);
  memory.remember('b');
  memory.remember('c');
  memory.remember('d');
  assert.deepEqual(memory.toJSON(), ['b', 'c', 'd']);
  assert.equal(memory.remember('a'), true, 'forgotten after three newer ones');
  const carried = new DedupeMemory(3, memory.toJSON());
  assert.equal(carried.remember('d'), false, 'memory survives continue-as-new');
});

test('a failed upload fails the upload stage and the required progress', () => {
  const state = run([uploadEvent(vid, 'fail')]);
  assert.equal(state.stages.upload.status, 'failed');
  assert.equal(state.stages.upload.failure?.message, 'broken upload');
  assert.deepEqual(requiredProgress(state, all).failed, ['upload']);
  const recovered = run([uploadEvent(vid, 'success', 7)], state);
  assert.equal(recovered.stages.upload.status, 'succeeded');
  assert.equal(recovered.stages.upload.version, 2);
});

test('a TranscodeComplete whose streams all failed fails the stage even if Status says success', () => {
  const state = run([
    transcodeEvent(vid, [stream('j1', 'fail'), stream('j2', 'fail')], { status: 'success' }),
  ]);
  assert.equal(state.stages.transcode.status, 'failed');
  assert.equal(state.stages.transcode.failure?.code, 'TranscodeFail');
});

test('a transcode that fails before starting (no streams, status fail) fails the stage', () => {
  const state = run([transcodeEvent(vid, [], { status: 'fail', task: 'broken-source' })]);
  assert.equal(state.stages.transcode.status, 'failed');
});

test('a partially failed transcode succeeds with the failed streams marked', () => {
  const state = run([transcodeEvent(vid, [stream('ok'), stream('bad', 'fail', 'HD')])]);
  const transcode = state.stages.transcode;
  assert.equal(transcode.status, 'succeeded');
  assert.equal(transcode.partial, true);
  assert.deepEqual(
    transcode.streams.map((s) => [s.key, s.status]),
    [
      ['ok', 'success'],
      ['bad', 'fail'],
    ],
  );
});

test('StreamTranscodeComplete results accumulate until TranscodeComplete, which may list none', () => {
  let state = run([streamEvent(vid, stream('j1')), streamEvent(vid, stream('j2', 'fail', 'HD'))]);
  assert.equal(state.stages.transcode.status, 'pending');
  assert.equal(state.stages.transcode.pendingStreams.length, 2);
  state = run([transcodeEvent(vid, [], { status: 'success', task: 't1' })], state);
  assert.equal(state.stages.transcode.status, 'succeeded');
  assert.equal(state.stages.transcode.partial, true);
  assert.deepEqual(state.stages.transcode.streams.map((s) => s.key).sort(), ['j1', 'j2']);
});

test('a stream event after its TranscodeComplete fills in fields without a new version', () => {
  const bare = { Status: 'success' as const, JobId: 'j1' };
  let state = run([transcodeEvent(vid, [bare])]);
  state = run([streamEvent(vid, stream('j1'))], state);
  assert.equal(state.stages.transcode.version, 1);
  assert.equal(state.stages.transcode.streams[0]?.url, 'http://vod.example.com/j1.mp4');
});

test('a re-transcode with new streams bumps only the transcode version', () => {
  const first = run([
    uploadEvent(vid),
    transcodeEvent(vid, [stream('j1')]),
    snapshotEvent(vid, [snapshotInfo('s1')]),
  ]);
  const again = applyEvent(first, transcodeEvent(vid, [stream('j9', 'success', 'HD')], { second: 50 }));
  assert.equal(again.outcome, 'applied');
  assert.deepEqual(again.changed, ['transcode']);
  assert.equal(stageFingerprint(again.state, ['transcode']), 't2');
  assert.equal(stageFingerprint(again.state, ['upload', 'snapshot']), 'u1-s1');
  assert.deepEqual(
    again.state.stages.transcode.streams.map((s) => s.key),
    ['j9'],
  );
  // The same streams under a new identity are not a change.
  const same = applyEvent(
    again.state,
    transcodeEvent(vid, [stream('j9', 'success', 'HD')], { task: 'other' }),
  );
  assert.equal(same.outcome, 'unchanged');
  // A later re-transcode that failed keeps the playable streams.
  const failed = applyEvent(again.state, transcodeEvent(vid, [stream('j10', 'fail')], { second: 60 }));
  assert.equal(failed.state.stages.transcode.status, 'succeeded');
  assert.equal(failed.state.stages.transcode.version, 2);
  assert.equal(failed.state.stages.transcode.failure?.identity, failed.state.recent.at(-1)?.identity);
});

test('snapshots: failure, URL building and a later job replacing only its own type', () => {
  const failed = run([snapshotEvent(vid, [], { status: 'fail', second: 8 })]);
  assert.equal(failed.stages.snapshot.status, 'failed');
  const ok = run([
    snapshotEvent(vid, [snapshotInfo('c1', 'CoverSnapshot', 2), snapshotInfo('sp', 'SpriteSnapshot', 1)]),
  ]);
  assert.deepEqual(ok.stages.snapshot.snapshots[0]?.urls, [
    'http://img.example.com/covers/c1-00001.jpg',
    'http://img.example.com/covers/c1-00002.jpg',
  ]);
  const later = run(
    [snapshotEvent(vid, [snapshotInfo('n1', 'NormalSnapshot', 1)], { subType: 'SpecifiedTime' })],
    ok,
  );
  assert.deepEqual(
    later.stages.snapshot.snapshots.map((s) => s.type),
    ['CoverSnapshot', 'SpriteSnapshot', 'NormalSnapshot'],
  );
  assert.equal(later.stages.snapshot.version, 2);
  assert.equal(snapshotUrl('x-{SnapshotCount}.jpg', 12), 'x-00012.jpg');
});

test('DeleteMediaComplete: all deletes the video; mezzanine is ignored; stream removes those streams', () => {
  const base = run([uploadEvent(vid), transcodeEvent(vid, [stream('j1'), stream('j2')])]);
  assert.ok(run([deleteEvent(vid)], base).deleted);
  const afterDelete = applyEvent(run([deleteEvent(vid)], base), snapshotEvent(vid, [snapshotInfo('s')]));
  assert.equal(afterDelete.outcome, 'ignored');
  assert.equal(run([deleteEvent(vid, 'mezzanine')], base).deleted, undefined);
  const streamsDeleted = run([deleteEvent(vid, 'stream', 'j1')], base);
  assert.deepEqual(
    streamsDeleted.stages.transcode.streams.map((s) => s.key),
    ['j2'],
  );
  assert.equal(streamsDeleted.stages.transcode.version, 2);
});

test('MediaBaseChangeComplete echoes, other event types and other videos are ignored', () => {
  const before = run([uploadEvent(vid)]);
  for (const event of [
    baseChangeEvent(vid),
    { ...uploadEvent('someoneelse0000000000000000000000'), identity: 'other' },
    {
      eventType: 'VideoAnalysisComplete',
      mediaId: vid,
      status: 'success',
      eventTime: '2026-01-01T00:00:00.000Z',
      identity: 'va',
      payload: {},
    } as VodEvent,
  ]) {
    const result = applyEvent(before, event);
    assert.equal(result.outcome, 'ignored');
    assert.deepEqual(result.state.stages, before.stages);
  }
});

test('reconciliation completes pending stages from the API answer and never overrides events', () => {
  const state = run([transcodeEvent(vid, [stream('j1')])]);
  const result = applyReconciliation(state, {
    checkedAt: '2026-01-01T01:00:00.000Z',
    videoFound: true,
    videoStatus: 'Normal',
    upload: { status: 'succeeded', size: 42 },
    transcode: { status: 'succeeded', streams: [] },
    snapshot: {
      status: 'succeeded',
      coverUrl: 'http://img/c.jpg',
      snapshots: [{ type: 'CoverSnapshot', status: 'success', count: 1, urls: ['http://img/c.jpg'] }],
    },
  });
  assert.deepEqual(result.changed, ['upload', 'snapshot']);
  assert.equal(result.state.stages.upload.source, 'reconciliation');
  assert.equal(result.state.stages.upload.size, 42);
  assert.equal(result.state.stages.transcode.source, 'event');
  assert.equal(requiredProgress(result.state, all).ready, true);

  const pending = applyReconciliation(initialVideoState(vid), {
    checkedAt: 't',
    videoFound: true,
    upload: { status: 'pending' },
  });
  assert.equal(pending.outcome, 'unchanged');
  const gone = applyReconciliation(initialVideoState(vid), { checkedAt: 't', videoFound: false });
  assert.match(gone.state.deleted?.reason ?? '', /NotFound/);
});

test('required stages are configurable: upload only is ready after the upload', () => {
  const options = resolvePipelineOptions({ requiredStages: ['upload'] });
  const state = run([uploadEvent(vid)]);
  assert.equal(requiredProgress(state, options.requiredStages).ready, true);
  assert.equal(requiredProgress(state, resolvePipelineOptions(undefined).requiredStages).ready, false);
  assert.deepEqual(resolvePipelineOptions({ requiredStages: ['snapshot', 'upload'] }).requiredStages, [
    'upload',
    'snapshot',
  ]);
  assert.equal(resolvePipelineOptions({ overdueAfterMs: { upload: 5 } }).overdueAfterMs.transcode, 3_600_000);
});

test('the recent-event log is bounded', () => {
  let state = initialVideoState(vid);
  for (let i = 0; i < 50; i += 1) state = applyEvent(state, baseChangeEvent(vid, i)).state;
  assert.equal(state.recent.length, 20);
  assert.equal(state.counters.ignored, 50);
});

test('a SnapshotComplete without Status (as in the documented sample) is judged by its snapshots', () => {
  const withoutStatus = { ...snapshotEvent(vid, [snapshotInfo('c1')]), status: null };
  assert.equal(run([withoutStatus]).stages.snapshot.status, 'succeeded');
  const uploadWithoutStatus = { ...uploadEvent(vid), status: null };
  assert.equal(run([uploadWithoutStatus]).stages.upload.status, 'succeeded');
});

test('a late event that only confirms a reconciliation is absorbed; newer work still bumps the version', () => {
  const reconciled = applyReconciliation(initialVideoState(vid), {
    checkedAt: '2026-01-01T00:00:30.000Z',
    videoFound: true,
    videoStatus: 'Normal',
    upload: { status: 'succeeded', size: 42 },
    transcode: { status: 'succeeded', streams: [] },
  }).state;
  const versions = (s: typeof reconciled) => stageNames.map((n) => s.stages[n].version);
  // FileUploadComplete and TranscodeComplete that happened before the check arrive late.
  let state = reconciled;
  for (const late of [uploadEvent(vid, 'success', 5), transcodeEvent(vid, [stream('j1')], { second: 20 })]) {
    const result = applyEvent(state, late);
    assert.equal(result.outcome, 'unchanged', result.note);
    assert.deepEqual(result.changed, []);
    state = result.state;
  }
  assert.deepEqual(versions(state), versions(reconciled));
  // Without the patch (histories recorded before it) the old behaviour stays.
  assert.deepEqual(
    applyEvent(reconciled, uploadEvent(vid, 'success', 5), { absorbLateConfirmations: false }).changed,
    ['upload'],
  );
  // A transcode that happened after the check is new work (a re-transcode).
  const retranscode = applyEvent(state, transcodeEvent(vid, [stream('j2')], { second: 45 }));
  assert.deepEqual(retranscode.changed, ['transcode']);
});
