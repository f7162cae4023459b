import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MnsUnexpectedStatusError,
  assertMnsStatus,
  classifyMnsError,
  createMnsClient,
  mnsClientTimeouts,
  parseMnsQueueUrl,
} from '../../../src/mns/client';
import { MnsBadResponseError, MnsServiceError, MnsTimeoutError } from '../../../src/mns/errors';

test('parseMnsQueueUrl takes account and region from an MNS host', () => {
  assert.deepEqual(parseMnsQueueUrl('http://1234567.mns.cn-shanghai.aliyuncs.com/vod-events'), {
    endpoint: 'http://1234567.mns.cn-shanghai.aliyuncs.com',
    accountId: '1234567',
    region: 'cn-shanghai',
    queueName: 'vod-events',
  });
  assert.deepEqual(parseMnsQueueUrl('https://1234567.mns.cn-shanghai-internal.aliyuncs.com/queues/q1'), {
    endpoint: 'https://1234567.mns.cn-shanghai-internal.aliyuncs.com',
    accountId: '1234567',
    region: 'cn-shanghai-internal',
    queueName: 'q1',
  });
});

test('parseMnsQueueUrl accepts an emulator endpoint without an account', () => {
  assert.deepEqual(parseMnsQueueUrl('http://127.0.0.1:9400/vod-events'), {
    endpoint: 'http://127.0.0.1:9400',
    queueName: 'vod-events',
  });
});

test('parseMnsQueueUrl rejects URLs without exactly one queue name', () => {
  for (const bad of [
    'http://127.0.0.1:9400/',
    'http://127.0.0.1:9400/a/b',
    'ftp://h/q',
    'http://h/q?x=1',
    'http://h/-bad',
    'not a url',
  ]) {
    assert.throws(() => parseMnsQueueUrl(bad), /invalid MNS queue URL/, bad);
  }
});

function sdkError(code: string, status: number): Error {
  const err = new Error(
    `GET http://h/queues/q/messages failed with ${status}. requestid: X, hostid: h, message: m`,
  );
  err.name = `MNS${code}Error`;
  return err;
}

test('classifyMnsError maps SDK service errors by their XML code', () => {
  assert.deepEqual(classifyMnsError(sdkError('MessageNotExist', 404)), {
    kind: 'message-not-exist',
    code: 'MessageNotExist',
    status: 404,
    retryable: false,
  });
  assert.equal(classifyMnsError(sdkError('ReceiptHandleError', 400)).kind, 'receipt-handle-invalid');
  assert.equal(classifyMnsError(sdkError('QueueNotExist', 404)).kind, 'queue-not-exist');
  assert.equal(classifyMnsError(sdkError('SignatureDoesNotMatch', 403)).kind, 'auth');
  assert.equal(classifyMnsError(sdkError('TimeExpired', 408)).kind, 'auth');
  assert.equal(classifyMnsError(sdkError('QpsLimitExceeded', 400)).kind, 'throttled');
  assert.deepEqual(classifyMnsError(sdkError('InternalError', 500)), {
    kind: 'server',
    code: 'InternalError',
    status: 500,
    retryable: true,
  });
  assert.equal(classifyMnsError(sdkError('ServiceUnavailable', 503)).kind, 'server');
  assert.equal(classifyMnsError(sdkError('MalformedXML', 400)).kind, 'client');
});

test('classifyMnsError maps transport failures', () => {
  const timeout = new Error('ReadTimeout: 40000. GET /queues failed.');
  timeout.name = 'RequestTimeoutError';
  assert.equal(classifyMnsError(timeout).kind, 'timeout');
  const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
  assert.deepEqual(classifyMnsError(reset), { kind: 'network', retryable: true });
  assert.equal(classifyMnsError(new Error('socket hang up')).kind, 'network');
  assert.equal(classifyMnsError('weird').kind, 'client');
});

