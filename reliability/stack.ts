/**
 * The system under test as real child processes on fixed ports, so each can be SIGKILLed
 * and started again in place: the Temporal dev server (same SQLite file), the MNS emulator
 * (same data dir), two pollers on one queue and a worker. Plus, in-process, what stands
 * outside the system: the VOD emulator (VOD itself) and the webhook sink (the customer).
 */
import path from 'node:path';
import RPCClient from '@alicloud/pop-core';
import MNSClient from '@alicloud/mns';
import { Connection } from '@temporalio/client';
import { startVodEmulator, type VodEmulator } from '../harness/emulators/vod';
import { freePort } from '../harness/stack/freePort';
import { repoRoot } from '../harness/stack/paths';
import { ensureSearchAttributes, ensureTemporalBinary } from '../harness/stack/temporalDevServer';
import { vodflowSearchAttributes } from '../src/shared/searchAttributes';
import { superviseProcess, type SupervisedProcess } from './supervisedProcess';
import { startWebhookSink, type WebhookSink } from './webhookSink';

export interface ChaosStackOptions {
  dataDir: string;
  seed: number;
  /** VOD emulator timeline multiplier (1 ≈ 2–5 s per video). */
  vodTimeScale: number;
  /** VODFLOW_PIPELINE_OPTIONS: the poller sends them with every workflow start. */
  pipelineOptions: Record<string, unknown>;
  pollerEnv?: Record<string, string>;
}

export interface ChaosStack {
  credentials: { accessKeyId: string; accessKeySecret: string };
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  mnsEndpoint: string;
  queue: string;
  deadLetterQueue: string;
  temporal: SupervisedProcess;
  mns: SupervisedProcess;
  pollers: SupervisedProcess[];
  worker: SupervisedProcess;
  vod: VodEmulator;
  sink: WebhookSink;
  webhookSecret: string;
  mnsClient: MNSClient;
  /** Sets the MNS emulator's fault config through its admin endpoint. */
  setMnsFaults(config: Record<string, unknown>): Promise<void>;
  stop(): Promise<void>;
}

