import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMnsEndpointForm } from '../../../src/operations/doctor';
import { requiredEventTypes } from '../../../src/operations/requirements';
import { callbackEndpoint, eventTypesToSet, missingEventTypes } from '../../../src/operations/vodCallback';

test('callback event list: ALL covers everything, otherwise each required type must be listed', () => {
  assert.deepEqual(missingEventTypes('ALL'), []);
  assert.ok(missingEventTypes('FileUploadComplete').includes('TranscodeComplete'));
  assert.equal(missingEventTypes(undefined).length, 6);
  assert.deepEqual(
    missingEventTypes(
      'FileUploadComplete, StreamTranscodeComplete,TranscodeComplete,SnapshotComplete,VideoAnalysisComplete,DeleteMediaComplete,AIComplete',
    ),
    [],
  );
});

test('callback endpoints compare with a trailing slash', () => {
  assert.equal(
    callbackEndpoint('http://1.mns.cn-shanghai.aliyuncs.com'),
    'http://1.mns.cn-shanghai.aliyuncs.com/',
  );
  assert.equal(
    callbackEndpoint('http://1.mns.cn-shanghai.aliyuncs.com/'),
    'http://1.mns.cn-shanghai.aliyuncs.com/',
  );
  // vodflow reads over https; VOD's callback keeps its documented http:// form.
  assert.equal(
    callbackEndpoint('https://1.mns.cn-shanghai.aliyuncs.com'),
    'http://1.mns.cn-shanghai.aliyuncs.com/',
  );
  assert.equal(callbackEndpoint('https://127.0.0.1:9100'), 'https://127.0.0.1:9100/');
});

test('doctor names internal, malformed and cross-region MNS endpoints', () => {
  assert.equal(
    checkMnsEndpointForm('http://123.mns.cn-shanghai.aliyuncs.com/', 'cn-shanghai').severity,
    'ok',
  );
  assert.equal(checkMnsEndpointForm('http://123.mns.cn-shanghai.aliyuncs.com/', 'cn-beijing').severity, 'ok');
  assert.match(
    checkMnsEndpointForm('http://123.mns.cn-shanghai-internal.aliyuncs.com/', 'cn-shanghai').message,
    /internal/,
  );
  assert.equal(checkMnsEndpointForm('http://example.com/', 'cn-shanghai').severity, 'error');
  assert.equal(
    checkMnsEndpointForm('http://123.mns.eu-central-1.aliyuncs.com/', 'ap-southeast-1').severity,
    'warn',
  );
  assert.equal(checkMnsEndpointForm('http://127.0.0.1:9100/', 'cn-shanghai').severity, 'ok');
  assert.equal(checkMnsEndpointForm('not a url', 'cn-shanghai').severity, 'error');
});

test("setup keeps the callback's other event types, adds vodflow's once, and leaves ALL alone", () => {
  const required = [...requiredEventTypes];
  assert.deepEqual(eventTypesToSet(undefined).split(','), required);
  assert.deepEqual(eventTypesToSet(' AIMediaAuditComplete , TranscodeComplete,').split(','), [
    'AIMediaAuditComplete',
    'TranscodeComplete',
    ...required.filter((t) => t !== 'TranscodeComplete'),
  ]);
  assert.equal(eventTypesToSet('FileUploadComplete,ALL'), 'ALL');
});
