import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode } from '../../../src/events';
import { isWebUrl } from '../../../src/events/webUrl';

test('URLs bound for the signed document must be http(s); others are dropped with a warning', () => {
  const body = JSON.stringify({
    EventType: 'SnapshotComplete',
    EventTime: '2018-07-31T10:07:31Z',
    VideoId: '990f3820db2948b5b4a13d65d9a40a1b',
    Status: 'success',
    CoverUrl: 'javascript:alert(document.cookie)',
    SnapshotInfos: [
      {
        Status: 'success',
        SnapshotType: 'CoverSnapshot',
        SnapshotCount: 2,
        SnapshotRegular: 'file:///etc/{SnapshotCount}',
      },
      {
        Status: 'success',
        SnapshotType: 'NormalSnapshot',
        SnapshotCount: 1,
        SnapshotRegular: 'https://cdn.example.com/s-{SnapshotCount}.jpg',
      },
    ],
  });
  const result = decode(body);
  assert.ok(result.ok);
  const payload = result.event.payload as {
    CoverUrl?: string;
    SnapshotInfos: Array<{ SnapshotRegular?: string }>;
  };
  assert.equal(payload.CoverUrl, undefined);
  assert.equal(payload.SnapshotInfos[0]!.SnapshotRegular, undefined);
  assert.equal(payload.SnapshotInfos[1]!.SnapshotRegular, 'https://cdn.example.com/s-{SnapshotCount}.jpg');
  assert.ok(
    result.event.warnings?.some((w) => w.startsWith('CoverUrl')),
    String(result.event.warnings),
  );
  assert.ok(
    result.event.warnings?.some((w) => w.startsWith('SnapshotInfos[0].SnapshotRegular')),
    String(result.event.warnings),
  );

  const transcode = decode(
    JSON.stringify({
      EventType: 'TranscodeComplete',
      EventTime: '2017-03-20T07:49:17Z',
      VideoId: '43q9fjsh73f0a1b2',
      Status: 'success',
      StreamInfos: [
        { Status: 'success', Definition: 'LD', FileUrl: 'data:video/mp4;base64,AAAA' },
        { Status: 'success', Definition: 'SD', FileUrl: 'http://vod.example.com/sd.mp4' },
      ],
    }),
  );
  assert.ok(transcode.ok);
  const streams = (transcode.event.payload as { StreamInfos: Array<{ FileUrl?: string }> }).StreamInfos;
  assert.deepEqual(
    streams.map((s) => s.FileUrl),
    [undefined, 'http://vod.example.com/sd.mp4'],
  );
});

test('a web URL is an absolute http(s) URL without spaces or control characters', () => {
  for (const ok of [
    'http://a.example/x.mp4',
    'HTTPS://cdn.example.com/a-{SnapshotCount}.jpg?auth_key=1-0-0-abc',
  ]) {
    assert.equal(isWebUrl(ok), true, ok);
  }
  for (const bad of [
    'javascript:alert(1)',
    'data:,x',
    'file:///etc/passwd',
    '//cdn.example.com/x',
    'http:x',
    'http://a b/',
    'http://a/\nb',
    'ftp://a/b',
    'http://[/',
    '',
  ]) {
    assert.equal(isWebUrl(bad), false, JSON.stringify(bad));
  }
});
