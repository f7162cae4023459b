import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decode, knownEventTypes, type VodEvent } from '../../../src/events';
import { fixtureDir, fixtureFiles, malformedDir, readFixture } from './fixturePaths';

const V = '43q91jdh7df0a1b2c3d4e5f6a7b8c9d0';

interface Expected {
  eventType: string;
  mediaId: string | null;
  status: 'success' | 'fail' | null;
  eventTime: string;
  /** Further checks on the decoded event. */
  check?: (event: VodEvent) => void;
}

const p = (event: VodEvent) => event.payload as Record<string, unknown>;
const streams = (event: VodEvent) => p(event).StreamInfos as Array<Record<string, unknown>>;

/** Every file in test/fixtures/events must be listed here (asserted below). */
const valid: Record<string, Expected> = {
  'file-upload-complete.json': {
    eventType: 'FileUploadComplete',
    mediaId: '43q91jdh7df0a1b2',
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => {
      assert.deepEqual(e.extend, { test: 'your extend data' });
      assert.deepEqual(p(e).Extend, { test: 'your extend data' });
      assert.equal(p(e).Size, 1439213);
    },
  },
  'file-upload-complete-production.json': {
    eventType: 'FileUploadComplete',
    mediaId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
    status: 'success',
    eventTime: '2023-05-04T03:02:01.000Z',
    check: (e) => {
      assert.equal('extend' in e, false);
      assert.equal(e.warnings, undefined);
    },
  },
  'image-upload-complete.json': {
    eventType: 'ImageUploadComplete',
    mediaId: '3e2c1a0b9f8e7d6c5b4a39281706f5e4',
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => {
      assert.equal(p(e).Size, 20480);
      assert.equal(p(e).AppId, 'app-1000000');
    },
  },
  'attached-media-upload-complete.json': {
    eventType: 'AttachedMediaUploadComplete',
    mediaId: 'b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2',
    status: 'success',
    eventTime: '2019-01-02T03:04:05.000Z',
  },
  'stream-transcode-complete.json': {
    eventType: 'StreamTranscodeComplete',
    mediaId: '43q9fj74hdf0a1b2',
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => {
      assert.equal(p(e).Bitrate, 925);
      assert.equal(p(e).Fps, 30);
      assert.equal(p(e).Encrypt, false);
      assert.equal(e.extend, 'test data');
    },
  },
  'stream-transcode-complete-fail.json': {
    eventType: 'StreamTranscodeComplete',
    mediaId: V,
    status: 'fail',
    eventTime: '2023-05-04T03:05:00.000Z',
    check: (e) => {
      assert.equal(p(e).IsAudio, false);
      assert.equal(p(e).ErrorCode, 'InvalidParameter.ResourceContentBad');
    },
  },
  'transcode-complete.json': {
    eventType: 'TranscodeComplete',
    mediaId: '43q9fjsh73f0a1b2',
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => assert.deepEqual(streams(e)[0]?.Bitrate, 925),
  },
  'transcode-complete-partial-failure.json': {
    eventType: 'TranscodeComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T03:06:00.000Z',
    check: (e) => {
      assert.deepEqual(
        streams(e).map((s) => s.Status),
        ['success', 'fail', 'success'],
      );
      assert.deepEqual(streams(e)[0], {
        Status: 'success',
        Definition: 'HD-MP4',
        Format: 'mp4',
        Bitrate: 2000.5,
        Duration: 60.04,
        Fps: 25,
        Height: 720,
        Width: 1280,
        Size: 15000000,
        JobId: 'job-c',
        IsAudio: false,
        Codec: 'H.264',
      });
      assert.equal(streams(e)[2]?.IsAudio, true);
      assert.deepEqual(e.extend, { tenant: 'acme', upload: 17 });
    },
  },
  'transcode-complete-fail-no-streams.json': {
    eventType: 'TranscodeComplete',
    mediaId: V,
    status: 'fail',
    eventTime: '2023-05-04T03:02:30.000Z',
    check: (e) => assert.equal(p(e).StreamInfos, undefined),
  },
  'snapshot-complete.json': {
    eventType: 'SnapshotComplete',
    mediaId: '990f3820db2948b5b4a13d65d9a40a1b',
    status: 'success', // derived: VOD's documented sample has no Status
    eventTime: '2018-07-31T10:07:31.000Z',
    check: (e) => {
      assert.deepEqual(e.warnings, ['Status: absent, derived "success" from the body']);
      const infos = p(e).SnapshotInfos as Array<Record<string, unknown>>;
      assert.equal(infos[0]?.SnapshotCount, 2);
      assert.equal(infos[0]?.JobId, 'ee16d4bbf3f70a1b2e094bcb8cf8ddde');
    },
  },
  'snapshot-complete-specified-time.json': {
    eventType: 'SnapshotComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T03:07:00.000Z',
    check: (e) => {
      assert.equal(p(e).SubType, 'SpecifiedTime');
      const infos = p(e).SnapshotInfos as Array<Record<string, unknown>>;
      assert.deepEqual(
        infos.map((i) => i.SnapshotCount),
        [3, 1],
      );
    },
  },
  'snapshot-complete-fail.json': {
    eventType: 'SnapshotComplete',
    mediaId: V,
    status: 'fail',
    eventTime: '2023-05-04T03:07:10.000Z',
  },
  'dynamic-image-complete.json': {
    eventType: 'DynamicImageComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T03:08:00.000Z',
    check: (e) =>
      assert.deepEqual(p(e).DynamicImageJobInfo, {
        JobId: 'dyn-job-1',
        Status: 'success',
        FileURL: 'http://example.aliyundoc.com/dyn/1.gif',
        FileSize: 204800,
        Fps: 15,
        Height: 240,
        Width: 320,
      }),
  },
  'add-live-record-video-complete.json': {
    eventType: 'AddLiveRecordVideoComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T04:00:00.000Z',
  },
  'live-record-video-compose-start.json': {
    eventType: 'LiveRecordVideoComposeStart',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T04:00:05.000Z',
  },
  'upload-by-url-complete.json': {
    eventType: 'UploadByURLComplete',
    mediaId: '43q9fjdun3f0a1b2',
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => assert.equal(p(e).Size, 123456),
  },
  'upload-by-url-complete-failed.json': {
    eventType: 'UploadByURLComplete',
    mediaId: null, // a failed pull has no VideoId: valid, routed by the poller's rule for mediaId null
    status: 'fail',
    eventTime: '2023-05-04T03:00:00.000Z',
    check: (e) => assert.equal(p(e).JobId, '4c815bjs83j1dead'),
  },
  'upload-by-url-complete-stream.json': {
    eventType: 'UploadByURLComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T03:00:10.000Z',
    check: (e) => assert.equal(p(e).FileType, 'Stream'),
  },
  'create-audit-complete.json': {
    eventType: 'CreateAuditComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T05:00:00.000Z',
    check: (e) => assert.equal(p(e).AuditStatus, 'Blocked'),
  },
  'ai-media-audit-complete.json': {
    eventType: 'AIMediaAuditComplete',
    mediaId: 'SHEN38505NDF90a1b',
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) =>
      assert.deepEqual(p(e).Data, { AbnormalModules: 'video', Label: 'porn', Suggestion: 'review' }),
  },
  'ai-media-audit-complete-data-string.json': {
    eventType: 'AIMediaAuditComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T05:10:00.000Z',
    check: (e) => {
      assert.equal((p(e).Data as Record<string, unknown>).Suggestion, 'pass');
      assert.equal(p(e).Code, '0'); // a number Code becomes its text
    },
  },
  'video-analysis-complete.json': {
    eventType: 'VideoAnalysisComplete',
    mediaId: '84bd5b0566ddj39549986befd0e80a1b',
    status: 'success',
    eventTime: '2018-11-28T10:12:48.000Z',
    check: (e) => {
      const { Duration, Height, Width, Fps, Bitrate, Size } = p(e);
      assert.deepEqual(
        { Duration, Height, Width, Fps, Bitrate, Size },
        {
          Duration: 12,
          Height: 360,
          Width: 630,
          Fps: 30,
          Bitrate: 499,
          Size: 1234568,
        },
      );
    },
  },
  'video-analysis-complete-fail.json': {
    eventType: 'VideoAnalysisComplete',
    mediaId: V,
    status: 'fail',
    eventTime: '2023-05-04T03:02:10.000Z',
  },
  'ai-media-dna-complete.json': {
    eventType: 'AIMediaDNAComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2017-03-20T07:49:17.025Z', // the colon-before-milliseconds form
    check: (e) =>
      assert.deepEqual(p(e).Data, { VideoDNA: [{ PrimaryKey: 'other-video', Similarity: '0.9' }] }),
  },
  'ai-video-tag-complete.json': {
    eventType: 'AIVideoTagComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T05:20:00.000Z',
  },
  'produce-media-complete.json': {
    eventType: 'ProduceMediaComplete',
    mediaId: 'c0ffee00c0ffee00c0ffee00c0ffee00',
    status: 'success',
    eventTime: '2023-05-04T06:00:00.000Z',
  },
  'delete-media-complete.json': {
    eventType: 'DeleteMediaComplete',
    mediaId: '1234343b689jsi3ka5422dfe1e470a1b',
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => assert.equal(p(e).DeleteType, 'all'),
  },
  'delete-media-complete-streams.json': {
    eventType: 'DeleteMediaComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T07:00:00.000Z',
  },
  'media-base-change-complete.json': {
    eventType: 'MediaBaseChangeComplete',
    mediaId: '3b46b391419aj294m83b459f74350a1b',
    status: 'success',
    eventTime: '2019-06-20T02:18:58.000Z',
    check: (e) =>
      assert.deepEqual(p(e).MediaContent, { Description: { OldValue: 'OldDesc', NewValue: 'NewDesc' } }),
  },
  'media-base-change-complete-create.json': {
    eventType: 'MediaBaseChangeComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T02:59:00.000Z',
    check: (e) =>
      assert.deepEqual(p(e).MediaContent, { Title: { NewValue: 'My video' }, Tags: { NewValue: 'a,b' } }),
  },
  'update-media-storage-class-complete.json': {
    eventType: 'UpdateMediaStorageClassComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T08:00:00.000Z',
    check: (e) => assert.equal(p(e).StorageClass, 'Archive'),
  },
  'restore-media-complete.json': {
    eventType: 'RestoreMediaComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T09:00:00.000Z',
  },
  'submit-media-refresh-complete.json': {
    eventType: 'SubmitMediaRefreshComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2023-05-04T10:00:00.000Z',
    check: (e) => {
      assert.deepEqual(p(e).FilterPolicy, { Formats: 'mp4,m3u8' });
      assert.equal(e.extend, 'plain');
    },
  },
  'workflow-task-complete.json': {
    eventType: 'WorkflowTaskComplete',
    mediaId: V,
    status: 'success', // "Succeed"
    eventTime: '2023-05-04T11:00:00.000Z',
    check: (e) => {
      const results = p(e).ActivityResults as Record<string, Record<string, unknown>>;
      assert.equal(results.Transcode?.ActivityId, 'Transcode');
      assert.deepEqual(results.Transcode?.Result, { JobIds: 'j1' });
      assert.deepEqual(p(e).TaskInput, { Type: 'Media', Data: 'x' });
    },
  },
  'workflow-task-complete-failed.json': {
    eventType: 'WorkflowTaskComplete',
    mediaId: V,
    status: 'fail', // "Failed"
    eventTime: '2023-05-04T11:10:00.000Z',
  },
  'unknown-event-type.json': {
    eventType: 'MediaArchiveComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2025-01-01T00:00:00.000Z',
    check: (e) => {
      assert.equal((e as { unknownType?: boolean }).unknownType, true);
      assert.deepEqual(p(e).NewField, { nested: [1, 2, 3] });
    },
  },
  'ims-event.json': {
    eventType: 'MediaConvertComplete',
    mediaId: null,
    status: null,
    eventTime: '2023-05-04T12:00:00.000Z',
    check: (e) => assert.equal((e as { unknownType?: boolean }).unknownType, true),
  },
  'quirk-base64.txt': {
    eventType: 'FileUploadComplete',
    mediaId: 'base64video0001',
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => assert.equal(p(e).Size, 42),
  },
  'quirk-bom-whitespace.json': {
    eventType: 'FileUploadComplete',
    mediaId: 'bomvideo0001',
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
  },
  'quirk-trailing-space-keys.json': {
    eventType: 'UploadByURLComplete',
    mediaId: null,
    status: 'fail',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => {
      assert.equal(p(e).ErrorCode, 'URLInvalidError');
      assert.equal(p(e).SourceURL, 'http://example.aliyundoc.com/a.mp4');
      assert.equal(
        Object.keys(p(e)).some((k) => k !== k.trim()),
        false,
      );
    },
  },
  'quirk-unusable-field.json': {
    eventType: 'StreamTranscodeComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => {
      assert.deepEqual(e.warnings, [
        'Encrypt: expected a boolean, got "maybe" (dropped)',
        'Width: expected a number or numeric string, got "wide" (dropped)',
      ]);
      for (const field of ['Width', 'Height', 'Fps', 'Encrypt']) assert.equal(field in p(e), false, field);
    },
  },
  'quirk-status-case.json': {
    eventType: 'TranscodeComplete',
    mediaId: V,
    status: 'success', // " SUCCESS "
    eventTime: '2017-03-20T07:49:17.000Z', // space separator, no zone: UTC
    check: (e) => {
      assert.deepEqual(streams(e), [{ Status: 'fail', JobId: 'j-1' }, { JobId: 'j-2' }]);
      assert.deepEqual(e.warnings, [
        'StreamInfos[1].Status: expected success or fail (or Succeed/Failed), got "weird" (dropped)',
      ]);
    },
  },
  'quirk-double-encoded.json': {
    eventType: 'SnapshotComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2017-03-20T07:49:17.000Z',
    check: (e) => {
      const infos = p(e).SnapshotInfos as Array<Record<string, unknown>>;
      assert.equal(infos[0]?.SnapshotCount, 8); // SnapshotInfos itself was a JSON string
    },
  },
  'quirk-event-time-offset.json': {
    eventType: 'VideoAnalysisComplete',
    mediaId: V,
    status: 'success',
    eventTime: '2017-03-20T07:49:17.123Z',
    check: (e) => assert.equal(p(e).Duration, 12.5),
  },
};

