import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, type VodEvent } from '../../../src/events';

const V = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';

function identityOf(body: Record<string, unknown> | string): string {
  const result = decode(typeof body === 'string' ? body : JSON.stringify(body));
  assert.ok(result.ok, result.ok ? '' : result.reason);
  return (result.event as VodEvent).identity;
}

const transcode = (jobIds: string[], eventTime = '2023-05-04T03:06:00Z') => ({
  EventType: 'TranscodeComplete',
  EventTime: eventTime,
  VideoId: V,
  Status: 'success',
  StreamInfos: jobIds.map((JobId) => ({ Status: 'success', JobId, Definition: 'HD' })),
});

test('identity is compact: type, mediaId, status and a 16-hex hash', () => {
  assert.match(identityOf(transcode(['j1'])), new RegExp(`^TranscodeComplete:${V}:success:[0-9a-f]{16}$`));
});

test('one event delivered twice has one identity, whatever the encoding, key order or whitespace', () => {
  const body = transcode(['j1', 'j2']);
  const reordered = Object.fromEntries(Object.entries(body).reverse());
  const base64 = Buffer.from(JSON.stringify(body)).toString('base64');
  const ids = new Set([
    identityOf(body),
    identityOf(reordered),
    identityOf(`\ufeff  ${JSON.stringify(body, null, 2)}\n`),
    identityOf(base64),
  ]);
  assert.equal(ids.size, 1);
});

test('TranscodeComplete: stream order and a re-pushed EventTime do not matter; new JobIds do', () => {
  const first = identityOf(transcode(['j1', 'j2']));
  assert.equal(identityOf(transcode(['j2', 'j1'])), first);
  assert.equal(identityOf(transcode(['j1', 'j2'], '2023-05-04T03:06:09Z')), first);
  // A second transcode of the same video (SubmitTranscodeJobs) yields new JobIds: new work.
  assert.notEqual(identityOf(transcode(['j3', 'j4'])), first);
});

test('TranscodeComplete without streams (failed before starting) falls back to EventTime', () => {
  const failed = (t: string) => ({
    EventType: 'TranscodeComplete',
    EventTime: t,
    VideoId: V,
    Status: 'fail',
  });
  assert.equal(identityOf(failed('2023-05-04T03:06:00Z')), identityOf(failed('2023-05-04T03:06:00Z')));
  assert.notEqual(identityOf(failed('2023-05-04T03:06:00Z')), identityOf(failed('2023-05-04T03:16:00Z')));
});

test('SnapshotComplete keys on SnapshotInfos JobIds and SubType', () => {
  const snapshot = (jobIds: string[], SubType?: string) => ({
    EventType: 'SnapshotComplete',
    EventTime: '2023-05-04T03:07:00Z',
    VideoId: V,
    Status: 'success',
    ...(SubType ? { SubType } : {}),
    SnapshotInfos: jobIds.map((JobId) => ({ Status: 'success', SnapshotType: 'CoverSnapshot', JobId })),
  });
  assert.equal(identityOf(snapshot(['s1', 's2'])), identityOf(snapshot(['s2', 's1'])));
  assert.notEqual(identityOf(snapshot(['s1'])), identityOf(snapshot(['s3'], 'SpecifiedTime')));
});

test('status, mediaId and event type separate identities', () => {
  const stream = (over: Record<string, unknown>) => ({
    EventType: 'StreamTranscodeComplete',
    EventTime: '2023-05-04T03:05:00Z',
    VideoId: V,
    Status: 'success',
    JobId: 'job-1',
    ...over,
  });
  const base = identityOf(stream({}));
  assert.notEqual(identityOf(stream({ Status: 'fail' })), base);
  assert.notEqual(identityOf(stream({ VideoId: 'other0video' })), base);
  assert.notEqual(identityOf(stream({ JobId: 'job-2' })), base);
  // Fields outside the identity rule (a URL, a size) do not split one event into two.
  assert.equal(identityOf(stream({ FileUrl: 'http://x/y.mp4', Size: '12' })), base);
});

test('events with no job id key on EventTime (1 s resolution)', () => {
  const upload = (t: string) => ({
    EventType: 'FileUploadComplete',
    EventTime: t,
    VideoId: V,
    Status: 'success',
  });
  assert.equal(identityOf(upload('2023-05-04T03:02:01Z')), identityOf(upload('2023-05-04T03:02:01.000Z')));
  assert.notEqual(identityOf(upload('2023-05-04T03:02:01Z')), identityOf(upload('2023-05-04T03:02:02Z')));
});

test('unknown event types hash their whole body', () => {
  const unknown = (extra: Record<string, unknown>) => ({
    EventType: 'SomethingNewComplete',
    EventTime: '2025-01-01T00:00:00Z',
    MediaId: V,
    ...extra,
  });
  assert.equal(identityOf(unknown({ A: 1, B: 2 })), identityOf(unknown({ B: 2, A: 1 })));
  assert.notEqual(identityOf(unknown({ A: 1 })), identityOf(unknown({ A: 2 })));
});
