/**
 * The two QueueTransports side by side against the emulator over real HTTP: the SDK-based one
 * (poller/mnsQueue.ts) and the lean one (poller/mnsHttpQueue.ts) run the same cases, and everything
 * they return or throw (as classifyMnsError sees it) must be the same.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startMnsEmulator, type FaultConfig, type MnsEmulator } from '../../../harness/emulators/mns';
import type { QueueSpec } from '../../../src/config/queueSpec';
import { createMnsClient, type MnsClient } from '../../../src/mns/client';
import { createMnsHttpQueue } from '../../../src/poller/mnsHttpQueue';
import { escapeXml } from '../../../src/mns/xml';
import { rawMnsRequest, rejection } from './rawMns';
import { createLogger } from '../../../src/observability/logger';
import { createMnsQueue, type MnsQueueOptions } from '../../../src/poller/mnsQueue';
import type { QueueMessage, QueueTransport } from '../../../src/poller/queueTransport';

const credentials = { accessKeyId: 'ak', accessKeySecret: 'sk' };
const logger = createLogger('mns-transports-test', 'error');
const repoRoot = path.resolve(__dirname, '../../../..');

const transports = [
  { name: 'sdk', create: createMnsQueue, module: 'dist/src/poller/mnsQueue.js', factory: 'createMnsQueue' },
  {
    name: 'http',
    create: createMnsHttpQueue,
    module: 'dist/src/poller/mnsHttpQueue.js',
    factory: 'createMnsHttpQueue',
  },
] as const;
type TransportName = (typeof transports)[number]['name'];

/** Bodies that break naive XML handling, a body as MNS would store it, and unicode. */
const bodies = [
  'plain',
  `&<>"' &amp; &lt;tag&gt; <![CDATA[x]]>`,
  'unicode 中文 😀 é',
  '  leading and trailing spaces  ',
  // No \r: the emulator, like any XML reader, stores line breaks as \n (the unit test of
  // responseXml.ts covers a \r the service would send back).
  'line\nbreaks\nand\ttabs',
  '{"Status":"success","EventType":"FileUploadComplete","VideoId":"v-1"}',
];

function spec(endpoint: string, queue: string): QueueSpec {
  return { region: 'cn-shanghai', endpoint, queue, deadLetterQueue: `${queue}-dlq` };
}

/** Receives until `count` messages are held (striping makes batches short). */
async function receiveAll(transport: QueueTransport, count: number): Promise<QueueMessage[]> {
  const got: QueueMessage[] = [];
  for (let i = 0; i < 50 && got.length < count; i += 1) got.push(...(await transport.receive(16, 1)));
  assert.equal(got.length, count);
  return got;
}

/** The parts of a received message that do not depend on ids or the moment. */
function comparable(m: QueueMessage) {
  return { body: m.body, bodyMd5: m.bodyMd5, dequeueCount: m.dequeueCount, priority: m.priority };
}

function assertWellFormed(m: QueueMessage, now: number): void {
  assert.match(m.messageId, /^[0-9A-F]{16}-\d+-[0-9A-F]+-\d+$/);
  assert.match(m.receiptHandle, /^1-[A-Za-z0-9=]+$/);
  for (const time of [m.enqueueTime, m.nextVisibleTime, m.firstDequeueTime])
    assert.ok(Number.isInteger(time));
  assert.ok(Math.abs(m.nextVisibleTime - (now + 30_000)) < 5_000, 'queue visibility is 30 s');
  assert.ok(Math.abs(m.leaseEndsAt - m.nextVisibleTime) < 1_000, 'clocks agree, so lease ≈ NextVisibleTime');
}

