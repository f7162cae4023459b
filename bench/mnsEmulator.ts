/**
 * MNS emulator throughput: batched message operations per second through the real SDK.
 *
 * The emulator runs as its own process (`vodflow mns-emulator`), as in the local stack, so
 * it has a core to itself and the driver's SDK parsing is not billed to it. Producers send
 * batches of 16 while consumers batch-receive 16 and batch-delete them; every message counts
 * three operations (send, receive, delete), the way MNS counts batch calls per message.
 *
 *   node dist/bench/mnsEmulator.js [--messages N] [--producers P] [--consumers C] [--data-dir]
 *
 * `--data-dir` runs the emulator with write-behind persistence into a temporary directory.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { classifyMnsError, createMnsClient } from '../src/mns/client';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
}

const messages = arg('messages', 48_000);
const producers = arg('producers', 4);
const consumers = arg('consumers', 6);
const batch = 16;
const dataDir = process.argv.includes('--data-dir')
  ? mkdtempSync(path.join(os.tmpdir(), 'vodflow-mns-bench-'))
  : undefined;

async function startEmulatorProcess(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const main = path.join(__dirname, '..', 'cli', 'main.js');
  const child = spawn(
    process.execPath,
    [
      main,
      'mns-emulator',
      '--port',
      '0',
      '--access-key-id',
      'bench',
      '--access-key-secret',
      'bench-secret',
      ...(dataDir !== undefined ? ['--data-dir', dataDir] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, VODFLOW_LOG_LEVEL: 'warn' } },
  );
  const line = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`emulator exited early (${code})`)));
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { endpoint } = JSON.parse(line) as { endpoint: string };
  return {
    endpoint,
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function main(): Promise<void> {
  const emulator = await startEmulatorProcess();
  try {
    const client = () =>
      createMnsClient({ endpoint: emulator.endpoint, accessKeyId: 'bench', accessKeySecret: 'bench-secret' });
    await client().createQueue('bench', { VisibilityTimeout: 300 });
    const body = JSON.stringify({ EventType: 'FileUploadComplete', VideoId: '0'.repeat(32), Size: 123456 });
    const batches = Math.ceil(messages / batch);
    let nextBatch = 0;
    let sent = 0;
    let received = 0;
    let deleted = 0;
    let requests = 0;

    const produce = async (): Promise<void> => {
      const mns = client();
      while (nextBatch < batches) {
        nextBatch += 1;
        const res = await mns.batchSendMessage(
          'bench',
          Array.from({ length: batch }, () => ({ MessageBody: body })),
        );
        requests += 1;
        if (res.code !== 201) throw new Error(`batchSendMessage answered ${res.code}`);
        sent += batch;
      }
    };
    const consume = async (): Promise<void> => {
      const mns = client();
      while (deleted < batches * batch) {
        let got;
        try {
          got = (await mns.batchReceiveMessage('bench', batch, 1)).body;
          requests += 1;
        } catch (err) {
          requests += 1;
          if (classifyMnsError(err).kind === 'message-not-exist') continue;
          throw err;
        }
        received += got.length;
        const res = await mns.batchDeleteMessage(
          'bench',
          got.map((m) => m.ReceiptHandle),
        );
        requests += 1;
        if (res.code !== 204) throw new Error(`batchDeleteMessage answered ${res.code}`);
        deleted += got.length;
      }
    };

    const started = process.hrtime.bigint();
    await Promise.all([
      ...Array.from({ length: producers }, () => produce()),
      ...Array.from({ length: consumers }, () => consume()),
    ]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const operations = sent + received + deleted;
    console.log(
      JSON.stringify({
        messages: sent,
        persistence: dataDir !== undefined,
        producers,
        consumers,
        seconds: Number(seconds.toFixed(2)),
        messageOpsPerSecond: Math.round(operations / seconds),
        requestsPerSecond: Math.round(requests / seconds),
        messagesPerSecondEndToEnd: Math.round(deleted / seconds),
      }),
    );
  } finally {
    await emulator.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
