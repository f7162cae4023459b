/**
 * Where the emulator used to be kinder than MNS, through the real @alicloud/mns SDK (and raw
 * signed HTTP where the SDK hides the detail): short and unordered batches, priority, the
 * service's texts for oversized and empty bodies and long names, throttling, the long-poll
 * cap, abandoned polls, Content-MD5, the native dead-letter policy through the management
 * API, HTTPS and Signature V4.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import RPCClient from '@alicloud/pop-core';
import { startMnsEmulator, type MnsEmulator, type MnsEmulatorOptions } from '../../../harness/emulators/mns';
import { repoRoot } from '../../../harness/stack/paths';
import { classifyMnsError, createMnsClient, type MnsClient } from '../../../src/mns/client';
import { createLogger } from '../../../src/observability/logger';
import { errorCode, rawMnsRequest, xmlField } from './rawMns';

const logger = createLogger('mns-realism-test', 'warn');
const credentials = [{ accessKeyId: 'ak', accessKeySecret: 'sk' }];

async function failure(
  promise: Promise<unknown>,
): Promise<{ kind: string; code?: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const { kind, code, status } = classifyMnsError(err);
    return {
      kind,
      ...(code !== undefined ? { code } : {}),
      ...(status !== undefined ? { status } : {}),
      message: err instanceof Error ? err.message : String(err),
    };
  }
  assert.fail('expected the call to fail');
}

async function emulatorWith(
  options: Partial<MnsEmulatorOptions> = {},
): Promise<{ emulator: MnsEmulator; mns: MnsClient }> {
  const emulator = await startMnsEmulator({ credentials, logger, ...options });
  const mns = createMnsClient({ endpoint: emulator.endpoint, accessKeyId: 'ak', accessKeySecret: 'sk' });
  return { emulator, mns };
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('MNS emulator realism (default settings)', () => {
  let emulator: MnsEmulator;
  let mns: MnsClient;
  before(async () => {
    ({ emulator, mns } = await emulatorWith({ seed: 1234 }));
  });
  after(async () => {
    await emulator.stop();
  });

  test('batch receives come back short while more are visible, and not in send order', async () => {
    await mns.createQueue('striped');
    const bodies = Array.from({ length: 48 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    for (let i = 0; i < bodies.length; i += 16) {
      await mns.batchSendMessage(
        'striped',
        bodies.slice(i, i + 16).map((MessageBody) => ({ MessageBody })),
      );
    }
    const order: string[] = [];
    let shortWhileMoreWaited = 0;
    while (order.length < bodies.length) {
      const batch = (await mns.batchReceiveMessage('striped', 16)).body;
      order.push(...batch.map((m) => m.MessageBody));
      if (batch.length < 16 && (emulator.queueStats('striped')?.active ?? 0) > 0) shortWhileMoreWaited += 1;
    }
    assert.ok(shortWhileMoreWaited > 0, 'a short batch is not a drained queue');
    assert.deepEqual([...order].sort(), bodies, 'each message exactly once');
    assert.notDeepEqual(order, bodies, 'no FIFO promise');
    assert.equal((await failure(mns.batchReceiveMessage('striped', 16))).kind, 'message-not-exist');
  });

  test('priority 1 is handed out before a crowd of priority 16', async () => {
    await mns.createQueue('prio');
    for (let i = 0; i < 3; i += 1) {
      await mns.batchSendMessage(
        'prio',
        Array.from({ length: 16 }, () => ({ MessageBody: 'low', Priority: 16 })),
      );
    }
    await mns.sendMessage('prio', { MessageBody: 'urgent', Priority: 1 });
    const first = (await mns.batchReceiveMessage('prio', 16)).body;
    assert.equal(first[0]!.MessageBody, 'urgent');
    assert.equal(first[0]!.Priority, '1');
  });

  test("an oversized body is InvalidArgument with the service's own sentence", async () => {
    await mns.createQueue('small', { MaximumMessageSize: 1024 });
    const tooBig = await failure(mns.sendMessage('small', { MessageBody: 'x'.repeat(1025) }));
    assert.deepEqual([tooBig.kind, tooBig.code, tooBig.status], ['client', 'InvalidArgument', 400]);
    assert.match(
      tooBig.message,
      /message: The length of message should not be larger than MaximumMessageSize\.$/,
    );
    const mixed = await mns.batchSendMessage('small', [
      { MessageBody: 'ok' },
      { MessageBody: 'y'.repeat(1025) },
    ]);
    assert.equal(
      (mixed.body[1] as { ErrorMessage?: string }).ErrorMessage,
      'The length of message should not be larger than MaximumMessageSize.',
    );
  });

  test('an empty MessageBody is refused', async () => {
    await mns.createQueue('empty-body');
    const empty = await failure(mns.sendMessage('empty-body', { MessageBody: '' }));
    assert.deepEqual([empty.code, empty.status], ['InvalidArgument', 400]);
    const raw = await rawMnsRequest(emulator.endpoint, {
      method: 'POST',
      target: '/queues/empty-body/messages',
      body: '<Message><MessageBody/></Message>',
    });
    assert.deepEqual([raw.status, errorCode(raw.body)], [400, 'InvalidArgument']);
    assert.equal(emulator.queueStats('empty-body')?.total, 0);
  });

  test('queue names stop at 120 characters', async () => {
    assert.equal((await mns.createQueue(`q${'x'.repeat(119)}`)).code, 201);
    const long = await failure(mns.createQueue(`q${'x'.repeat(120)}`));
    assert.deepEqual([long.code, long.status], ['QueueNameLengthError', 400]);
  });

  test('Content-MD5 must match the body in either SDK form', async () => {
    await mns.createQueue('digest');
    const body = '<Message><MessageBody>hello</MessageBody></Message>';
    const wrong = await rawMnsRequest(emulator.endpoint, {
      method: 'POST',
      target: '/queues/digest/messages',
      body,
      headers: { 'content-md5': 'ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U=' },
    });
    assert.deepEqual([wrong.status, errorCode(wrong.body)], [400, 'InvalidDegist']);
    assert.equal(xmlField(wrong.body, 'Message'), 'The Content-MD5 you specified is invalid.');
    // rawMnsRequest sends RFC 1864 by default; the SDK sends base64 of the hex digest.
    assert.equal(
      (await rawMnsRequest(emulator.endpoint, { method: 'POST', target: '/queues/digest/messages', body }))
        .status,
      201,
    );
    assert.equal((await mns.sendMessage('digest', { MessageBody: 'via the SDK' })).code, 201);
    assert.equal(emulator.queueStats('digest')?.total, 2, 'the refused one was not stored');
  });

  test('injected throttling holds, answers 429 TooManyRequests and does nothing', async () => {
    await mns.createQueue('throttled');
    emulator.setFaults({ SendMessage: { throttleRate: 1, limit: 1 } });
    const throttled = await failure(mns.sendMessage('throttled', { MessageBody: 'x' }));
    emulator.setFaults({});
    assert.deepEqual(
      [throttled.kind, throttled.code, throttled.status],
      ['throttled', 'TooManyRequests', 429],
    );
    assert.match(throttled.message, /The request is denied by cluster flow limiter for too many requests\.$/);
    assert.equal(emulator.queueStats('throttled')?.total, 0);
    assert.equal(emulator.stats().injected.throttles, 1);
  });

  test('Signature V4 is accepted on every operation and checked', async () => {
    await mns.createQueue('v4');
    const body = '<Message><MessageBody>signed v4</MessageBody></Message>';
    const sent = await rawMnsRequest(emulator.endpoint, {
      method: 'POST',
      target: '/queues/v4/messages',
      body,
      v4Region: 'cn-hangzhou',
    });
    assert.equal(sent.status, 201, sent.body);
    const received = await rawMnsRequest(emulator.endpoint, {
      method: 'GET',
      target: '/queues/v4/messages?numOfMessages=16&waitseconds=1',
      v4Region: 'cn-hangzhou',
    });
    assert.equal(received.status, 200);
    const handle = xmlField(received.body, 'ReceiptHandle')!;
    const wrongKey = await rawMnsRequest(emulator.endpoint, {
      method: 'DELETE',
      target: `/queues/v4/messages?ReceiptHandle=${handle}`,
      v4Region: 'cn-hangzhou',
      accessKeySecret: 'not-sk',
    });
    assert.deepEqual([wrongKey.status, errorCode(wrongKey.body)], [403, 'SignatureDoesNotMatch']);
    const deleted = await rawMnsRequest(emulator.endpoint, {
      method: 'DELETE',
      target: `/queues/v4/messages?ReceiptHandle=${encodeURIComponent(handle)}`,
      v4Region: 'cn-hangzhou',
    });
    assert.equal(deleted.status, 204);
    assert.equal(emulator.queueStats('v4')?.total, 0);
  });

  test("the native dead-letter policy, set through the management API with Alibaba's RPC client", async () => {
    await mns.createQueue('crashy', { VisibilityTimeout: 1 });
    await mns.createQueue('crashy-mns-dlq');
    const management = new RPCClient({
      endpoint: emulator.endpoint,
      apiVersion: '2022-01-19',
      accessKeyId: 'ak',
      accessKeySecret: 'sk',
    });
    const policy = { Enabled: true, DeadLetterTargetQueue: 'crashy-mns-dlq', MaxReceiveCount: 2 };
    await management.request(
      'SetQueueAttributes',
      { QueueName: 'crashy', DlqPolicy: JSON.stringify(policy) },
      { method: 'POST' },
    );
    const attributes = (await management.request(
      'GetQueueAttributes',
      { QueueName: 'crashy' },
      { method: 'POST' },
    )) as {
      Data: { DlqPolicy?: Record<string, unknown> };
    };
    assert.deepEqual({ ...attributes.Data.DlqPolicy }, { ...policy, MaxReceiveCount: '2' });
    await assert.rejects(
      management.request(
        'SetQueueAttributes',
        { QueueName: 'crashy', DlqPolicy: JSON.stringify({ ...policy, DeadLetterTargetQueue: 'crashy' }) },
        { method: 'POST' },
      ),
      /own dead-letter queue/,
    );

    const sent = (await mns.sendMessage('crashy', { MessageBody: 'kills the poller' })).body;
    for (let receives = 1; receives <= 2; receives += 1) {
      const got = (await mns.receiveMessage('crashy', 5)).body; // never deleted: the poller "crashed"
      assert.deepEqual([got.MessageId, got.DequeueCount], [sent.MessageId, String(receives)]);
    }
    // The receive that would be the third finds nothing: the message left for the target.
    assert.equal((await failure(mns.receiveMessage('crashy', 3))).kind, 'message-not-exist');
    assert.equal(emulator.queueStats('crashy-mns-dlq')?.total, 1);
    assert.equal(emulator.queueStats('crashy')?.total, 0);
    const moved = (await mns.receiveMessage('crashy-mns-dlq')).body;
    assert.equal(moved.MessageBody, 'kills the poller');
    assert.notEqual(moved.MessageId, sent.MessageId);
  });
});

describe('MNS emulator switches', () => {
  test('throttling by rate: over the limit requests are held, then 429; off, never', async () => {
    const { emulator, mns } = await emulatorWith({ throttle: { limitPerSecond: 4, holdMs: 200 } });
    try {
      await mns.createQueue('rate'); // 1 of the 4
      const started = Date.now();
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, async () => {
          const at = Date.now();
          try {
            await mns.sendMessage('rate', { MessageBody: 'x' });
            return { ok: true, elapsed: Date.now() - at };
          } catch (err) {
            return { ok: false, kind: classifyMnsError(err).kind, elapsed: Date.now() - at };
          }
        }),
      );
      const throttled = outcomes.filter((o) => !o.ok);
      assert.ok(throttled.length >= 4, `${throttled.length} of 8 throttled after ${Date.now() - started} ms`);
      assert.ok(throttled.every((o) => o.kind === 'throttled'));
      assert.ok(
        throttled.every((o) => o.elapsed >= 190),
        'held on the server before the answer',
      );
      assert.equal(emulator.queueStats('rate')?.total, 8 - throttled.length);
      assert.equal(emulator.stats().throttled, throttled.length);
    } finally {
      await emulator.stop();
    }
    const off = await emulatorWith({ throttle: false });
    try {
      await off.mns.createQueue('rate');
      await Promise.all(Array.from({ length: 50 }, () => off.mns.sendMessage('rate', { MessageBody: 'x' })));
      assert.equal(off.emulator.queueStats('rate')?.total, 50);
    } finally {
      await off.emulator.stop();
    }
  });

  test('over the long-poll cap a receive answers MessageNotExist at once', async () => {
    const { emulator, mns } = await emulatorWith({ delivery: { longPollLimit: 2 } });
    try {
      await mns.createQueue('polls');
      const held = [mns.receiveMessage('polls', 30), mns.receiveMessage('polls', 30)];
      await until('two held polls', () => emulator.stats().longPolls === 2);
      assert.equal((await failure(mns.receiveMessage('polls', 30))).kind, 'message-not-exist');
      assert.equal(emulator.stats().longPolls, 2, 'the third answered while the others still wait');
      await mns.batchSendMessage('polls', [{ MessageBody: 'a' }, { MessageBody: 'b' }]);
      const bodies = (await Promise.all(held)).map((r) => r.body.MessageBody).sort();
      assert.deepEqual(bodies, ['a', 'b']);
    } finally {
      await emulator.stop();
    }
  });

  test('a long poll abandoned by its client sometimes consumes the message it is answered with', async () => {
    for (const [rate, consumed] of [
      [1, true],
      [0, false],
    ] as const) {
      const { emulator, mns } = await emulatorWith({ delivery: { abandonedPollConsumeRate: rate } });
      try {
        await mns.createQueue('abandoned', { VisibilityTimeout: 60 });
        const gone = rawMnsRequest(emulator.endpoint, {
          method: 'GET',
          target: '/queues/abandoned/messages?waitseconds=30',
          onRequest: (request) => {
            void until('the poll to be held', () => emulator.stats().longPolls === 1).then(() =>
              request.destroy(),
            );
          },
        }).catch(() => 'abandoned');
        assert.equal(await gone, 'abandoned');
        await mns.sendMessage('abandoned', { MessageBody: 'who gets me?' });
        const stats = emulator.queueStats('abandoned')!;
        assert.deepEqual([stats.active, stats.inactive], consumed ? [0, 1] : [1, 0], `rate ${rate}`);
        assert.equal(emulator.stats().longPolls, 0);
      } finally {
        await emulator.stop();
      }
    }
  });

  test('Content-MD5 checking, V4 and native dead-lettering can be switched off', async () => {
    const { emulator, mns } = await emulatorWith({ checkContentMd5: false, signatureV4: false });
    try {
      await mns.createQueue('lax');
      const wrong = await rawMnsRequest(emulator.endpoint, {
        method: 'POST',
        target: '/queues/lax/messages',
        body: '<Message><MessageBody>x</MessageBody></Message>',
        headers: { 'content-md5': 'AAAAAAAAAAAAAAAAAAAAAA==' },
      });
      assert.equal(wrong.status, 201);
      const v4 = await rawMnsRequest(emulator.endpoint, {
        method: 'GET',
        target: '/queues',
        v4Region: 'cn-hangzhou',
      });
      assert.deepEqual([v4.status, errorCode(v4.body)], [400, 'InvalidAuthorizationHeader']);
    } finally {
      await emulator.stop();
    }
  });
});

describe('MNS emulator over HTTPS', () => {
  let emulator: MnsEmulator;
  let dir: string;
  before(async () => {
    emulator = await startMnsEmulator({ credentials, logger, tls: true });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vodflow-mns-tls-'));
  });
  after(async () => {
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('serves TLS with a self-signed certificate that clients must trust', async () => {
    assert.match(emulator.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(emulator.certificate ?? '', /BEGIN CERTIFICATE/);
    const trusted = await rawMnsRequest(emulator.endpoint, {
      method: 'PUT',
      target: '/queues/secure',
      body: '<Queue/>',
      ca: emulator.certificate!,
    });
    assert.equal(trusted.status, 201);
    await assert.rejects(
      rawMnsRequest(emulator.endpoint, { method: 'GET', target: '/queues' }),
      /self-signed certificate/,
    );

    // The SDK has no CA option: it trusts what Node trusts, so the certificate goes in by
    // NODE_EXTRA_CA_CERTS, read at process start.
    const certFile = path.join(dir, 'mns.pem');
    await writeFile(certFile, emulator.certificate!);
    const script = `
      const { createMnsClient } = require(${JSON.stringify(path.join(repoRoot, 'dist/src/mns/client.js'))});
      const mns = createMnsClient({ endpoint: process.argv[1], accessKeyId: 'ak', accessKeySecret: 'sk' });
      (async () => {
        await mns.sendMessage('secure', { MessageBody: 'over tls' });
        const got = await mns.receiveMessage('secure', 1);
        await mns.deleteMessage('secure', got.body.ReceiptHandle);
        console.log(got.body.MessageBody);
      })().catch((err) => { console.error(err.name, err.message); process.exit(1); });`;
    // Asynchronously: the emulator answering it lives in this process.
    const run = (env: NodeJS.ProcessEnv) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ['-e', script, emulator.endpoint],
          { env, timeout: 30_000 },
          (err, stdout, stderr) =>
            resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) || 1 : 0, stdout, stderr }),
        );
      });
    const withCa = await run({ PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: certFile });
    assert.equal(withCa.code, 0, withCa.stderr);
    assert.equal(withCa.stdout.trim(), 'over tls');
    const without = await run({ PATH: process.env.PATH ?? '' });
    assert.notEqual(without.code, 0);
    assert.match(without.stderr, /self-signed certificate/);
  });
});