describe('SDK and lean HTTP transports answer alike', () => {
  let emulator: MnsEmulator;
  let admin: MnsClient;
  const results = new Map<string, Map<TransportName, unknown>>();

  /** Records one case's outcome per transport; the last transport's run compares them. */
  function record(caseName: string, transport: TransportName, outcome: unknown): void {
    const byTransport = results.get(caseName) ?? new Map<TransportName, unknown>();
    byTransport.set(transport, outcome);
    results.set(caseName, byTransport);
    if (byTransport.size === transports.length)
      assert.deepEqual(byTransport.get('http'), byTransport.get('sdk'), `${caseName}: http differs from sdk`);
  }

  function options(queue: string, overrides: Partial<MnsQueueOptions> = {}): MnsQueueOptions {
    return {
      spec: spec(emulator.endpoint, queue),
      credentials,
      timeoutMs: 5_000,
      waitSeconds: 1,
      ...overrides,
    };
  }

  async function withFaults<T>(faults: FaultConfig, run: () => Promise<T>): Promise<T> {
    emulator.setFaults(faults);
    try {
      return await run();
    } finally {
      emulator.setFaults({});
    }
  }

  before(async () => {
    emulator = await startMnsEmulator({ credentials: [credentials], logger, throttle: false, seed: 7 });
    admin = createMnsClient({ endpoint: emulator.endpoint, ...credentials });
  });
  after(async () => {
    await emulator.stop();
  });

  for (const { name, create } of transports) {
    describe(`${name} transport`, () => {
      const queue = `tx-${name}`;
      let transport: QueueTransport;

      before(async () => {
        await admin.createQueue(queue, { VisibilityTimeout: 30 });
        await admin.createQueue(`${queue}-dlq`);
        transport = create(options(queue));
      });

      test('batch receive hands out every body exactly as sent, then empty receives are []', async () => {
        for (const body of bodies)
          await admin.sendMessage(queue, { MessageBody: escapeXml(body), Priority: 3 });
        const got = await receiveAll(transport, bodies.length);
        const now = Date.now();
        for (const m of got) assertWellFormed(m, now);
        const seen = got.map(comparable).sort((a, b) => (a.body < b.body ? -1 : 1));
        assert.deepEqual(
          seen.map((m) => m.body),
          [...bodies].sort(),
        );
        record('receive', name, seen);
        const started = Date.now();
        assert.deepEqual(await transport.receive(16, 1), []);
        assert.ok(Date.now() - started >= 900, 'the empty receive waited out its long poll');
        await transport.deleteBatch(got.map((m) => m.receiptHandle));
      });

      test('changeVisibility rotates the handle; delete reports the stale one, deletes the rest', async () => {
        await admin.sendMessage(queue, { MessageBody: 'a' });
        await admin.sendMessage(queue, { MessageBody: 'b' });
        const [first, second] = await receiveAll(transport, 2);
        const askedAt = Date.now();
        const lease = await transport.changeVisibility(first!.receiptHandle, 45);
        assert.notEqual(lease.receiptHandle, first!.receiptHandle);
        assert.ok(Math.abs(lease.nextVisibleTime - (askedAt + 45_000)) < 2_000);
        assert.ok(lease.leaseEndsAt >= askedAt + 45_000 && lease.leaseEndsAt <= Date.now() + 45_000);
        const staleChange = await rejection(transport.changeVisibility(first!.receiptHandle, 45));
        const failures = await transport.deleteBatch([
          lease.receiptHandle,
          first!.receiptHandle,
          second!.receiptHandle,
        ]);
        assert.equal(failures.length, 1);
        assert.equal(failures[0]!.receiptHandle, first!.receiptHandle);
        assert.equal(staleChange.kind, 'message-not-exist');
        assert.equal(failures[0]!.errorCode, 'MessageNotExist');
        const garbled = await transport.deleteBatch(['not-a-handle']);
        assert.deepEqual(
          garbled.map((f) => [f.receiptHandle, f.errorCode]),
          [['not-a-handle', 'ReceiptHandleError']],
        );
        record('visibility-and-delete', name, {
          staleChange,
          failures: failures.map((f) => ({ ...f, receiptHandle: 'stale' })),
          garbled,
          allDeleted: await transport.deleteBatch([]),
        });
        assert.equal(emulator.queueStats(queue)?.total, 0);
      });

      test('sendDeadLetter round-trips every body through the dead-letter queue', async () => {
        const ids: string[] = [];
        for (const body of bodies) ids.push(await transport.sendDeadLetter(body));
        for (const id of ids) assert.match(id, /^[0-9A-F]{16}-\d+-[0-9A-F]+-\d+$/);
        const dlq = create(options(`${queue}-dlq`));
        const got = await receiveAll(dlq, bodies.length);
        assert.deepEqual(got.map((m) => m.body).sort(), [...bodies].sort());
        assert.deepEqual(got.map((m) => m.messageId).sort(), [...ids].sort());
        await dlq.deleteBatch(got.map((m) => m.receiptHandle));
      });

      test('a wrong secret is auth, a missing queue queue-not-exist, on every operation', async () => {
        const wrong = create(options(queue, { credentials: { ...credentials, accessKeySecret: 'wrong' } }));
        const unknownKey = create(
          options(queue, { credentials: { accessKeyId: 'nobody', accessKeySecret: 'x' } }),
        );
        const missing = create(options('no-such-queue'));
        const handle = '1-ODU4OTkzNDU5My0xNTI0MTIzMzQ4LTEtOA==';
        const outcome = async (t: QueueTransport) => ({
          receive: await rejection(t.receive(16, 1)),
          deleteBatch: await rejection(t.deleteBatch([handle])),
          changeVisibility: await rejection(t.changeVisibility(handle, 30)),
          sendDeadLetter: await rejection(t.sendDeadLetter('x')),
        });
        const wrongSecret = await outcome(wrong);
        assert.deepEqual(wrongSecret.receive, { kind: 'auth', code: 'SignatureDoesNotMatch', status: 403 });
        const missingQueue = await outcome(missing);
        assert.deepEqual(missingQueue.receive, {
          kind: 'queue-not-exist',
          code: 'QueueNotExist',
          status: 404,
        });
        record('auth-and-missing', name, {
          wrongSecret,
          unknownKey: await outcome(unknownKey),
          missingQueue,
        });
      });

      test('throttling, server errors, dropped connections and timeouts classify alike', async () => {
        const handle = '1-ODU4OTkzNDU5My0xNTI0MTIzMzQ4LTEtOA==';
        const everyCall = async (t: QueueTransport) => [
          await rejection(t.receive(16, 1)),
          await rejection(t.deleteBatch([handle])),
          await rejection(t.changeVisibility(handle, 30)),
          await rejection(t.sendDeadLetter('x')),
        ];
        const throttled = await withFaults({ '*': { throttleRate: 1 } }, () => everyCall(transport));
        assert.deepEqual(throttled[0], { kind: 'throttled', code: 'TooManyRequests', status: 429 });
        const unavailable = await withFaults({ '*': { errorRate: 1, errorStatus: 503 } }, () =>
          everyCall(transport),
        );
        assert.ok(
          unavailable.every((u) => u.kind === 'server' && u.status === 503),
          JSON.stringify(unavailable),
        );
        const dropped = await withFaults({ '*': { dropRate: 1, dropPhase: 'before' } }, () =>
          everyCall(transport),
        );
        assert.ok(
          dropped.every((d) => d.kind === 'network'),
          JSON.stringify(dropped),
        );
        const impatient = create(options(queue, { timeoutMs: 300 }));
        const timedOut = await withFaults({ '*': { latencyMs: 2_000 } }, async () => [
          await rejection(impatient.deleteBatch([handle])),
          await rejection(impatient.sendDeadLetter('x')),
        ]);
        assert.ok(
          timedOut.every((t) => t.kind === 'timeout'),
          JSON.stringify(timedOut),
        );
        record('faults', name, { throttled, unavailable, dropped, timedOut });
      });
    });
  }
});