test("the lean transport's errors land on the same kinds as the SDK's", () => {
  const pairs: Array<[string, number]> = [
    ['MessageNotExist', 404],
    ['ReceiptHandleError', 400],
    ['QueueNotExist', 404],
    ['SignatureDoesNotMatch', 403],
    ['InvalidAccessKeyId', 403],
    ['TimeExpired', 408],
    ['TooManyRequests', 429],
    ['QpsLimitExceeded', 400],
    ['InternalError', 500],
    ['ServiceUnavailable', 503],
    ['MalformedXML', 400],
  ];
  for (const [code, status] of pairs) {
    const lean = new MnsServiceError('SendMessage', status, code, '5DF07C9B31383790319F4D26', 'text');
    assert.deepEqual(classifyMnsError(lean), classifyMnsError(sdkError(code, status)), code);
  }
  // Not an MNS error document (a proxy's page): by status, as MnsUnexpectedStatusError is.
  for (const status of [401, 403, 429, 502, 503, 404, 200]) {
    assert.deepEqual(
      classifyMnsError(new MnsServiceError('SendMessage', status, undefined, undefined, undefined)),
      classifyMnsError(new MnsUnexpectedStatusError('SendMessage', status)),
      String(status),
    );
  }
  assert.deepEqual(classifyMnsError(new MnsTimeoutError('BatchReceiveMessage', 25_000)), {
    kind: 'timeout',
    retryable: true,
  });
  assert.deepEqual(classifyMnsError(new MnsBadResponseError('BatchReceiveMessage', 200, 'too large')), {
    kind: 'server',
    status: 200,
    retryable: true,
  });
});

test('assertMnsStatus turns an unexpected non-XML status into a classified error', () => {
  assert.doesNotThrow(() => assertMnsStatus('deleteMessage', { code: 204 }, [204]));
  let caught: unknown;
  try {
    assertMnsStatus('deleteMessage', { code: 502 }, [204]);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MnsUnexpectedStatusError);
  assert.deepEqual(classifyMnsError(caught), { kind: 'server', status: 502, retryable: true });
});

test('createMnsClient points the SDK at any origin', () => {
  const emulator = createMnsClient({
    endpoint: 'http://127.0.0.1:9400/',
    accessKeyId: 'ak',
    accessKeySecret: 'sk',
  });
  assert.equal(emulator.endpoint, 'http://127.0.0.1:9400');
  assert.equal(emulator.endpointDomain, '127.0.0.1:9400');
  const real = createMnsClient({
    endpoint: 'http://1234567.mns.cn-shanghai.aliyuncs.com',
    accessKeyId: 'ak',
    accessKeySecret: 'sk',
    securityToken: 'sts',
  });
  assert.equal(real.endpointDomain, '1234567.mns.cn-shanghai.aliyuncs.com');
  assert.throws(() => createMnsClient({ endpoint: 'ftp://x', accessKeyId: 'a', accessKeySecret: 's' }));
});

test('the SDK socket idle timeout ("connect" in the SDK) never cuts a long poll short', () => {
  for (const timeoutMs of [5_000, 30_000, 40_000, 60_000]) {
    const { readTimeout, connectTimeout } = mnsClientTimeouts(timeoutMs);
    assert.equal(readTimeout, timeoutMs);
    assert.ok(connectTimeout >= readTimeout, `idle ${connectTimeout} >= read ${readTimeout}`);
  }
  const client = createMnsClient({
    endpoint: 'http://127.0.0.1:1',
    accessKeyId: 'a',
    accessKeySecret: 'b',
    timeoutMs: 30_000,
  }) as unknown as {
    readTimeout: number;
    connectTimeout: number;
  };
  assert.deepEqual([client.readTimeout, client.connectTimeout], [30_000, 30_000]);
});

test('429 TooManyRequests (and the old QpsLimitExceeded) are throttling, retryable', () => {
  assert.deepEqual(classifyMnsError(sdkError('TooManyRequests', 429)), {
    kind: 'throttled',
    code: 'TooManyRequests',
    status: 429,
    retryable: true,
  });
  assert.equal(classifyMnsError(sdkError('QpsLimitExceeded', 400)).kind, 'throttled');
});
