import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { classifyVodError, definedParams, vodEndpoint } from '../../../src/activities/vodApi';
import { vodFailure } from '../../../src/activities/vodFailure';
import { playInfoNotReadyCodes } from '../../../src/activities/playInfo';

function popCoreError(code: string, message = 'msg') {
  const err = new Error(`${message}, URL: https://vod.cn-shanghai.aliyuncs.com/`) as Error & {
    code: string;
    data: unknown;
  };
  err.name = `${code}Error`;
  err.code = code;
  err.data = { Code: code, Message: message, RequestId: 'req-1' };
  return err;
}

test('VOD errors are classified: throttling, 5xx, timeouts and network retry; NotFound and client errors do not', () => {
  const cases: [unknown, string, boolean][] = [
    [popCoreError('Throttling.User'), 'throttled', true],
    [popCoreError('InternalError'), 'server', true],
    [popCoreError('ServiceUnavailable'), 'server', true],
    [popCoreError('InvalidVideo.NotFound'), 'not-found', false],
    [popCoreError('Forbidden.IllegalStatus'), 'client', false],
    [popCoreError('SignatureDoesNotMatch'), 'client', false],
    [
      Object.assign(new Error('ReadTimeout(3000). POST https://x/ failed.'), { name: 'RequestTimeoutError' }),
      'timeout',
      true,
    ],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'network', true],
    [new SyntaxError('Unexpected token <'), 'server', true],
  ];
  for (const [err, errorClass, retryable] of cases) {
    const classified = classifyVodError('GetVideoInfo', err);
    assert.equal(classified.errorClass, errorClass, classified.message);
    assert.equal(classified.retryable, retryable, classified.message);
    assert.doesNotMatch(classified.message, /URL: /);
  }
});

test('a VOD failure keeps its code as the Temporal failure type; GetPlayInfo retries IllegalStatus as benign', () => {
  const notReady = classifyVodError('GetPlayInfo', popCoreError('Forbidden.IllegalStatus'));
  assert.equal(vodFailure(notReady).nonRetryable, true);
  const forPlayInfo = vodFailure(notReady, playInfoNotReadyCodes);
  assert.ok(forPlayInfo instanceof ApplicationFailure);
  assert.equal(forPlayInfo.type, 'Forbidden.IllegalStatus');
  assert.equal(forPlayInfo.nonRetryable, false);
  // An expected wait, not an error: the SDK logs benign failures at debug.
  assert.equal(forPlayInfo.category, ApplicationFailureCategory.BENIGN);
  const throttled = vodFailure(
    classifyVodError('GetPlayInfo', popCoreError('Throttling.User')),
    playInfoNotReadyCodes,
  );
  assert.equal(throttled.nonRetryable, false);
  assert.equal(throttled.category, undefined, 'throttling is retried but still worth a warning');
});

test('undefined, null and empty parameters are dropped before pop-core stringifies them', () => {
  assert.deepEqual(definedParams({ VideoId: 'v', Formats: undefined, Definition: null, PageNo: 0, X: '' }), {
    VideoId: 'v',
    PageNo: 0,
  });
});

test('endpoints: regional by default, an override wins, junk regions are refused', () => {
  assert.equal(vodEndpoint('cn-shanghai'), 'https://vod.cn-shanghai.aliyuncs.com');
  assert.equal(vodEndpoint('cn-shanghai', 'http://127.0.0.1:9/'), 'http://127.0.0.1:9');
  assert.throws(() => vodEndpoint('evil.com/x'));
});
