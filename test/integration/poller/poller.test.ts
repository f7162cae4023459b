import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import type { QueueSpec } from '../../../src/config/queueSpec';
import { decode } from '../../../src/events';
import { startHealthServer } from '../../../src/observability/healthServer';
import { createMnsQueue } from '../../../src/poller/mnsQueue';
import type { QueueTransport } from '../../../src/poller/queueTransport';
import type { DeadLetterDocument } from '../../../src/poller/deadLetter';
import { videoWorkflowId, pipelineStateQuery } from '../../../src/shared/definitions';
import { startMnsEmulator } from '../../../harness/emulators/mns';
import { createMnsClient } from '../../../src/mns/client';
import { createLogger } from '../../../src/observability/logger';
import { escapeXml } from '../../../src/mns/xml';
import {
  credentials,
  newVideoId,
  observingSignals,
  usePollerStack,
  region,
  slowSignaller,
  total,
  uploadBody,
  waitFor,
} from './pollerStack';
import { sharedTemporalSkip } from '../../harness/temporal';
import { freePort } from '../../../harness/stack/freePort';
import { cliMain } from '../../../harness/stack/paths';
import { childEnvironment } from '../../../harness/stack/stack';
import { spawn, type ChildProcess } from 'node:child_process';

const stack = usePollerStack();

function transportFor(spec: QueueSpec): QueueTransport {
  return createMnsQueue({ spec, credentials, timeoutMs: 5_000, waitSeconds: 1 });
}

test('each message is deleted only after its signal is persisted and in the workflow history', async () => {
  const queue = await stack.queue('it-order');
  const videos = [newVideoId(), newVideoId()];
  const sent = new Map<string, string>();
  for (const [i, video] of [...videos, ...videos, videos[0]!].entries()) {
    sent.set(await stack.send(queue, uploadBody(video, i)), video);
  }
  const violations: string[] = [];
  let checkedDeletes = 0;
  // signalWithStart returning is Temporal's word that the signal is persisted. The history
  // alone cannot show it at that instant (a signal that arrives during a workflow task is
  // buffered, durably, and written when the task completes), so both are checked.
  const persisted = new Set<string>();
  const client = observingSignals(stack.client, (messageId) => persisted.add(messageId));
  // Wraps the real MNS queue: before each delete reaches MNS, the signal must be persisted and in the history.
  const checked = (spec: QueueSpec): QueueTransport => {
    const real = transportFor(spec);
    const messageOf = new Map<string, string>();
    return {
      async receive(max, wait) {
        const messages = await real.receive(max, wait);
        for (const m of messages) messageOf.set(m.receiptHandle, m.messageId);
        return messages;
      },
      async changeVisibility(handle, seconds) {
        const next = await real.changeVisibility(handle, seconds);
        messageOf.set(next.receiptHandle, messageOf.get(handle)!);
        return next;
      },
      async deleteBatch(handles) {
        for (const handle of handles) {
          const messageId = messageOf.get(handle)!;
          if (!persisted.has(messageId)) violations.push(`${messageId} not persisted`);
          const signals = await stack.signals(sent.get(messageId)!);
          if (!signals.some((s) => s.messageId === messageId)) violations.push(`${messageId} not in history`);
          checkedDeletes += 1;
        }
        return real.deleteBatch(handles);
      },
      sendDeadLetter: (body) => real.sendDeadLetter(body),
    };
  };
  const poller = await stack.poller(stack.config([queue]), { transportFor: checked, client });
  // The emulator empties the queue before the poller has read the deletes' answers.
  const deleted = () => total(poller.metrics.deleted, { queue: queue.queue, result: 'deleted' });
  await waitFor(
    'queue drained and the deletes acknowledged',
    async () => stack.remaining(queue) === 0 && (await deleted()) === sent.size,
  );
  assert.deepEqual(violations, []);
  assert.equal(checkedDeletes, sent.size);
  for (const video of videos) {
    const deliveries = await stack.signals(video);
    assert.deepEqual(
      deliveries.map((d) => d.messageId).sort(),
      [...sent]
        .filter(([, v]) => v === video)
        .map(([id]) => id)
        .sort(),
    );
    assert.ok(deliveries.every((d) => d.region === queue.region && d.event.mediaId === video));
  }
  assert.equal(await total(poller.metrics.signalled, { queue: queue.queue }), sent.size);

  const health = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    registries: [poller.metrics.registry],
    readiness: () => poller.readiness(),
  });
  try {
    const base = `http://127.0.0.1:${health.port}`;
    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(
      await metrics.text(),
      /vodflow_poller_messages_deleted_total\{queue="it-order",region="cn-shanghai",result="deleted"\} 5/,
    );
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
  } finally {
    await health.close();
  }
});