describe('answers that are not MNS documents', () => {
  let server: http.Server;
  let endpoint = '';
  let answer: (res: http.ServerResponse) => void = () => undefined;

  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => answer(res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test("a proxy's HTML 502 is a server error by its status", async () => {
    answer = (res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
    const handle = '1-MTItMTMtMQ==';
    const outcomes = async (t: QueueTransport) => ({
      deleteBatch: await rejection(t.deleteBatch([handle])),
      changeVisibility: await rejection(t.changeVisibility(handle, 30)),
      sendDeadLetter: await rejection(t.sendDeadLetter('x')),
    });
    const options = { spec: spec(endpoint, 'q'), credentials, timeoutMs: 2_000, waitSeconds: 1 };
    const viaSdk = await outcomes(createMnsQueue(options));
    const lean = createMnsHttpQueue(options);
    assert.deepEqual(await outcomes(lean), viaSdk);
    assert.deepEqual(viaSdk.sendDeadLetter, { kind: 'server', status: 502 });
    // The one deliberate difference: the SDK's batchReceiveMessage dereferences the missing
    // body and throws a TypeError (client); the lean transport classifies by the status.
    assert.deepEqual(await rejection(lean.receive(16, 1)), { kind: 'server', status: 502 });
  });

  test('an answer larger than the cap is abandoned as a server error', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'text/xml' });
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      for (let i = 0; i < 9; i += 1) res.write(chunk);
      res.end();
    };
    const lean = createMnsHttpQueue({
      spec: spec(endpoint, 'q'),
      credentials,
      timeoutMs: 5_000,
      waitSeconds: 1,
    });
    assert.deepEqual(await rejection(lean.receive(16, 1)), { kind: 'server', status: 200 });
  });

  test('a server that never answers times out after wait + timeout', async () => {
    answer = () => undefined;
    const lean = createMnsHttpQueue({
      spec: spec(endpoint, 'q'),
      credentials,
      timeoutMs: 300,
      waitSeconds: 1,
    });
    const started = Date.now();
    assert.deepEqual(await rejection(lean.receive(16, 1)), { kind: 'timeout' });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1_250 && elapsed < 3_000, `${elapsed} ms`);
  });
});