/** The vodflow CLI the children run; VODFLOW_CHAOS_CLI points the run at another build. */
const mainJs = process.env.VODFLOW_CHAOS_CLI ?? path.join(repoRoot, 'dist', 'cli', 'main.js');
const eventTypes =
  'FileUploadComplete,VideoAnalysisComplete,StreamTranscodeComplete,TranscodeComplete,SnapshotComplete,DeleteMediaComplete';

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const credentials = { accessKeyId: 'chaos-ak', accessKeySecret: 'chaos-secret-not-real' };
  // Standard Webhooks form (whsec_ + base64 of 32 bytes); a test value, not a secret.
  const webhookSecret = 'whsec_Y2hhb3Mtd2ViaG9vay1zZWNyZXQtbm90LXJlYWwtMzI=';
  const namespace = 'default';
  const taskQueue = 'vodflow-chaos';
  const queue = 'vod-events';
  const deadLetterQueue = `${queue}-dlq`;
  const [temporalPort, mnsPort, pollerPortA, pollerPortB, workerPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const mnsEndpoint = `http://127.0.0.1:${mnsPort}`;
  const log = (name: string): string => path.join(options.dataDir, `${name}.log`);
  const stopped: (() => Promise<void>)[] = [];

  try {
    const temporal = superviseProcess({
      name: 'temporal',
      command: ensureTemporalBinary(),
      args: [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(temporalPort),
        '--headless',
        '--namespace',
        namespace,
        '--db-filename',
        path.join(options.dataDir, 'temporal.db'),
        '--log-level',
        'error',
        '--sqlite-pragma',
        'journal_mode=WAL',
        '--sqlite-pragma',
        'synchronous=NORMAL',
        '--dynamic-config-value',
        'frontend.enableServerVersionCheck=false',
        ...vodflowSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]),
      ],
      env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
      logFile: log('temporal'),
      ready: () => temporalServing(temporalAddress),
      readyTimeoutMs: 90_000,
    });
    stopped.push(() => temporal.stop());
    await temporal.start();
    await ensureSearchAttributes(temporalAddress, namespace);

    const mns = superviseProcess({
      name: 'mns-emulator',
      command: process.execPath,
      args: [
        mainJs,
        'mns-emulator',
        '--port',
        String(mnsPort),
        '--access-key-id',
        credentials.accessKeyId,
        '--access-key-secret',
        credentials.accessKeySecret,
        '--data-dir',
        path.join(options.dataDir, 'mns'),
        '--admin',
      ],
      env: { ...process.env, VODFLOW_LOG_LEVEL: 'warn' },
      logFile: log('mns-emulator'),
      ready: async () =>
        (await fetch(`${mnsEndpoint}/__admin/stats`, { signal: AbortSignal.timeout(2_000) })).ok,
    });
    stopped.push(() => mns.stop());
    await mns.start();
    const mnsClient = new MNSClient('vodflow', {
      endpoint: mnsEndpoint,
      ...credentials,
      readTimeout: 15_000,
      connectTimeout: 5_000,
    });
    for (const name of [queue, deadLetterQueue]) {
      await mnsClient.createQueue(name, { MessageRetentionPeriod: 345_600, VisibilityTimeout: 30 });
    }

    const vod = await startVodEmulator({
      credentials: [credentials],
      mnsCredentials: credentials,
      timeScale: options.vodTimeScale,
      seed: options.seed,
    });
    stopped.push(() => vod.stop());
    const pop = new RPCClient({ ...credentials, endpoint: vod.endpoint, apiVersion: '2017-03-21' });
    await pop.request(
      'SetMessageCallback',
      { CallbackType: 'MNS', MnsEndpoint: `${mnsEndpoint}/`, MnsQueueName: queue, EventTypeList: eventTypes },
      { method: 'POST', timeout: 10_000 },
    );

    const sink = await startWebhookSink({ secret: webhookSecret, seed: options.seed });
    stopped.push(() => sink.close());

    const common = {
      ...process.env,
      ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      VODFLOW_TASK_QUEUE: taskQueue,
      VODFLOW_LOG_LEVEL: 'warn',
      VODFLOW_PIPELINE_OPTIONS: JSON.stringify(options.pipelineOptions),
    };
    const worker = superviseProcess({
      name: 'worker',
      command: process.execPath,
      args: [mainJs, 'worker'],
      env: {
        ...common,
        VODFLOW_HTTP_HOST: '127.0.0.1',
        VODFLOW_HTTP_PORT: String(workerPort),
        VODFLOW_WEBHOOK_URL: sink.url,
        VODFLOW_WEBHOOK_SECRET: webhookSecret,
        VODFLOW_VOD_ENDPOINT: vod.endpoint,
      },
      logFile: log('worker'),
      ready: () => httpAnswers(`http://127.0.0.1:${workerPort}/`),
      readyTimeoutMs: 60_000,
    });
    stopped.push(() => worker.stop());

    const pollers = [pollerPortA, pollerPortB].map((port, i) =>
      superviseProcess({
        name: `poller-${i}`,
        command: process.execPath,
        args: [mainJs, 'poller'],
        env: {
          ...common,
          VODFLOW_QUEUES: `cn-shanghai=${mnsEndpoint}/${queue}`,
          VODFLOW_HTTP_HOST: '127.0.0.1',
          VODFLOW_HTTP_PORT: String(port),
          // A killed poller's leases come back after this; short keeps the run short.
          VODFLOW_VISIBILITY_TIMEOUT_SECONDS: '12',
          VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS: '4',
          VODFLOW_WAIT_SECONDS: '2',
          ...(options.pollerEnv ?? {}),
        },
        logFile: log(`poller-${i}`),
        ready: () => httpAnswers(`http://127.0.0.1:${port}/`),
        readyTimeoutMs: 60_000,
      }),
    );
    for (const poller of pollers) stopped.push(() => poller.stop());

    await Promise.all([worker.start(), ...pollers.map((p) => p.start())]);

    const setMnsFaults = async (config: Record<string, unknown>): Promise<void> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          const response = await fetch(`${mnsEndpoint}/__admin/faults`, {
            method: 'PUT',
            body: JSON.stringify(config),
            signal: AbortSignal.timeout(5_000),
          });
          if (response.ok) return;
          throw new Error(`admin faults answered ${response.status}: ${await response.text()}`);
        } catch (err) {
          if (Date.now() > deadline) throw err;
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
      }
    };

    return {
      credentials,
      temporalAddress,
      namespace,
      taskQueue,
      mnsEndpoint,
      queue,
      deadLetterQueue,
      temporal,
      mns,
      pollers,
      worker,
      vod,
      sink,
      webhookSecret,
      mnsClient,
      setMnsFaults,
      stop: () => stopAll(stopped),
    };
  } catch (err) {
    await stopAll(stopped);
    throw err;
  }
}

/** Stops in reverse start order; one failing stop does not keep the others running. */
async function stopAll(stops: (() => Promise<void>)[]): Promise<void> {
  for (const stop of [...stops].reverse()) {
    await stop().catch(() => undefined);
  }
}

export async function temporalServing(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    const response = await connection.withDeadline(Date.now() + 2_000, () =>
      connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }),
    );
    return response.status === 1;
  } finally {
    await connection.close();
  }
}

/** Any HTTP answer means the process is up and serving its health/metrics port. */
async function httpAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
  await response.arrayBuffer();
  return true;
}
