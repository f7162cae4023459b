/**
 * The lean transport's signer against what `@alicloud/mns` really puts on the wire: a local
 * HTTP server records each request the SDK and the lean transport send for the same operation,
 * and the signer must rebuild the SDK's headers byte for byte from the SDK's own Date.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMnsClient, type MnsClient } from '../../../src/mns/client';
import { createMnsHttpQueue } from '../../../src/poller/mnsHttpQueue';
import {
  authorization,
  contentMd5,
  signature,
  signedRequestHeaders,
  stringToSign,
} from '../../../src/mns/signer';
import type { QueueTransport } from '../../../src/poller/queueTransport';

interface Captured {
  method: string;
  url: string;
  /** Header names lower-case, in the order sent. */
  headers: Array<[string, string]>;
  body: string;
}

let server: http.Server;
let endpoint = '';
const captured: Captured[] = [];

before(async () => {
  // Answers nothing the callers can use: only the requests matter here.
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers: Array<[string, string]> = [];
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
      captured.push({ method: req.method!, url: req.url!, headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(502, { 'content-type': 'text/plain' }).end('nothing');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Runs one call and returns the request it made (the call itself fails on the 502). */
async function capture(call: () => Promise<unknown>): Promise<Captured> {
  captured.length = 0;
  await call().catch(() => undefined);
  assert.equal(captured.length, 1);
  return captured[0]!;
}

function headerMap(request: Captured): Record<string, string> {
  return Object.fromEntries(request.headers);
}

/** The headers the signer builds for the captured request, at the captured Date. */
function rebuilt(
  request: Captured,
  identity: { accessKeyId: string; accessKeySecret: string; securityToken?: string },
) {
  const sent = headerMap(request);
  return signedRequestHeaders(
    identity,
    request.method,
    request.url,
    sent.host!,
    request.method === 'GET' ? undefined : Buffer.from(request.body),
    new Date(sent.date!),
  );
}

/** Only the headers the SDK sets itself (Node adds `connection`). */
function sdkHeaders(request: Captured): Array<[string, string]> {
  return request.headers.filter(([name]) => name !== 'connection');
}

const identities = [
  { accessKeyId: 'LTAIkey', accessKeySecret: 'secret/with+chars=' },
  { accessKeyId: 'STS.key', accessKeySecret: 'sts-secret', securityToken: 'CAIS+token/with=chars' },
];

for (const identity of identities) {
  const label = identity.securityToken ? 'with an STS token' : 'with a key pair';

  test(`the signer rebuilds every header the SDK sends, in its order, ${label}`, async () => {
    const sdk: MnsClient = createMnsClient({ endpoint, ...identity, timeoutMs: 2_000 });
    const calls: Array<() => Promise<unknown>> = [
      () => sdk.batchReceiveMessage('vod-events', 16, 20),
      () => sdk.batchReceiveMessage('vod-events', 3, 0),
      () =>
        sdk.batchDeleteMessage('vod-events', ['1-ODU4OTkzNDU5My0xNTI0MTIzMzQ4LTEtOA==', '1-MTItMTMtMQ==']),
      () => sdk.changeMessageVisibility('vod-events', '1-ODU4OTkzNDU5My0xNTI0MTIzMzQ4LTEtOA==', 60),
      () => sdk.sendMessage('vod-events-dlq', { MessageBody: 'héllo 中文 &amp; 😀' }),
      () => sdk.getQueueAttributes('vod-events'),
    ];
    for (const call of calls) {
      const request = await capture(call);
      assert.deepEqual(Object.entries(rebuilt(request, identity)), sdkHeaders(request), request.url);
    }
  });

  test(`the lean transport sends what the SDK sends for the same call, ${label}`, async () => {
    const spec = { region: 'cn-shanghai', endpoint, queue: 'vod-events', deadLetterQueue: 'vod-events-dlq' };
    const options = { spec, credentials: identity, timeoutMs: 2_000, waitSeconds: 20 };
    const sdk: MnsClient = createMnsClient({ endpoint, ...identity, timeoutMs: 2_000 });
    const lean: QueueTransport = createMnsHttpQueue(options);
    const handle = '1-ODU4OTkzNDU5My0xNTI0MTIzMzQ4LTEtOA==';
    const body = 'a & b < c > "d" \'e\' 中文 😀';
    const pairs: Array<[() => Promise<unknown>, () => Promise<unknown>]> = [
      [() => sdk.batchReceiveMessage('vod-events', 16, 20), () => lean.receive(16, 20)],
      [() => sdk.batchReceiveMessage('vod-events', 5, 0), () => lean.receive(5, 0)],
      [
        () => sdk.batchDeleteMessage('vod-events', [handle, handle]),
        () => lean.deleteBatch([handle, handle]),
      ],
      [() => sdk.changeMessageVisibility('vod-events', handle, 45), () => lean.changeVisibility(handle, 45)],
      // mnsQueue.ts escapes the body for the SDK; the lean transport does the same itself.
      [
        () =>
          sdk.sendMessage('vod-events-dlq', {
            MessageBody: body.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'),
          }),
        () => lean.sendDeadLetter(body),
      ],
    ];
    for (const [viaSdk, viaLean] of pairs) {
      const expected = await capture(viaSdk);
      const actual = await capture(viaLean);
      assert.equal(actual.method, expected.method);
      assert.equal(actual.url, expected.url);
      assert.equal(actual.body, expected.body);
      const timeless = (r: Captured) =>
        sdkHeaders(r).map(([n, v]) => [
          n,
          n === 'date' || n === 'x-mns-date' || n === 'authorization' ? '' : v,
        ]);
      assert.deepEqual(timeless(actual), timeless(expected), expected.url);
      // Its own Date, its own signature: the same the SDK would have computed at that Date.
      assert.deepEqual(Object.entries(rebuilt(actual, identity)), sdkHeaders(actual));
    }
  });
}

test('signature V2 reproduces the published test vectors (docs/MNS-PROTOCOL.md)', () => {
  assert.equal(
    signature(
      'ACCESS_KEY_SECRET',
      stringToSign({
        method: 'PUT',
        resource: '/',
        headers: {
          'content-md5': '574683b3684e3cff610afa155cc2506d',
          'content-type': 'text/xml',
          date: 'Tue, 11 Apr 2017 10:09:19 GMT',
          'x-mns-version': '2015-06-06',
        },
      }),
    ),
    'A9zehggaYHHujmuRMxGIDrhWwx8=',
  );
  assert.equal(
    authorization('ak', 'testSk', {
      method: 'GET',
      resource: '/queues/TestQueue',
      headers: { date: 'Tue, 03 Jun 2025 11:23:48 GMT' },
    }),
    'MNS ak:uDJQXbk2xOhH95MDXmgbAGdtyE4=',
  );
});

test('Content-MD5 is base64 of the hex digest, as the SDK sends it', () => {
  assert.equal(contentMd5(Buffer.from('')), 'ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U=');
  assert.equal(contentMd5(Buffer.from('x')).length, 44);
});