test('invalid, id-less and too-often-received messages go to the dead-letter queue and never block the queue', async () => {
  const queue = await stack.queue('it-dlq', 1);
  const video = newVideoId();
  // First the poison message, received twice outside the poller so its DequeueCount passes the limit.
  const poisonBody = uploadBody(newVideoId(), 1);
  const poison = await stack.send(queue, poisonBody);
  for (let i = 0; i < 2; i += 1) {
    await waitFor('poison visible', async () => {
      try {
        await stack.sdk.receiveMessage(queue.queue, 1);
        return true;
      } catch {
        return false;
      }
    });
  }
  const invalidId = await stack.send(queue, 'this is <not> JSON & never was');
  const noIdBody = JSON.stringify({
    EventType: 'UploadByURLComplete',
    Status: 'fail',
    JobId: 'job-1',
    SourceURL: 'https://example.com/a.mp4',
    EventTime: '2024-01-01T00:00:00Z',
  });
  const noId = await stack.send(queue, noIdBody);
  const goodIds = [
    await stack.send(queue, uploadBody(video, 2)),
    await stack.send(queue, uploadBody(video, 3)),
  ];

  await stack.poller(stack.config([queue], { maxDequeueCount: 2 }));
  await waitFor('queue drained', () => stack.remaining(queue) === 0);
  assert.deepEqual((await stack.signals(video)).map((d) => d.messageId).sort(), [...goodIds].sort());

  const letters: DeadLetterDocument[] = [];
  await waitFor('three dead letters', async () => {
    try {
      const got = await stack.sdk.batchReceiveMessage(queue.deadLetterQueue, 16, 1);
      for (const m of got.body) letters.push(JSON.parse(m.MessageBody) as DeadLetterDocument);
    } catch {
      // empty
    }
    return letters.length >= 3;
  });
  const byId = new Map(letters.map((l) => [l.attributes.messageId, l]));
  assert.equal(byId.get(invalidId)?.reason, 'invalid_body');
  assert.equal(byId.get(invalidId)?.body, 'this is <not> JSON & never was');
  assert.equal(byId.get(noId)?.reason, 'no_media_id');
  assert.equal(byId.get(noId)?.body, noIdBody);
  assert.equal(byId.get(poison)?.reason, 'too_many_receives');
  assert.equal(byId.get(poison)?.attributes.dequeueCount, 3);
  assert.equal(byId.get(poison)?.body, poisonBody);
  assert.equal(byId.get(poison)?.source.queue, queue.queue);
  assert.ok(decode(byId.get(poison)!.body).ok, 'the original body is kept verbatim');
});

const slowTuning = { visibilityTimeoutSeconds: 2, visibilityExtendBeforeSeconds: 1, signalTimeoutMs: 10_000 };
/** Each signal takes 5 s: longer than the 2 s visibility timeout of the queues these tests use. */
const slowSignals = slowSignaller(5_000);

test('visibility extension keeps a slow signal from being handled twice by two pollers', async () => {
  const queue = await stack.queue('it-slow', 2);
  const video = newVideoId();
  const messageId = await stack.send(queue, uploadBody(video, 1));
  const first = await stack.poller(stack.config([queue], slowTuning), slowSignals);
  const second = await stack.poller(stack.config([queue], slowTuning), slowSignals);
  await waitFor('queue drained', () => stack.remaining(queue) === 0);
  const received =
    (await total(first.metrics.received, { queue: queue.queue })) +
    (await total(second.metrics.received, { queue: queue.queue }));
  assert.equal(received, 1, 'no other receive loop or poller got the message');
  assert.deepEqual(
    (await stack.signals(video)).map((d) => d.messageId),
    [messageId],
  );
  const extended =
    (await total(first.metrics.visibilityExtended)) + (await total(second.metrics.visibilityExtended));
  assert.ok(extended >= 2, `extended ${extended} times`);
});

