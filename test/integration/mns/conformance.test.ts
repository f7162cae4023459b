/**
 * Every queue operation through the real @alicloud/mns SDK against the emulator, and raw
 * signed HTTP where the SDK cannot go (escaped bodies, stale dates, broken XML, other SDKs'
 * header and query quirks).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMnsEmulator, type MnsEmulator } from '../../../harness/emulators/mns';
import { createMnsClient, type MnsClient } from '../../../src/mns/client';
import { createLogger } from '../../../src/observability/logger';
import { errorCode, rawMnsRequest, receiveAtLeast, rejection, xmlField } from './rawMns';

const logger = createLogger('mns-emulator-test', 'warn');

describe('MNS emulator conformance', () => {
  let emulator: MnsEmulator;
  let mns: MnsClient;

  before(async () => {
    emulator = await startMnsEmulator({
      credentials: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }],
      admin: true,
      logger,
    });
    mns = createMnsClient({ endpoint: emulator.endpoint, accessKeyId: 'ak', accessKeySecret: 'sk' });
  });
  after(async () => {
    await emulator.stop();
  });

  test('queue lifecycle: create, idempotent create, attributes, list, delete', async () => {
    const created = await mns.createQueue('life', { VisibilityTimeout: 45 });
    assert.equal(created.code, 201);
    assert.equal(created.headers.location, `${emulator.endpoint}/queues/life`);
    assert.equal((await mns.createQueue('life', { VisibilityTimeout: 45 })).code, 204);
    assert.deepEqual(await rejection(mns.createQueue('life', { VisibilityTimeout: 46 })), {
      kind: 'client',
      code: 'QueueAlreadyExist',
      status: 409,
    });
    assert.deepEqual(await rejection(mns.createQueue('bad-attr', { VisibilityTimeout: 0 })), {
      kind: 'client',
      code: 'InvalidArgument',
      status: 400,
    });
    assert.equal((await rejection(mns.createQueue('_bad'))).code, 'InvalidQueueName');

    const attrs = (await mns.getQueueAttributes('life')).body;
    assert.deepEqual(Object.keys(attrs).sort(), [
      'ActiveMessages',
      'CreateTime',
      'DelayMessages',
      'DelaySeconds',
      'InactiveMessages',
      'LastModifyTime',
      'LoggingEnabled',
      'MaximumMessageSize',
      'MessageRetentionPeriod',
      'PollingWaitSeconds',
      'QueueName',
      'VisibilityTimeout',
    ]);
    assert.equal(attrs.VisibilityTimeout, '45');
    assert.equal(attrs.MessageRetentionPeriod, '345600');
    assert.match(attrs.CreateTime, /^\d{10}$/, 'queue times are epoch seconds');

    assert.equal(
      (await mns.setQueueAttributes('life', { PollingWaitSeconds: 3, LoggingEnabled: true })).code,
      204,
    );
    const changed = (await mns.getQueueAttributes('life')).body;
    assert.equal(changed.PollingWaitSeconds, '3');
    assert.equal(changed.VisibilityTimeout, '45', 'only supplied fields change');
    assert.equal(changed.LoggingEnabled, 'True');
    assert.equal(
      (await rejection(mns.setQueueAttributes('nope', { DelaySeconds: 1 }))).kind,
      'queue-not-exist',
    );

    await mns.createQueue('life-2');
    await mns.createQueue('other');
    const page = await mns.listQueue(undefined, 1, 'life');
    assert.deepEqual(page.body, [{ QueueURL: `${emulator.endpoint}/queues/life` }]);
    const next = await rawMnsRequest(emulator.endpoint, {
      method: 'GET',
      target: '/queues',
      headers: {
        'x-mns-prefix': 'life',
        'x-mns-ret-number': '1',
        'x-mns-marker': 'life',
        'x-mns-with-meta': 'true',
      },
    });
    assert.equal(next.status, 200);
    assert.equal(xmlField(next.body, 'QueueURL'), `${emulator.endpoint}/queues/life-2`);
    assert.equal(xmlField(next.body, 'QueueName'), 'life-2');
    assert.equal(xmlField(next.body, 'NextMarker'), undefined, 'last page has no marker');

    assert.equal((await mns.deleteQueue('life')).code, 204);
    assert.equal((await rejection(mns.getQueueAttributes('life'))).kind, 'queue-not-exist');
    assert.equal((await rejection(mns.sendMessage('life', { MessageBody: 'x' }))).code, 'QueueNotExist');
  });

  test('messages: send, peek, receive, change visibility, delete, batch partial failure', async () => {
    await mns.createQueue('msgs');
    const sent = await mns.sendMessage('msgs', { MessageBody: 'one', Priority: 2 });
    assert.equal(sent.code, 201);
    assert.match(sent.body.MessageId, /^[0-9A-F]{16}-\d+-[0-9A-F]+-\d+$/);
    assert.equal(sent.body.MessageBodyMD5, 'F97C5D29941BFB1B2FDAB0874906AB82');
    const batch = await mns.batchSendMessage('msgs', [{ MessageBody: 'two' }, { MessageBody: 'three' }]);
    assert.equal(batch.code, 201);
    assert.equal(batch.body.length, 2);

    const peeked = await mns.peekMessage('msgs');
    assert.deepEqual(Object.keys(peeked.body).sort(), [
      'DequeueCount',
      'EnqueueTime',
      'FirstDequeueTime',
      'MessageBody',
      'MessageBodyMD5',
      'MessageId',
      'Priority',
    ]);
    assert.equal(peeked.body.DequeueCount, '0');
    assert.equal(peeked.body.FirstDequeueTime, peeked.body.EnqueueTime);
    assert.equal((await mns.batchPeekMessage('msgs', 16)).body.length, 3);

    const one = await mns.receiveMessage('msgs');
    assert.deepEqual(Object.keys(one.body).sort(), [
      'DequeueCount',
      'EnqueueTime',
      'FirstDequeueTime',
      'MessageBody',
      'MessageBodyMD5',
      'MessageId',
      'NextVisibleTime',
      'Priority',
      'ReceiptHandle',
    ]);
    assert.equal(one.body.DequeueCount, '1');
    assert.match(one.body.EnqueueTime, /^\d{13}$/, 'message times are epoch milliseconds');
    assert.match(one.body.ReceiptHandle, /^1-[A-Za-z0-9]+=*$/);
    const rest = { body: await receiveAtLeast(mns, 'msgs', 2) };
    assert.equal(rest.body.length, 2);
    assert.equal((await rejection(mns.receiveMessage('msgs'))).kind, 'message-not-exist');
    assert.equal((await rejection(mns.batchPeekMessage('msgs', 16))).kind, 'message-not-exist');
    assert.deepEqual(emulator.queueStats('msgs'), {
      active: 0,
      inactive: 3,
      delayed: 0,
      total: 3,
      waitingReceives: 0,
    });

    const changed = await mns.changeMessageVisibility('msgs', one.body.ReceiptHandle, 60);
    assert.equal(changed.code, 200);
    assert.notEqual(changed.body.ReceiptHandle, one.body.ReceiptHandle);
    assert.ok(Number(changed.body.NextVisibleTime) > Number(one.body.NextVisibleTime));
    assert.equal(
      (await rejection(mns.deleteMessage('msgs', one.body.ReceiptHandle))).kind,
      'message-not-exist',
    );
    assert.deepEqual(await rejection(mns.changeMessageVisibility('msgs', 'garbage', 10)), {
      kind: 'receipt-handle-invalid',
      code: 'ReceiptHandleError',
      status: 400,
    });
    assert.equal((await mns.deleteMessage('msgs', changed.body.ReceiptHandle)).code, 204);

    const [a, b] = rest.body;
    const partial = await mns.batchDeleteMessage('msgs', [a!.ReceiptHandle, 'junk', one.body.ReceiptHandle]);
    assert.equal(partial.code, 404);
    assert.deepEqual(partial.body, [
      {
        ErrorCode: 'ReceiptHandleError',
        ErrorMessage: 'The receipt handle you provide is not valid.',
        ReceiptHandle: 'junk',
      },
      {
        ErrorCode: 'MessageNotExist',
        ErrorMessage: 'Message not exist.',
        ReceiptHandle: one.body.ReceiptHandle,
      },
    ]);
    const done = await mns.batchDeleteMessage('msgs', [b!.ReceiptHandle]);
    assert.equal(done.code, 204);
    assert.equal(done.body, undefined);
    assert.equal(emulator.queueStats('msgs')?.total, 0);
  });

  test('limits and argument errors', async () => {
    await mns.createQueue('limits', { MaximumMessageSize: 1024 });
    const seventeen = Array.from({ length: 17 }, (_, i) => ({ MessageBody: `m${i}` }));
    assert.equal((await rejection(mns.batchSendMessage('limits', seventeen))).code, 'InvalidArgument');
    assert.equal((await rejection(mns.batchReceiveMessage('limits', 17))).code, 'InvalidArgument');
    assert.equal(
      (await rejection(mns.sendMessage('limits', { MessageBody: 'x'.repeat(1025) }))).code,
      'InvalidArgument',
    );
    assert.equal(
      (await rejection(mns.sendMessage('limits', { MessageBody: 'x', DelaySeconds: 604801 }))).code,
      'InvalidArgument',
    );
    assert.equal(
      (await rejection(mns.changeMessageVisibility('limits', '1-MS0x', 0))).code,
      'InvalidArgument',
    );
    // One bad entry fails alone; the others are stored (docs/MNS-PROTOCOL.md, "BatchSendMessage").
    const mixed = await mns.batchSendMessage('limits', [
      { MessageBody: 'ok' },
      { MessageBody: 'x'.repeat(1025) },
    ]);
    assert.equal(mixed.code, 500);
    assert.equal((mixed.body[0] as { MessageId?: string }).MessageId !== undefined, true);
    assert.equal((mixed.body[1] as { ErrorCode?: string }).ErrorCode, 'InvalidArgument');
    assert.equal(emulator.queueStats('limits')?.total, 1);
    const missingHandle = await rawMnsRequest(emulator.endpoint, {
      method: 'DELETE',
      target: '/queues/limits/messages',
    });
    assert.equal(errorCode(missingHandle.body), 'MissingReceiptHandle');
    const missingTimeout = await rawMnsRequest(emulator.endpoint, {
      method: 'PUT',
      target: '/queues/limits/messages?receiptHandle=1-MS0x',
    });
    assert.equal(errorCode(missingTimeout.body), 'MissingVisibilityTimeout');
  });

  test('raw HTTP: headers, namespaces, escaping, malformed XML', async () => {
    await mns.createQueue('raw');
    const created = await rawMnsRequest(emulator.endpoint, {
      method: 'PUT',
      target: '/queues/raw-created',
      body: '<?xml version="1.0"?><Queue xmlns="http://mns.aliyuncs.com/doc/v1"><VisibilityTimeout>7</VisibilityTimeout><DelaySeconds>0</DelaySeconds></Queue>',
    });
    assert.equal(created.status, 201);
    assert.ok(created.rawHeaderNames.includes('Location'), 'Location in exact case');
    assert.ok(created.rawHeaderNames.includes('x-mns-request-id'), 'x-mns-request-id lower-case');
    assert.match(String(created.headers['x-mns-request-id']), /^[0-9A-F]{24}$/);
    assert.equal(created.headers['x-mns-version'], '2015-06-06');

    // Escaped body in, escaped body out, unescaped MD5.
    const send = await rawMnsRequest(emulator.endpoint, {
      method: 'POST',
      target: '/queues/raw/messages',
      body: '<Message><Priority>3</Priority><MessageBody>{"a":"&lt;b&gt; &amp; &#x263A;"}</MessageBody></Message>',
    });
    assert.equal(send.status, 201);
    assert.equal(send.headers['content-type'], 'text/xml;charset=utf-8');
    assert.match(send.body, /^<\?xml[^>]*>\s*<Message xmlns="http:\/\/mns\.aliyuncs\.com\/doc\/v1\/">/);
    const received = await mns.receiveMessage('raw');
    assert.equal(received.body.MessageBody, '{"a":"<b> & ☺"}');
    assert.equal(received.body.Priority, '3');

    const malformed = await rawMnsRequest(emulator.endpoint, {
      method: 'POST',
      target: '/queues/raw/messages',
      body: '<Message><MessageBody>a & b</MessageBody></Message>',
    });
    assert.equal(malformed.status, 400);
    assert.equal(errorCode(malformed.body), 'MalformedXML');
    assert.match(
      malformed.body,
      /<Error xmlns="http:\/\/mns\.aliyuncs\.com\/doc\/v1">/,
      'error namespace without slash',
    );
    for (const field of ['Code', 'Message', 'RequestId', 'HostId'])
      assert.ok(xmlField(malformed.body, field));
    const wrongRoot = await rawMnsRequest(emulator.endpoint, {
      method: 'POST',
      target: '/queues/raw/messages',
      body: '<Nope><MessageBody>x</MessageBody></Nope>',
    });
    assert.equal(errorCode(wrongRoot.body), 'InvalidArgument');
    const badUrl = await rawMnsRequest(emulator.endpoint, { method: 'GET', target: '/topics' });
    assert.equal(errorCode(badUrl.body), 'InvalidRequestURL');
  });

  test('raw HTTP: authentication errors, stale dates, STS tokens, x-mns-date only', async () => {
    const stale = await rawMnsRequest(emulator.endpoint, {
      method: 'GET',
      target: '/queues',
      date: new Date(Date.now() - 16 * 60 * 1000),
    });
    assert.equal(stale.status, 408);
    assert.equal(errorCode(stale.body), 'TimeExpired');
    const unknown = await rawMnsRequest(emulator.endpoint, {
      method: 'GET',
      target: '/queues',
      accessKeyId: 'who',
    });
    assert.deepEqual([unknown.status, errorCode(unknown.body)], [403, 'InvalidAccessKeyId']);
    const unsigned = await rawMnsRequest(emulator.endpoint, {
      method: 'GET',
      target: '/queues',
      unsigned: true,
    });
    assert.deepEqual([unsigned.status, errorCode(unsigned.body)], [400, 'MissingAuthorizationHeader']);
    const badSdk = createMnsClient({
      endpoint: emulator.endpoint,
      accessKeyId: 'ak',
      accessKeySecret: 'nope',
    });
    assert.deepEqual(await rejection(badSdk.listQueue()), {
      kind: 'auth',
      code: 'SignatureDoesNotMatch',
      status: 403,
    });

    const sts = createMnsClient({
      endpoint: emulator.endpoint,
      accessKeyId: 'ak',
      accessKeySecret: 'sk',
      securityToken: 'CAIS-sts-token',
    });
    assert.equal((await sts.listQueue()).code, 200);
    const mnsToken = await rawMnsRequest(emulator.endpoint, {
      method: 'GET',
      target: '/queues',
      headers: { 'x-mns-security-token': 'CAIS-sts-token' },
    });
    assert.equal(mnsToken.status, 200);

    // Browser-style: only x-mns-date, which then fills the DATE slot.
    const now = new Date().toUTCString();
    const onlyMnsDate = await rawMnsRequest(emulator.endpoint, {
      method: 'GET',
      target: '/queues',
      headers: { 'x-mns-date': now },
    });
    assert.equal(onlyMnsDate.status, 200);
  });

  test("raw HTTP: other SDKs' query forms (encoded handles, upper-case names, any order)", async () => {
    await mns.createQueue('quirks');
    await mns.batchSendMessage('quirks', [{ MessageBody: 'a' }, { MessageBody: 'b' }]);
    const peek = await rawMnsRequest(emulator.endpoint, {
      method: 'GET',
      target: '/queues/quirks/messages?numOfMessages=16&peekonly=true',
      headers: {
        'content-type': 'application/xml',
        'content-md5': 'ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U=',
      },
    });
    assert.equal(peek.status, 200);
    assert.equal(peek.body.match(/<Message>/g)?.length, 2);
    assert.equal(xmlField(peek.body, 'ReceiptHandle'), undefined, 'peek has no handle');

    const [first, second] = await receiveAtLeast(mns, 'quirks', 2);
    const encoded = (h: string): string => encodeURIComponent(h);
    const changed = await rawMnsRequest(emulator.endpoint, {
      method: 'PUT',
      target: `/queues/quirks/messages?VisibilityTimeout=30&ReceiptHandle=${encoded(first!.ReceiptHandle)}`,
    });
    assert.equal(changed.status, 200);
    assert.match(changed.body, /<ChangeVisibility xmlns=/);
    const newHandle = xmlField(changed.body, 'ReceiptHandle')!;
    const deleted = await rawMnsRequest(emulator.endpoint, {
      method: 'DELETE',
      target: `/queues/quirks/messages?ReceiptHandle=${encoded(newHandle)}`,
    });
    assert.equal(deleted.status, 204);
    const batchDelete = await rawMnsRequest(emulator.endpoint, {
      method: 'DELETE',
      target: '/queues/quirks/messages',
      body: `<ReceiptHandles xmlns="http://mns.aliyuncs.com/doc/v1"><ReceiptHandle>${second!.ReceiptHandle}</ReceiptHandle></ReceiptHandles>`,
    });
    assert.equal(batchDelete.status, 204);
    assert.equal(emulator.queueStats('quirks')?.total, 0);
  });
});
