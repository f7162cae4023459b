// `vodflow redrive` on the local stack (MNS emulator, poller, worker, webhook receiver, real
// Temporal), through the compiled CLI: dead letters of valid events planted beside poison, a
// redrive SIGKILLed midway and run again. Every video ends completed with one publication,
// and the dead-letter queue keeps exactly the poison.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { escapeXml } from '../../../src/mns/xml';
import { deadLetterDocument, type DeadLetterReason } from '../../../src/poller/deadLetter';
import type { QueueMessage } from '../../../src/poller/queueTransport';
import type { RedriveReport } from '../../../src/operations/redrive';
import { videoWorkflowId, type VideoPipelineResult } from '../../../src/shared/definitions';
import type { VideoReadyDocument } from '../../../src/workflows/videoReadyDocument';
import type { MnsClient } from '../../../src/mns/client';
import { startStack, type Stack } from '../../../harness/stack/stack';
import { runCli, startCli } from '../../harness/cli';
import { testTemporal, uniqueName } from '../../harness/temporal';
import { fixtureDir } from '../../unit/events/fixturePaths';
import { eventually } from '../workflows/pipelineHarness';

let stack: Stack;
let mns: MnsClient;

before(async () => {
  stack = await startStack({
    temporal: testTemporal(),
    taskQueue: uniqueName('redrive'),
    mns: { mode: 'in-process' },
    webhook: { mode: 'receiver' },
    worker: { mode: 'in-process' },
    poller: { mode: 'in-process' },
    settings: {
      VODFLOW_PIPELINE_OPTIONS: JSON.stringify({
        requiredStages: ['upload'],
        lingerAfterCompletionMs: 1_000,
      }),
    },
  });
  mns = stack.mnsClient();
  // What an interrupted redrive held comes back within seconds instead of the default minute.
  await mns.setQueueAttributes(stack.deadLetterQueue, { VisibilityTimeout: 5 });
});

after(async () => {
  await stack?.stop();
});

const spec = () => ({
  region: stack.region,
  endpoint: stack.mns!.endpoint,
  queue: stack.queue,
  deadLetterQueue: stack.deadLetterQueue,
});

function original(body: string, n: number): QueueMessage {
  return {
    messageId: `ORIGINAL-${n}`,
    receiptHandle: 'gone',
    body,
    bodyMd5: 'MD5',
    enqueueTime: 1,
    nextVisibleTime: 2,
    leaseEndsAt: 2,
    firstDequeueTime: 1,
    dequeueCount: 11,
    priority: 8,
  };
}

async function plant(body: string, reason: DeadLetterReason, n: number): Promise<void> {
  const document = deadLetterDocument(original(body, n), spec(), reason, 'planted by the test');
  await mns.sendMessage(stack.deadLetterQueue, { MessageBody: escapeXml(document) });
}

/** How many messages the dead-letter queue holds, visible or not. */
async function deadLetterCount(): Promise<number> {
  const { body } = await mns.getQueueAttributes(stack.deadLetterQueue);
  return Number(body.ActiveMessages) + Number(body.InactiveMessages) + Number(body.DelayMessages);
}

/** The body of every message in the dead-letter queue (each received once; they stay hidden a while). */
async function deadLetterBodies(expected: number): Promise<string[]> {
  const bodies = new Map<string, string>();
  await eventually(
    `${expected} dead letters`,
    async () => {
      const response = await mns.batchReceiveMessage(stack.deadLetterQueue, 16, 1).catch(() => null);
      const list = response?.body ? (Array.isArray(response.body) ? response.body : [response.body]) : [];
      for (const m of list) bodies.set(String(m.MessageId), String(m.MessageBody));
      return bodies.size;
    },
    (size) => size >= expected,
    60_000,
  );
  return [...bodies.values()];
}

const poison = [
  { body: 'this is not an event', reason: 'invalid_body' as const },
  { body: '{"VideoId":"c0ffee00c0ffee00","Status":"success"}', reason: 'invalid_body' as const },
  {
    body: readFileSync(path.join(fixtureDir, 'upload-by-url-complete-failed.json'), 'utf8'),
    reason: 'no_media_id' as const,
  },
];
const foreign = 'a message some other producer put into the dead-letter queue';

