import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, defaultPayloadConverter } from '@temporalio/client';
import type { PollerTuning, VodflowConfig } from '../../../src/config';
import type { QueueSpec } from '../../../src/config/queueSpec';
import { decode } from '../../../src/events';
import { startMnsEmulator, type MnsEmulator } from '../../../harness/emulators/mns';
import { startVodEmulator, type VodEmulator } from '../../../harness/emulators/vod';
import { createMnsClient, type MnsClient } from '../../../src/mns/client';
import { createLogger } from '../../../src/observability/logger';
import { escapeXml } from '../../../src/poller/mnsQueue';
import { createPoller, type Poller, type PollerOptions } from '../../../src/poller/poller';
import { connectTemporal, type TemporalClientBundle } from '../../../src/process/temporalConnection';
import { freePort } from '../../../harness/stack/freePort';
import { repoRoot } from '../../../harness/stack/paths';
import { settledHistory } from '../../../harness/stack/settlement';
import { startTemporalDevServer, type TemporalDevServer } from '../../../harness/stack/temporalDevServer';
import { startWorker, type RunningWorker } from '../../../src/worker/createWorker';
import { videoWorkflowId, type VideoEventDelivery } from '../../../src/shared/definitions';

export const credentials = { accessKeyId: 'LTAItestpoller', accessKeySecret: 'poller-test-secret' };
export const region = 'cn-shanghai';

/**
 * One real Temporal dev server (restartable on the same port and SQLite file, to play an
 * outage), one worker, and one MNS emulator, shared by the tests of a file.
 */
export class PollerStack {
  server!: TemporalDevServer;
  connection!: Connection;
  client!: Client;
  worker!: RunningWorker;
  mns!: MnsEmulator;
  /** The VOD API the real pipeline's activities call (play info for completed videos). */
  vod!: VodEmulator;
  sdk!: MnsClient;
  readonly taskQueue = `poller-it-${process.pid}`;
  private dataDir = '';
  private port = 0;
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly running: (() => Promise<void>)[] = [];

