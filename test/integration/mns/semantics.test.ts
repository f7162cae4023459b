/** Timing semantics, fault injection and --data-dir persistence, through the real SDK. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { startMnsEmulator, type MnsEmulator } from '../../../harness/emulators/mns';
import { snapshotFileName } from '../../../harness/emulators/mns/persistence';
import { classifyMnsError, createMnsClient, type MnsClient } from '../../../src/mns/client';
import { createLogger } from '../../../src/observability/logger';
import { errorCode, rawMnsRequest } from './rawMns';

const logger = createLogger('mns-emulator-test', 'warn');
const credentials = [{ accessKeyId: 'ak', accessKeySecret: 'sk' }];

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function kindOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    return classifyMnsError(err).kind;
  }
}

describe('MNS emulator semantics', () => {
  let emulator: MnsEmulator;
  let mns: MnsClient;

  before(async () => {
    emulator = await startMnsEmulator({ credentials, logger });
    mns = createMnsClient({ endpoint: emulator.endpoint, accessKeyId: 'ak', accessKeySecret: 'sk' });
  });
  after(async () => {
    await emulator.stop();
  });

  // The test timeout (25 s) is below the 30 s wait: only an early wake-up can pass.
  test('a long poll wakes as soon as a message arrives', { timeout: 25_000 }, async () => {
    await mns.createQueue('longpoll');
    const polling = mns.batchReceiveMessage('longpoll', 16, 30);
    await until('the receive to wait', () =>
      emulator.queueStats('longpoll')?.waitingReceives === 1 ? true : undefined,
    );
    await mns.sendMessage('longpoll', { MessageBody: 'wake up' });
    const received = await polling;
    assert.equal(received.body.length, 1);
    assert.equal(received.body[0]!.MessageBody, 'wake up');
    assert.equal(emulator.queueStats('longpoll')?.waitingReceives, 0);
  });

  test('an empty long poll ends with MessageNotExist', async () => {
    await mns.createQueue('empty', { PollingWaitSeconds: 1 });
    // No waitseconds: the queue's PollingWaitSeconds applies.
    assert.equal(await kindOf(mns.receiveMessage('empty')), 'message-not-exist');
  });

  test('an expired visibility redelivers with DequeueCount + 1 and a new handle', async () => {
    await mns.createQueue('redeliver', { VisibilityTimeout: 1 });
    await mns.sendMessage('redeliver', { MessageBody: 'again' });
    const first = (await mns.receiveMessage('redeliver')).body;
    const second = (await mns.receiveMessage('redeliver', 10)).body;
    assert.equal(second.MessageId, first.MessageId);
    assert.equal(second.DequeueCount, '2');
    assert.equal(second.FirstDequeueTime, first.FirstDequeueTime);
    assert.notEqual(second.ReceiptHandle, first.ReceiptHandle);
    assert.equal(await kindOf(mns.deleteMessage('redeliver', first.ReceiptHandle)), 'message-not-exist');
    assert.equal(await kindOf(mns.deleteMessage('redeliver', second.ReceiptHandle)), 'ok');
  });

  test('a delayed message is invisible, then delivered', async () => {
    await mns.createQueue('delayed');
    await mns.sendMessage('delayed', { MessageBody: 'later', DelaySeconds: 1 });
    assert.equal((await mns.getQueueAttributes('delayed')).body.DelayMessages, '1');
    assert.equal(await kindOf(mns.receiveMessage('delayed')), 'message-not-exist');
    const got = await mns.receiveMessage('delayed', 10);
    assert.equal(got.body.MessageBody, 'later');
  });

  test('injected faults: 500/503 errors, dropped connections before and after the operation', async () => {
    await mns.createQueue('faulty');
    emulator.setFaults({ SendMessage: { errorRate: 1, errorStatus: 503, limit: 1 } });
    try {
      await mns.sendMessage('faulty', { MessageBody: 'x' });
      assert.fail('expected a 503');
    } catch (err) {
      assert.deepEqual(classifyMnsError(err), {
        kind: 'server',
        code: 'ServiceUnavailable',
        status: 503,
        retryable: true,
      });
    }
    assert.equal(emulator.queueStats('faulty')?.total, 0, 'an injected error does not perform the operation');
    await mns.sendMessage('faulty', { MessageBody: 'x' });

    emulator.setFaults({ '*': { errorRate: 1, limit: 1 } });
    const internal = await rawMnsRequest(emulator.endpoint, { method: 'GET', target: '/queues/faulty' });
    assert.deepEqual([internal.status, errorCode(internal.body)], [500, 'InternalError']);

    emulator.setFaults({ ReceiveMessage: { dropRate: 1, limit: 1 } });
    assert.equal(await kindOf(mns.receiveMessage('faulty')), 'network');
    assert.equal(emulator.queueStats('faulty')?.active, 1, "a drop 'before' leaves the message untouched");

    const got = await mns.receiveMessage('faulty');
    emulator.setFaults({ DeleteMessage: { dropRate: 1, dropPhase: 'after', limit: 1, latencyMs: 50 } });
    const kind = await kindOf(mns.deleteMessage('faulty', got.body.ReceiptHandle));
    assert.ok(kind === 'network' || kind === 'server', `client saw ${kind}`);
    assert.equal(emulator.queueStats('faulty')?.total, 0, "a drop 'after' still deleted the message");
    assert.deepEqual(emulator.stats().injected, { errors: 2, drops: 2, throttles: 0 });
    emulator.setFaults({});
  });
});

describe('MNS emulator admin endpoint and persistence', () => {
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'vodflow-mns-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test('with --data-dir a send or delete is acknowledged only once it is in the snapshot on disk', async () => {
    const dir = path.join(dataDir, 'durable');
    const emulator = await startMnsEmulator({ credentials, logger, dataDir: dir });
    const onDisk = (): string => readFileSync(path.join(dir, snapshotFileName), 'utf8');
    try {
      const mns = createMnsClient({ endpoint: emulator.endpoint, accessKeyId: 'ak', accessKeySecret: 'sk' });
      await mns.createQueue('durable');
      // No stop, no flush: what the emulator acknowledged must already be in the file, as
      // it would be after a SIGKILL or a machine crash.
      const sent = await mns.sendMessage('durable', { MessageBody: 'acknowledged-means-persisted' });
      assert.ok(onDisk().includes(sent.body.MessageId), 'the sent message is on disk when acknowledged');
      const received = await mns.receiveMessage('durable', 1);
      await mns.deleteMessage('durable', received.body.ReceiptHandle);
      assert.ok(!onDisk().includes(sent.body.MessageId), 'the delete is on disk when acknowledged');
    } finally {
      await emulator.stop();
    }
  });

  test('the admin endpoint is off unless enabled, and sets faults at run time when on', async () => {
    const plain = await startMnsEmulator({ credentials, logger });
    try {
      const refused = await fetch(`${plain.endpoint}/__admin/stats`);
      assert.equal(refused.status, 400);
      assert.equal(errorCode(await refused.text()), 'MissingAuthorizationHeader');
    } finally {
      await plain.stop();
    }
    const admin = await startMnsEmulator({ credentials, logger, admin: true });
    try {
      const mns = createMnsClient({ endpoint: admin.endpoint, accessKeyId: 'ak', accessKeySecret: 'sk' });
      const put = await fetch(`${admin.endpoint}/__admin/faults`, {
        method: 'PUT',
        body: JSON.stringify({ CreateQueue: { errorRate: 1, limit: 1 } }),
      });
      assert.equal(put.status, 200);
      assert.equal(await kindOf(mns.createQueue('adm')), 'server');
      assert.equal(await kindOf(mns.createQueue('adm')), 'ok');
      const bad = await fetch(`${admin.endpoint}/__admin/faults`, { method: 'PUT', body: '{"Bogus":{}}' });
      assert.equal(bad.status, 400);
      const stats = (await (await fetch(`${admin.endpoint}/__admin/stats`)).json()) as {
        queues: Record<string, { total: number }>;
        injected: { errors: number };
      };
      assert.equal(stats.queues.adm?.total, 0);
      assert.equal(stats.injected.errors, 1);
    } finally {
      await admin.stop();
    }
  });

  test('--data-dir keeps queues, messages and live receipt handles across a restart', async () => {
    const first = await startMnsEmulator({ credentials, logger, dataDir });
    let handle: string;
    let firstBody: string;
    let sentIds: string[];
    let port: number;
    try {
      const mns = createMnsClient({ endpoint: first.endpoint, accessKeyId: 'ak', accessKeySecret: 'sk' });
      await mns.createQueue('durable', { VisibilityTimeout: 600 });
      const sent = await mns.batchSendMessage('durable', [
        { MessageBody: 'a' },
        { MessageBody: 'b' },
        { MessageBody: 'c' },
      ]);
      sentIds = sent.body.map((m) => (m as { MessageId: string }).MessageId);
      const received = (await mns.receiveMessage('durable')).body;
      handle = received.ReceiptHandle;
      firstBody = received.MessageBody;
      port = first.port;
    } finally {
      await first.stop();
    }
    const second = await startMnsEmulator({ credentials, logger, dataDir, port });
    try {
      assert.deepEqual(second.queueStats('durable'), {
        active: 2,
        inactive: 1,
        delayed: 0,
        total: 3,
        waitingReceives: 0,
      });
      const mns = createMnsClient({ endpoint: second.endpoint, accessKeyId: 'ak', accessKeySecret: 'sk' });
      // The SDK keeps one keep-alive pool per process: its first request after the restart on
      // the same port may go out on a socket the old server closed (ECONNRESET). A consumer
      // retries that; so does this test, once per stale socket.
      let attributes;
      for (let attempt = 0; ; attempt += 1) {
        try {
          attributes = await mns.getQueueAttributes('durable');
          break;
        } catch (err) {
          if (attempt >= 3 || (err as { code?: string }).code !== 'ECONNRESET') throw err;
        }
      }
      assert.equal(attributes.body.VisibilityTimeout, '600');
      assert.equal(
        await kindOf(mns.deleteMessage('durable', handle)),
        'ok',
        'a handle issued before the restart',
      );
      // Like MNS, a batch may come back short (striped delivery): receive until both are back.
      const expected = ['a', 'b', 'c'].filter((b) => b !== firstBody);
      const rest: string[] = [];
      for (let i = 0; i < 20 && rest.length < expected.length; i += 1) {
        const batch = await mns.batchReceiveMessage('durable', 16, 1).catch(() => ({ body: [] }));
        rest.push(...batch.body.map((m) => m.MessageBody));
      }
      assert.deepEqual(rest.sort(), expected);
      const fresh = await mns.sendMessage('durable', { MessageBody: 'd' });
      assert.ok(!sentIds.includes(fresh.body.MessageId), 'message ids stay unique across restarts');
    } finally {
      await second.stop();
    }
  });
});