test("visibility extension keeps its timing when MNS's clock is a minute ahead of or behind the host's", async () => {
  for (const skew of [60_000, -60_000]) {
    const mns = await startMnsEmulator({
      credentials: [credentials],
      logger: createLogger('mns', 'warn'),
      clockSkewMs: skew,
    });
    stack.onTeardown(() => mns.stop());
    const sdk = createMnsClient({ endpoint: mns.endpoint, ...credentials, timeoutMs: 10_000 });
    const name = skew > 0 ? 'it-mns-ahead' : 'it-mns-behind';
    await sdk.createQueue(name, { VisibilityTimeout: 2 });
    await sdk.createQueue(`${name}-dlq`, {});
    const queue: QueueSpec = { region, endpoint: mns.endpoint, queue: name, deadLetterQueue: `${name}-dlq` };
    const video = newVideoId();
    await sdk.sendMessage(name, { MessageBody: escapeXml(uploadBody(video, 1)) });
    const poller = await stack.poller(stack.config([queue], slowTuning), slowSignals);
    // The emulator empties the queue before the poller has read the delete's answer.
    await waitFor(
      'queue drained and the delete acknowledged',
      async () =>
        mns.queueStats(name)?.total === 0 &&
        (await total(poller.metrics.deleted, { queue: name, result: 'deleted' })) === 1,
    );
    // Ahead: a lease read on MNS's clock looks a minute longer, is never extended, and the
    // message comes back to the other receive loop. Behind: it looks over already and is
    // extended on every scan (every 250 ms).
    assert.equal(await total(poller.metrics.received, { queue: name }), 1, `skew ${skew}: received once`);
    const extended = await total(poller.metrics.visibilityExtended);
    assert.ok(extended >= 2 && extended <= 8, `skew ${skew}: extended ${extended} times in ~5 s`);
    await stack.stopPollers();
  }
});

test('two pollers share one queue, and one poller serves two regional queues', async () => {
  const shanghai = await stack.queue('it-shanghai');
  const singapore = await stack.queue('it-singapore', 3, 'ap-southeast-1');
  const sent: { id: string; video: string; region: string }[] = [];
  for (let i = 0; i < 6; i += 1) {
    const video = newVideoId();
    sent.push({ id: await stack.send(shanghai, uploadBody(video, i)), video, region: 'cn-shanghai' });
  }
  for (let i = 0; i < 4; i += 1) {
    const video = newVideoId();
    sent.push({ id: await stack.send(singapore, uploadBody(video, i)), video, region: 'ap-southeast-1' });
  }
  const both = await stack.poller(stack.config([shanghai, singapore], { batchSize: 2 }));
  const one = await stack.poller(stack.config([shanghai], { batchSize: 2 }));
  await waitFor(
    'both queues drained',
    () => stack.remaining(shanghai) === 0 && stack.remaining(singapore) === 0,
  );
  for (const { id, video, region } of sent) {
    const deliveries = await stack.signals(video);
    assert.deepEqual(
      deliveries.map((d) => [d.messageId, d.region]),
      [[id, region]],
    );
  }
  const received =
    (await total(both.metrics.received, { queue: shanghai.queue })) +
    (await total(one.metrics.received, { queue: shanghai.queue }));
  assert.equal(received, 6);
  assert.equal(await total(both.metrics.received, { queue: singapore.queue }), 4);
  assert.equal(await total(one.metrics.received, { queue: singapore.queue }), 0);
});