/** Every file in test/fixtures/events/malformed, with the reason decode() must give. */
const malformed: Record<string, string> = {
  'empty.txt': 'body is empty',
  'whitespace-only.txt': 'body is empty',
  'not-json.txt': 'body is neither JSON nor base64-encoded JSON: not valid JSON',
  'truncated.json': 'body is neither JSON nor base64-encoded JSON: not valid JSON',
  'array.json': 'body is not a JSON object (got an array)',
  'json-string.json': 'body is not a JSON object (got the string "FileUploadComplete")',
  'json-number.json': 'body is not a JSON object (got number 42)',
  'json-null.json': 'body is not a JSON object (got null)',
  'no-event-type.json': 'body has no EventType',
  'event-type-not-string.json': 'EventType is not a string (got number 7)',
  'event-type-injection.json':
    'EventType "FileUploadComplete\\nlevel=error msg=forged" is not a valid event type name',
  'no-event-time.json': 'FileUploadComplete has no EventTime',
  'bad-event-time.json': 'FileUploadComplete: EventTime "2017-02-30T07:49:17Z" is not a recognized UTC time',
  'snapshot-complete-official-sample.json': 'SnapshotComplete has no VideoId',
  'masked-video-id.json': `FileUploadComplete: VideoId "43q91jdh7df****" is not a valid id (1-64 letters, digits, '-' or '_')`,
  'video-id-path-injection.json': `TranscodeComplete: VideoId "../../admin?x=1" is not a valid id`,
  'video-id-too-long.json': 'TranscodeComplete: VideoId "aaaa',
  'video-id-number.json': 'TranscodeComplete: VideoId is not a string (got number)',
  'media-id-invalid-beside-video-id.json': 'TranscodeComplete: MediaId "x y" is not a valid id',
  'delete-media-no-media-id.json': 'DeleteMediaComplete has no MediaId',
  'image-upload-no-image-id.json': 'ImageUploadComplete has no ImageId',
  'upload-by-url-no-ids.json': 'UploadByURLComplete has neither VideoId nor JobId',
  'deep-nesting.json': 'body JSON nested deeper than 32 levels',
  'base64-of-garbage.txt': 'body is neither JSON nor base64-encoded JSON',
  'base64-of-array.txt': 'body is base64 but its content is not a JSON object (got an array)',
};