test('redrive killed midway and run again: every video completed once, the DLQ keeps only the poison', async () => {
  const videos = Array.from({ length: 10 }, (_, i) => `redrive${process.pid}v${i}`);
  for (const [i, id] of videos.entries()) {
    const body = JSON.stringify({
      Status: 'success',
      EventTime: '2026-01-15T08:00:00Z',
      EventType: 'FileUploadComplete',
      VideoId: id,
      Size: 1_000 + i,
      FileUrl: `http://example-bucket.oss-cn-shanghai.aliyuncs.com/${id}.mp4`,
    });
    await plant(body, i % 2 === 0 ? 'too_many_receives' : 'temporal_rejected', i);
  }
  for (const [i, p] of poison.entries()) await plant(p.body, p.reason, 100 + i);
  await mns.sendMessage(stack.deadLetterQueue, { MessageBody: foreign });
  const total = videos.length + poison.length + 1;
  const env = { ...stack.settings(), VODFLOW_LOG_LEVEL: 'error' };
  const queue = `${stack.region}/${stack.queue}`;

  // A dry run counts and changes nothing.
  const dry = await runCli(
    ['redrive', '--queue', queue, '--dry-run', '--json', '--wait-hidden', '0'],
    env,
    120_000,
  );
  assert.equal(dry.code, 1, `poison stays dead: exit 1\n${dry.stderr}`);
  const dryReport = JSON.parse(dry.stdout) as RedriveReport;
  assert.equal(dryReport.counts['would-redrive'], 10);
  assert.equal(dryReport.counts['still-invalid'], 3);
  assert.equal(dryReport.counts['not-a-dead-letter'], 1);
  assert.equal(await deadLetterCount(), total, 'nothing was taken out');

  // Slowly (4 MNS calls a second, so a quarter second between a send and its delete), killed
  // right after its third send: that dead letter was sent but not deleted.
  const first = startCli(['redrive', '--queue', queue, '--rps', '4', '--verbose'], env);
  const sentNotDeleted = await new Promise<{ messageId: string; original: string }>((resolve, reject) => {
    first.child.stderr!.on('data', () => {
      const sent = [...first.stderr().matchAll(/^sent dead letter (\S+) \(original (\S+),/gm)];
      if (sent.length < 3 || first.child.killed) return;
      first.child.kill('SIGKILL'); // at once: the delete waits for its token
      resolve({ messageId: sent[2]![1]!, original: sent[2]![2]! });
    });
    void first.exited.then((r) => reject(new Error(`redrive ended before its third send: ${r.stderr}`)));
  });
  const killed = await first.exited;
  assert.equal(killed.code, null, 'killed, not finished');
  assert.ok(
    !killed.stderr.includes(`deleted dead letter ${sentNotDeleted.messageId}`),
    'killed between the send and the delete',
  );

  const second = await runCli(['redrive', '--queue', queue, '--json'], env, 180_000);
  assert.equal(second.code, 1, `the poison stays dead: exit 1\n${second.stdout}\n${second.stderr}`);
  const report = JSON.parse(second.stdout) as RedriveReport;
  assert.equal(report.aborted, undefined);
  assert.equal(report.hiddenElsewhere, 0, 'it waited for what the killed run held');
  assert.equal(report.counts['still-invalid'], 3);
  assert.equal(report.counts['not-a-dead-letter'], 1);
  assert.ok((report.counts.redriven ?? 0) >= 8, JSON.stringify(report.counts));
  assert.ok(
    report.items.some((i) => i.originalMessageId === sentNotDeleted.original && i.outcome === 'redriven'),
    'the message the killed run sent but did not delete is sent again',
  );

  const { client } = await stack.temporalClient();
  for (const id of videos) {
    const result = await eventually(
      `${id} completed`,
      async () => (await client.workflow.getHandle(videoWorkflowId(id)).result()) as VideoPipelineResult,
      (r) => r.status === 'completed',
      120_000,
    );
    assert.equal(result.publications.length, 1, id);
  }
  // One publication each at the receiver, even for a message the killed run sent but did not delete.
  const receiver = stack.webhook!.receiver!;
  await sleep(2_000); // a duplicate would need a moment to travel through the poller
  for (const id of videos) {
    const mine = receiver.deliveries.filter((d) => (d.body as VideoReadyDocument).videoId === id);
    assert.equal(mine.length, 1, `${id}: ${mine.length} publications`);
    assert.equal(mine[0]!.status, 200);
  }
  assert.equal(await deadLetterCount(), poison.length + 1);
  const left = await deadLetterBodies(poison.length + 1);
  const leftBodies = left.map((text) => {
    try {
      return (JSON.parse(text) as { body: string }).body;
    } catch {
      return text;
    }
  });
  assert.deepEqual(leftBodies.sort(), [...poison.map((p) => p.body), foreign].sort());
});

test('redrive refuses a queue that is not configured, and bad flags, with exit 2', async () => {
  const env = stack.settings();
  const unknown = await runCli(['redrive', '--queue', 'cn-beijing/vod-events'], env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /is not in VODFLOW_QUEUES \(cn-shanghai\/vod-events\)/);
  assert.equal((await runCli(['redrive', '--queue', 'vod-events'], env)).code, 2);
  assert.equal(
    (await runCli(['redrive', '--queue', `${stack.region}/${stack.queue}`, '--reason', 'bored'], env)).code,
    2,
  );
  assert.equal(
    (await runCli(['redrive', '--queue', `${stack.region}/${stack.queue}`, '--since', 'soon'], env)).code,
    2,
  );
});
