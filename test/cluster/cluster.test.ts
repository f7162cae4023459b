// The self-hosted cluster (scripts/cluster, docs/CLUSTER.md) end to end: mTLS, a
// workflow through separate frontend/history/matching processes on PostgreSQL,
// visibility by a custom search attribute, and a workflow that survives SIGKILLed
// services and a PostgreSQL restart. Slow (minutes; the first run builds the server),
// so it is not under test/integration and `npm test` does not run it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import tls from 'node:tls';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowExecutionInfo } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import {
  clusterSearchAttributes,
  repositoryRoot,
  startCluster,
  type RunningCluster,
} from '../../harness/cluster/cluster';
import { clusterGreeting, clusterWaitForRelease, releaseSignal, type ClusterActivities } from './workflows';

const VideoId = defineSearchAttributeKey('VideoId', SearchAttributeType.KEYWORD);
const VodStage = defineSearchAttributeKey('VodStage', SearchAttributeType.KEYWORD);

// A cluster of its own beside the developer's (.vodflow/cluster on 17233) and a dev server.
const stateDir =
  process.env.VODFLOW_CLUSTER_TEST_DIR ?? path.join(repositoryRoot, '.vodflow', 'cluster-test');
const portBase = Number(process.env.VODFLOW_CLUSTER_TEST_PORT_BASE ?? 18233);
const keepRunning = process.env.VODFLOW_CLUSTER_TEST_KEEP === '1';

const run = `${process.pid}-${Date.now().toString(36)}`;
const taskQueue = `cluster-test-${run}`;

let cluster: RunningCluster;
let connection: Connection;
let client: Client;
let worker: Worker;
let workerRun: Promise<void> | undefined;
let workerError: unknown;

function tlsFiles(c: RunningCluster) {
  return {
    serverNameOverride: c.tls.serverName,
    serverRootCACertificate: readFileSync(c.tls.serverCaPath),
    clientCertPair: { crt: readFileSync(c.tls.clientCertPath), key: readFileSync(c.tls.clientKeyPath) },
  };
}

async function eventually<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  throw new Error(`${what} not within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

async function listByQuery(query: string): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query })) found.push(info);
  return found;
}

before(
  async () => {
    // The SDK's INFO lines (bundle, worker state) would bury the test report.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const t0 = Date.now();
    cluster = await startCluster({ stateDir, portBase });
    console.log(`# cluster ready in ${Date.now() - t0} ms at ${cluster.address} (state ${cluster.stateDir})`);
    connection = await Connection.connect({
      address: cluster.address,
      tls: tlsFiles(cluster),
      connectTimeout: '10s',
    });
    client = new Client({ connection, namespace: cluster.namespace });
    const nativeConnection = await NativeConnection.connect({
      address: cluster.address,
      tls: tlsFiles(cluster),
    });
    const activities: ClusterActivities = {
      greet: (name) => Promise.resolve(`hello, ${name}`),
    };
    worker = await Worker.create({
      connection: nativeConnection,
      namespace: cluster.namespace,
      taskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities,
    });
    workerRun = worker.run().then(
      () => nativeConnection.close(),
      (err: unknown) => {
        workerError = err;
        return nativeConnection.close();
      },
    );
  },
  { timeout: 45 * 60_000 },
);

after(
  async () => {
    if (workerRun) {
      worker.shutdown();
      await workerRun;
    }
    await connection?.close();
    if (cluster && !keepRunning) await cluster.stop();
    if (cluster) {
      const left = (await cluster.status()).filter((p) => p.up);
      assert.deepEqual(
        left.map((p) => p.name),
        keepRunning ? left.map((p) => p.name) : [],
        'nothing left running',
      );
    }
    assert.equal(workerError, undefined, `the worker failed: ${String(workerError)}`);
  },
  { timeout: 5 * 60_000 },
);

test('every service runs as its own process, two of them history', async () => {
  const status = await cluster.status();
  assert.deepEqual(
    status.map((p) => [p.name, p.up]),
    [
      ['postgres', true],
      ['history-1', true],
      ['history-2', true],
      ['matching', true],
      ['frontend', true],
      ['worker', true],
    ],
  );
  const pids = new Set(status.map((p) => p.pid));
  assert.equal(pids.size, status.length, 'distinct pids');
  assert.equal(cluster.env.TEMPORAL_ADDRESS, cluster.address);
  assert.equal(cluster.env.TEMPORAL_TLS_CLIENT_CERT_PATH, cluster.tls.clientCertPath);
});

/** A bare TLS handshake with the frontend: the error it ends with, or 'accepted'. */
async function handshake(withClientCert: boolean): Promise<string> {
  const [host, port] = cluster.address.split(':') as [string, string];
  const socket = tls.connect({
    host,
    port: Number(port),
    servername: cluster.tls.serverName,
    ca: readFileSync(cluster.tls.serverCaPath),
    ALPNProtocols: ['h2'],
    ...(withClientCert
      ? { cert: readFileSync(cluster.tls.clientCertPath), key: readFileSync(cluster.tls.clientKeyPath) }
      : {}),
  });
  try {
    await once(socket, 'secureConnect');
    // TLS 1.3 finishes the client's side of the handshake before the server checks the
    // certificate; the refusal arrives as an alert on the first read.
    // With a certificate the server speaks first (HTTP/2 SETTINGS).
    return await Promise.race([
      once(socket, 'data').then(() => 'accepted'),
      sleep(5_000, 'no answer', { ref: false }),
    ]);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  } finally {
    socket.destroy();
  }
}