test('a poller killed with SIGKILL mid-batch loses nothing, and redelivery has no duplicate effect', async () => {
  const queue = await stack.queue('it-kill');
  const videos = [newVideoId(), newVideoId(), newVideoId()];
  const sent = new Map<string, string>();
  for (const [i, video] of [...videos, ...videos].entries()) {
    sent.set(await stack.send(queue, uploadBody(video, i)), video);
  }
  // Deletes never get through, so the kill lands after the signals and before any delete.
  stack.mns.setFaults({ BatchDeleteMessage: { dropRate: 1, dropPhase: 'before' } });
  const child = await stack.spawnPoller([queue]);
  const allSignalled = async () => {
    for (const [id, video] of sent) {
      if (!(await stack.signals(video)).some((d) => d.messageId === id)) return false;
    }
    return true;
  };
  await waitFor('every message signalled by the child poller', allSignalled);
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  stack.mns.setFaults({});
  assert.equal(stack.remaining(queue), sent.size, 'nothing was deleted before the kill');

  await stack.poller(stack.config([queue]));
  await waitFor('redelivered and deleted', () => stack.remaining(queue) === 0);
  for (const video of videos) {
    const deliveries = await stack.signals(video);
    const ids = deliveries.map((d) => d.messageId);
    assert.ok(ids.length >= 4, `each message signalled again after the kill (${ids.length})`);
    const handle = stack.client.workflow.getHandle(videoWorkflowId(video));
    await waitFor('the workflow has applied every signal', async () => {
      const description = await handle.describe();
      const history = await handle.fetchHistory();
      return (
        description.status.name === 'RUNNING' &&
        history.events!.at(-1)?.workflowTaskCompletedEventAttributes !== undefined
      );
    });
    // Two distinct uploads were sent; every further delivery must have been recognised as a duplicate.
    const state = await handle.query(pipelineStateQuery);
    assert.equal(state.duplicates, ids.length - 2, 'each distinct upload applied once');
  }
});

test('SIGTERM drains in-flight messages, flushes deletes and exits 0 in time', async () => {
  const queue = await stack.queue('it-drain');
  const videos = Array.from({ length: 4 }, () => newVideoId());
  const sent = new Map<string, string>();
  for (const [i, video] of videos.entries()) sent.set(await stack.send(queue, uploadBody(video, i)), video);
  // Slow deletes keep the messages in flight when SIGTERM arrives.
  stack.mns.setFaults({ BatchDeleteMessage: { latencyMs: 1_500 } });
  const child = await stack.spawnPoller([queue], {
    VODFLOW_SHUTDOWN_TIMEOUT_MS: '15000',
    VODFLOW_DELETE_LINGER_MS: '200',
  });
  await waitFor('every message signalled', async () => {
    for (const [id, video] of sent) {
      if (!(await stack.signals(video)).some((d) => d.messageId === id)) return false;
    }
    return true;
  });
  assert.ok(stack.remaining(queue) > 0, 'deletes still in flight when the signal arrives');
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  child.kill('SIGTERM');
  const [code, signal] = await Promise.race([
    exited,
    sleep(30_000).then(() => [null, 'still running after 30 s'] as [null, string]),
  ]);
  stack.mns.setFaults({});
  assert.deepEqual([code, signal], [0, null]);
  assert.equal(stack.remaining(queue), 0, 'every in-flight delete was flushed before exit');
});

test('a second signal exits at once, and the messages it abandoned are delivered later', async () => {
  const queue = await stack.queue('it-twice', 2);
  const video = newVideoId();
  const ids = [await stack.send(queue, uploadBody(video, 1)), await stack.send(queue, uploadBody(video, 2))];
  // Deletes hang for seconds and then fail without effect, so the first SIGTERM's drain is
  // still waiting on them when the second arrives, however long the signals took to show.
  stack.mns.setFaults({ BatchDeleteMessage: { latencyMs: 5_000, dropRate: 1, dropPhase: 'before' } });
  const child = await stack.spawnPoller([queue]);
  const signalledIds = async () => (await stack.signals(video)).map((d) => d.messageId);
  const count = (list: string[], id: string) => list.filter((d) => d === id).length;
  await waitFor('each message signalled by the child poller', async () => {
    const signalled = await signalledIds();
    return ids.every((id) => count(signalled, id) >= 1);
  });
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  child.kill('SIGTERM');
  await sleep(200);
  child.kill('SIGTERM');
  const [code] = await exited;
  stack.mns.setFaults({});
  assert.equal(code, 130);
  assert.equal(stack.remaining(queue), ids.length, 'no delete got through before the exit');
  const before = await signalledIds();
  await stack.poller(stack.config([queue]));
  await waitFor('abandoned messages delivered again', () => stack.remaining(queue) === 0);
  const after = await signalledIds();
  // Every message the killed poller abandoned was signalled again after the restart.
  assert.ok(
    ids.every((id) => count(after, id) > count(before, id)),
    `before ${before.join(',')} after ${after.join(',')}`,
  );
});