describe('both transports over HTTPS', () => {
  let emulator: MnsEmulator;
  let dir: string;
  before(async () => {
    emulator = await startMnsEmulator({ credentials: [credentials], logger, tls: true, throttle: false });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vodflow-mns-transports-'));
  });
  after(async () => {
    await emulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('send, receive and delete over TLS trusting the certificate as a deployment would', async () => {
    assert.match(emulator.endpoint, /^https:/);
    const certFile = path.join(dir, 'mns.pem');
    await writeFile(certFile, emulator.certificate!);
    // Neither transport takes a CA: like the SDK, the lean one trusts what Node trusts, so the
    // certificate goes in by NODE_EXTRA_CA_CERTS, read at process start: a child process.
    const run = (module: string, factory: string, queue: string) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        const script = `
          const { ${factory} } = require(${JSON.stringify(path.join(repoRoot, module))});
          const spec = { region: 'cn-shanghai', endpoint: process.argv[1], queue: process.argv[2], deadLetterQueue: process.argv[2] };
          const t = ${factory}({ spec, credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' }, timeoutMs: 5000, waitSeconds: 1 });
          (async () => {
            await t.sendDeadLetter('over tls & <safe>');
            const got = await t.receive(16, 1);
            console.log(JSON.stringify({ bodies: got.map((m) => m.body), failures: await t.deleteBatch(got.map((m) => m.receiptHandle)) }));
          })().catch((err) => { console.error(err.name, err.message); process.exit(1); });`;
        execFile(
          process.execPath,
          ['-e', script, emulator.endpoint, queue],
          { env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: certFile }, timeout: 30_000 },
          (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
        );
      });
    const outputs: unknown[] = [];
    for (const { name, module, factory } of transports) {
      const created = await rawMnsRequest(emulator.endpoint, {
        method: 'PUT',
        target: `/queues/tls-${name}`,
        body: '<Queue/>',
        ca: emulator.certificate!,
      });
      assert.equal(created.status, 201);
      const result = await run(module, factory, `tls-${name}`);
      assert.equal(result.code, 0, result.stderr);
      outputs.push(JSON.parse(result.stdout));
    }
    assert.deepEqual(outputs[0], { bodies: ['over tls & <safe>'], failures: [] });
    assert.deepEqual(outputs[1], outputs[0]);
  });
});