  async start(): Promise<void> {
    this.dataDir = await mkdtemp(path.join(tmpdir(), 'vodflow-poller-it-'));
    this.port = await freePort();
    await this.startTemporal();
    this.connection = await Connection.connect({ address: this.address });
    this.client = new Client({ connection: this.connection, namespace: 'default' });
    this.vod = await startVodEmulator({ credentials: [credentials], region });
    this.worker = await startWorker({
      address: this.address,
      namespace: 'default',
      taskQueue: this.taskQueue,
      activityDeps: {
        vod: { credentials, endpoint: this.vod.endpoint, timeoutMs: 10_000 },
        webhook: { secrets: [], timeoutMs: 10_000 },
      },
    });
    this.mns = await startMnsEmulator({ credentials: [credentials], logger: createLogger('mns', 'warn') });
    this.sdk = createMnsClient({ endpoint: this.mns.endpoint, ...credentials, timeoutMs: 10_000 });
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async startTemporal(): Promise<void> {
    this.server = await startTemporalDevServer({
      port: this.port,
      dbFile: path.join(this.dataDir, 'temporal.db'),
      synchronous: 'OFF',
    });
  }

  async stopTemporal(): Promise<void> {
    await this.server.stop();
  }

  onTeardown(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** Stops the in-process pollers of the test that just ran (call from afterEach). */
  async stopPollers(): Promise<void> {
    const stops = this.running.splice(0);
    await Promise.all(stops.map((stop) => stop().catch(() => undefined)));
  }

  async teardown(): Promise<void> {
    await this.stopPollers();
    for (const fn of this.cleanups.reverse()) await fn().catch(() => undefined);
    await this.worker?.shutdown().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
    await this.mns?.stop();
    await this.vod?.stop();
    await this.server?.stop();
    if (this.dataDir) await rm(this.dataDir, { recursive: true, force: true });
  }

  /** A queue and its dead-letter queue with a short visibility timeout, so leftovers come back fast. */
  async queue(name: string, visibilityTimeoutSeconds = 3, regionName = region): Promise<QueueSpec> {
    await this.sdk.createQueue(name, { VisibilityTimeout: visibilityTimeoutSeconds });
    await this.sdk.createQueue(`${name}-dlq`, {});
    return { region: regionName, endpoint: this.mns.endpoint, queue: name, deadLetterQueue: `${name}-dlq` };
  }

  async send(queue: QueueSpec, body: string): Promise<string> {
    const response = await this.sdk.sendMessage(queue.queue, { MessageBody: escapeXml(body) });
    return response.body.MessageId;
  }

  /** Messages still in the queue, visible or not. */
  remaining(queue: QueueSpec | string): number {
    return this.mns.queueStats(typeof queue === 'string' ? queue : queue.queue)?.total ?? -1;
  }

  /** Every vodEvent signal in the history of the video's latest run, oldest first (buffered ones included). */
  async signals(mediaId: string): Promise<VideoEventDelivery[]> {
    const deliveries: VideoEventDelivery[] = [];
    const handle = this.client.workflow.getHandle(videoWorkflowId(mediaId));
    let history;
    try {
      history = await settledHistory(handle);
    } catch {
      return [];
    }
    for (const event of history.events ?? []) {
      const attributes = event.workflowExecutionSignaledEventAttributes;
      if (attributes?.signalName !== 'vodEvent') continue;
      deliveries.push(defaultPayloadConverter.fromPayload(attributes.input!.payloads![0]!));
    }
    return deliveries;
  }

  config(queues: QueueSpec[], tuning: Partial<PollerTuning> = {}): VodflowConfig {
    return {
      credentials,
      temporal: { address: this.address, namespace: 'default', taskQueue: this.taskQueue },
      queues,
      poller: { ...testTuning, ...tuning },
      http: { host: '127.0.0.1', port: 0 },
      logLevel: 'warn',
      sdkLogLevel: 'warn',
      insecureEndpoints: [],
      worker: { vodTimeoutMs: 10_000, webhookTimeoutMs: 10_000 },
      pipeline: {},
    };
  }

  /** A poller in this process, stopped at teardown. */
  async poller(config: VodflowConfig, extra: Partial<PollerOptions> = {}): Promise<Poller> {
    const temporal: TemporalClientBundle = await connectTemporal(config.temporal);
    const poller = createPoller({
      config,
      client: temporal.client,
      probe: () => temporal.probe(),
      decode,
      logger: createLogger('poller', 'error'),
      ...extra,
    });
    poller.start();
    this.running.push(async () => {
      await poller.stop(2_000);
      await temporal.close();
    });
    return poller;
  }

  /** `bin/vodflow poller` as a child process (the compiled CLI, to skip the bootstrap check). */
  spawnPoller(queues: QueueSpec[], env: Record<string, string> = {}): ChildProcess {
    const child = spawn(process.execPath, [path.join(repoRoot, 'dist/cli/main.js'), 'poller'], {
      env: {
        PATH: process.env.PATH ?? '',
        ALIBABA_CLOUD_ACCESS_KEY_ID: credentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: credentials.accessKeySecret,
        TEMPORAL_ADDRESS: this.address,
        VODFLOW_TASK_QUEUE: this.taskQueue,
        VODFLOW_QUEUES: queues.map((q) => `${q.region}=${q.endpoint}/${q.queue}`).join(','),
        VODFLOW_WAIT_SECONDS: '1',
        VODFLOW_VISIBILITY_TIMEOUT_SECONDS: '5',
        VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS: '2',
        VODFLOW_HTTP_HOST: '127.0.0.1',
        VODFLOW_HTTP_PORT: '0',
        VODFLOW_LOG_LEVEL: 'error',
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const kill = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = once(child, 'exit');
        child.kill('SIGKILL');
        await gone;
      }
    };
    this.onTeardown(kill);
    return child;
  }
}

export const testTuning: PollerTuning = {
  receiveLoopsPerQueue: 2,
  waitSeconds: 1,
  batchSize: 16,
  maxInFlight: 64,
  maxDequeueCount: 10,
  visibilityTimeoutSeconds: 5,
  visibilityExtendBeforeSeconds: 2,
  signalTimeoutMs: 3_000,
  mnsTimeoutMs: 5_000,
  deleteLingerMs: 2,
  shutdownTimeoutMs: 10_000,
};

/** Polls until the check passes; the timeout is generous because the machine is shared. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
}

let videoCounter = 0;
export function newVideoId(): string {
  videoCounter += 1;
  return `v${process.pid}x${videoCounter}x${Math.random().toString(36).slice(2, 8)}`;
}

/** A FileUploadComplete body; `second` tells distinct uploads of one video apart. */
export function uploadBody(videoId: string, second = 0): string {
  return JSON.stringify({
    EventType: 'FileUploadComplete',
    VideoId: videoId,
    Status: 'success',
    EventTime: new Date(Date.UTC(2024, 0, 1, 0, 0, second)).toISOString().replace('.000', ''),
    Size: 1024,
    FileUrl: `https://out.example.com/${videoId}.mp4`,
  });
}

/**
 * The same client, telling `onPersisted` each message whose signalWithStart has returned
 * successfully, i.e. whose signal the server has persisted.
 */
export function observingSignals(client: Client, onPersisted: (messageId: string) => void): Client {
  const forward = <T extends object>(target: T, own: Partial<Record<PropertyKey, unknown>>): T =>
    new Proxy(target, {
      get(object, property) {
        if (property in own) return own[property];
        const value: unknown = Reflect.get(object, property, object);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(object) : value;
      },
    });
  const workflow = forward(client.workflow, {
    signalWithStart: async (...args: Parameters<Client['workflow']['signalWithStart']>) => {
      const handle = await client.workflow.signalWithStart(...args);
      const [delivery] = (args[1].signalArgs ?? []) as [VideoEventDelivery?];
      if (delivery) onPersisted(delivery.messageId);
      return handle;
    },
  });
  return forward(client, { workflow });
}