test('after the workflow closed, a late duplicate is acknowledged without a new run, a new event starts one', async () => {
  const queue = await stack.queue('it-policy');
  // The real pipeline fetches play info once every stage is in: the VOD API knows this video.
  const video = await stack.vod.seedVideo({ stage: 'transcoded' });
  const at = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s)).toISOString();
  const upload = uploadBody(video, 1);
  const transcode = (time: string, job: string) =>
    JSON.stringify({
      EventType: 'TranscodeComplete',
      VideoId: video,
      Status: 'success',
      EventTime: time,
      StreamInfos: [
        { Status: 'success', JobId: job, Definition: 'HD', Format: 'mp4', FileUrl: 'https://x/y.mp4' },
      ],
    });
  const snapshot = JSON.stringify({
    EventType: 'SnapshotComplete',
    VideoId: video,
    Status: 'success',
    EventTime: at(3),
    CoverUrl: 'https://x/c.jpg',
  });
  // No linger after completion, so the run closes as soon as its steps are done.
  const poller = await stack.poller({ ...stack.config([queue]), pipeline: { lingerAfterCompletionMs: 0 } });
  for (const body of [upload, transcode(at(2), 'job-1'), snapshot]) await stack.send(queue, body);
  const handle = stack.client.workflow.getHandle(videoWorkflowId(video));
  await waitFor('the pipeline completes and closes', async () => {
    try {
      return (await handle.describe()).status.name === 'COMPLETED';
    } catch {
      return false;
    }
  });
  const closedRun = (await handle.describe()).runId;

  await stack.send(queue, upload);
  await waitFor(
    'late duplicate acknowledged',
    async () =>
      stack.remaining(queue) === 0 &&
      (await total(poller.metrics.signalled, { queue: queue.queue, outcome: 'late_after_close' })) === 1,
  );
  const afterLate = await handle.describe();
  assert.equal(afterLate.runId, closedRun, 'no fresh run for a late duplicate');
  assert.equal(afterLate.status.name, 'COMPLETED');

  const retranscode = await stack.send(queue, transcode(new Date(Date.now() + 1_000).toISOString(), 'job-2'));
  await waitFor('new event delivered', () => stack.remaining(queue) === 0);
  const latest = await handle.describe();
  assert.notEqual(latest.runId, closedRun, 'a real new event after completion starts a new run');
  assert.deepEqual(
    (await stack.signals(video)).map((d) => d.messageId),
    [retranscode],
  );
  assert.equal(await total(poller.metrics.signalled, { queue: queue.queue, outcome: 'restarted' }), 1);
});

test(
  'while Temporal is down nothing is deleted and receiving pauses; once back, everything is delivered',
  { skip: sharedTemporalSkip },
  async () => {
    const queue = await stack.queue('it-outage', 2);
    const poller = await stack.poller(stack.config([queue], { signalTimeoutMs: 1_500 }));
    await stack.stopTemporal();
    const sent = new Map<string, string>();
    try {
      for (let i = 0; i < 3; i += 1) {
        const video = newVideoId();
        sent.set(await stack.send(queue, uploadBody(video, i)), video);
      }
      await waitFor('the circuit breaker opens', () => !poller.readiness().ready);
      assert.match(poller.readiness().reason ?? '', /Temporal unreachable/);
      assert.equal(stack.remaining(queue), sent.size, 'nothing deleted');
      assert.equal(await total(poller.metrics.deleted, { queue: queue.queue }), 0);
      assert.ok((await total(poller.metrics.failures, { queue: queue.queue })) >= 1);
      // A long poll already waiting when the breaker opened may still hand out messages (they
      // go straight back unprocessed); once it returns, no loop starts another.
      const receivedWhileDown = await settledValue(
        () => total(poller.metrics.received, { queue: queue.queue }),
        2_500,
      );
      assert.equal(stack.remaining(queue), sent.size, 'still nothing deleted');
      await sleep(3_000);
      assert.equal(
        await total(poller.metrics.received, { queue: queue.queue }),
        receivedWhileDown,
        'no receiving while the breaker is open',
      );
    } finally {
      await stack.startTemporal();
    }
    await waitFor('delivered after Temporal came back', () => stack.remaining(queue) === 0, 60_000);
    for (const [id, video] of sent) {
      assert.ok(
        (await stack.signals(video)).some((d) => d.messageId === id),
        `signal of ${id}`,
      );
    }
    await waitFor('ready again', () => poller.readiness().ready);
  },
);