describe('valid fixtures', () => {
  test('every fixture file is asserted, and every documented event type has one', () => {
    assert.deepEqual(fixtureFiles(fixtureDir), Object.keys(valid).sort());
    const covered = new Set(Object.values(valid).map((e) => e.eventType));
    for (const type of knownEventTypes) assert.ok(covered.has(type), `no fixture for ${type}`);
  });

  for (const [name, expected] of Object.entries(valid)) {
    test(name, () => {
      const result = decode(readFixture(fixtureDir, name));
      assert.ok(result.ok, result.ok ? '' : result.reason);
      const { event } = result;
      assert.equal(event.eventType, expected.eventType);
      assert.equal(event.mediaId, expected.mediaId);
      assert.equal(event.status, expected.status);
      assert.equal(event.eventTime, expected.eventTime);
      assert.equal(
        event.identity.startsWith(
          `${expected.eventType}:${expected.mediaId ?? '-'}:${expected.status ?? '-'}:`,
        ),
        true,
        event.identity,
      );
      assert.match(event.identity, /:[0-9a-f]{16}$/);
      assert.equal(p(event).EventType, expected.eventType); // the payload keeps VOD's own fields
      expected.check?.(event);
    });
  }
});

describe('malformed fixtures', () => {
  test('every malformed fixture file is asserted', () => {
    assert.deepEqual(fixtureFiles(malformedDir), Object.keys(malformed).sort());
  });

  for (const [name, reason] of Object.entries(malformed)) {
    test(name, () => {
      const result = decode(readFixture(malformedDir, name));
      assert.equal(result.ok, false);
      assert.ok(!result.ok && result.reason.startsWith(reason), !result.ok ? result.reason : '');
      assert.ok(!result.ok && !/[\r\n]/.test(result.reason), 'reason is one line');
    });
  }
});