test('the frontend refuses a client without a certificate', async () => {
  assert.equal(await handshake(false), 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  assert.equal(await handshake(true), 'accepted');
  const caOnly = {
    serverNameOverride: cluster.tls.serverName,
    serverRootCACertificate: readFileSync(cluster.tls.serverCaPath),
  };
  await assert.rejects(async () => {
    const c = await Connection.connect({ address: cluster.address, tls: caOnly, connectTimeout: '5s' });
    try {
      // Connect already calls the server; a second call makes sure nothing got through.
      await c.withDeadline(Date.now() + 5_000, () => c.workflowService.getSystemInfo({}));
    } finally {
      await c.close();
    }
  });
  await assert.rejects(async () => {
    const c = await Connection.connect({ address: cluster.address, connectTimeout: '5s' });
    await c.close();
  }, 'plaintext is refused too');
  // And the same call with the client certificate works.
  const info = await connection.workflowService.getSystemInfo({});
  assert.ok(info.serverVersion, 'server version');
});

test('a workflow runs end to end over mTLS and visibility finds it by a custom search attribute', async () => {
  const videoId = `video-${run}-a`;
  const handle = await client.workflow.start(clusterGreeting, {
    taskQueue,
    workflowId: `cluster-greeting-${run}`,
    args: ['cluster'],
    typedSearchAttributes: [
      { key: VideoId, value: videoId },
      { key: VodStage, value: 'probe' },
    ],
  });
  assert.equal(await handle.result(), 'hello, cluster');
  const history = await handle.fetchHistory();
  assert.ok((history.events ?? []).length >= 8, 'a full history with an activity');

  const listed = await eventually('the workflow in visibility', 60_000, async () => {
    const found = await listByQuery(`VideoId = '${videoId}' AND ExecutionStatus = 'Completed'`);
    return found.length > 0 ? found : undefined;
  });
  assert.equal(listed.length, 1);
  assert.equal(listed[0]?.workflowId, handle.workflowId);
  assert.equal(listed[0]?.typedSearchAttributes.get(VodStage), 'probe');

  // All of vodflow's attributes are registered, with their types.
  const registered = await connection.operatorService.listSearchAttributes({ namespace: cluster.namespace });
  for (const name of Object.keys(clusterSearchAttributes)) {
    assert.ok(registered.customAttributes?.[name] !== undefined, `${name} is registered`);
  }
});

test('workflows survive SIGKILLed history and matching processes and a PostgreSQL crash', async () => {
  // In flight across the faults: started, then blocked on a signal.
  const inFlight = await client.workflow.start(clusterWaitForRelease, {
    taskQueue,
    workflowId: `cluster-in-flight-${run}`,
    args: ['survivor'],
    typedSearchAttributes: [{ key: VideoId, value: `video-${run}-b` }],
  });
  await eventually('the in-flight workflow to have its first task done', 60_000, async () => {
    const history = await inFlight.fetchHistory();
    const done = (history.events ?? []).some((e) => e.workflowTaskCompletedEventAttributes);
    return done ? true : undefined;
  });

  await cluster.kill('history-1');
  await cluster.kill('matching');
  const down = await cluster.status();
  assert.equal(down.find((p) => p.name === 'history-1')?.up, false);
  assert.equal(down.find((p) => p.name === 'matching')?.up, false);
  await cluster.restart('history-1');
  await cluster.restart('matching');

  // PostgreSQL killed like a power cut (no checkpoint), then started: crash recovery.
  await cluster.kill('postgres');
  await cluster.restart('postgres');
  const up = await cluster.status();
  assert.ok(
    up.every((p) => p.up),
    `all up again: ${JSON.stringify(up)}`,
  );

  // The signal and a new workflow both go through; the server retries its own
  // transient errors while shards move back, so give it time but not forever.
  await eventually('the release signal to be accepted', 120_000, async () => {
    await inFlight.signal(releaseSignal, 'test');
    return true;
  });
  const fresh = await eventually('a new workflow to start', 120_000, () =>
    client.workflow.start(clusterGreeting, {
      taskQueue,
      workflowId: `cluster-after-faults-${run}`,
      args: ['after the faults'],
      typedSearchAttributes: [{ key: VideoId, value: `video-${run}-c` }],
    }),
  );
  assert.equal(await fresh.result(), 'hello, after the faults');
  assert.equal(await inFlight.result(), 'hello, survivor (released by test)');

  // The in-flight workflow's record went through PostgreSQL's crash and is still listed.
  const listed = await eventually('both workflows in visibility', 60_000, async () => {
    const found = await listByQuery(
      `VideoId IN ('video-${run}-b', 'video-${run}-c') AND ExecutionStatus = 'Completed'`,
    );
    return found.length === 2 ? found : undefined;
  });
  assert.equal(listed.length, 2);
});