test(
  'a poller, a worker and an ingress started while Temporal is down are alive (/healthz 200) and not ready (/readyz 503) until Temporal comes up',
  { skip: sharedTemporalSkip },
  async () => {
    const queue = await stack.queue('it-health-start', 2);
    const ingressPort = await freePort();
    const roles = {
      poller: {
        VODFLOW_QUEUES: `${queue.region}=${queue.endpoint}/${queue.queue}`,
        VODFLOW_WAIT_SECONDS: '1',
      },
      worker: {},
      ingress: {
        VODFLOW_QUEUES: `${queue.region}=${queue.endpoint}/${queue.queue}`,
        VODFLOW_INGRESS_PORT: String(ingressPort),
        VODFLOW_CALLBACK_URL: `http://127.0.0.1:${ingressPort}/vod/events`,
        VODFLOW_CALLBACK_AUTH_KEY: 'HealthTestCallbackKey2026',
      },
    };
    await stack.stopTemporal();
    const children: { role: string; port: number; child: ChildProcess; exited: Promise<unknown> }[] = [];
    const get = async (port: number, path: string): Promise<{ status: number; body: string } | null> => {
      try {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, {
          signal: AbortSignal.timeout(2_000),
        });
        return { status: response.status, body: await response.text() };
      } catch {
        return null;
      }
    };
    try {
      let temporalUp = false;
      try {
        for (const [role, settings] of Object.entries(roles)) {
          const port = await freePort();
          const child = spawn(process.execPath, [cliMain, role], {
            env: childEnvironment({
              ...stack.stack.settings(),
              ...settings,
              VODFLOW_HTTP_PORT: String(port),
              VODFLOW_LOG_LEVEL: 'error',
            }),
            stdio: 'ignore',
          });
          children.push({ role, port, child, exited: once(child, 'exit') });
        }
        for (const { role, port } of children) {
          await waitFor(
            `the ${role}'s /healthz answers while Temporal is down`,
            async () => (await get(port, '/healthz'))?.status === 200,
            60_000,
          );
        }
        // Several looks over a few seconds: each process keeps retrying Temporal and stays alive.
        for (let i = 0; i < 3; i += 1) {
          for (const { role, port, child } of children) {
            assert.equal((await get(port, '/healthz'))?.status, 200, role);
            const ready = await get(port, '/readyz');
            assert.equal(ready?.status, 503, role);
            assert.match(ready?.body ?? '', /not ready: connecting to Temporal/, role);
            assert.equal(child.exitCode, null, `the ${role} keeps running`);
          }
          await sleep(1_000);
        }
        await stack.startTemporal();
        temporalUp = true;
      } finally {
        if (!temporalUp) await stack.startTemporal();
      }
      for (const { role, port } of children) {
        await waitFor(
          `the ${role}'s /readyz 200 once Temporal is up`,
          async () => (await get(port, '/readyz'))?.status === 200,
          90_000,
        );
        assert.equal((await get(port, '/healthz'))?.status, 200, role);
      }
    } finally {
      for (const { child, exited } of children) {
        child.kill('SIGKILL');
        await exited;
      }
    }
  },
);

/** Polls `read` until its value has not changed for `quietMs` (longer than one long poll). */
async function settledValue(
  read: () => Promise<number>,
  quietMs: number,
  timeoutMs = 30_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  let since = Date.now();
  while (Date.now() < deadline) {
    await sleep(200);
    const next = await read();
    if (next !== value) {
      value = next;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return value;
    }
  }
  throw new Error(`value still changing after ${timeoutMs} ms`);
}
