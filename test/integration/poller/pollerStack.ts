import type { Counter } from 'prom-client';
import { after, afterEach, before } from 'node:test';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPayloadConverter, type Client } from '@temporalio/client';
import type { MnsEmulator } from '../../../harness/emulators/mns';
import type { VodEmulator } from '../../../harness/emulators/vod';
import { settledHistory } from '../../../harness/stack/settlement';
import {
  startStack,
  type PollerPart,
  type Settings,
  type StackOf,
  type StackSpec,
} from '../../../harness/stack/stack';
import type { PollerTuning, VodflowConfig } from '../../../src/config';
import type { QueueSpec } from '../../../src/config/queueSpec';
import type { MnsClient } from '../../../src/mns/client';
import { escapeXml } from '../../../src/mns/xml';
import { testTemporal } from '../../harness/temporal';
import { createLogger, type Logger } from '../../../src/observability/logger';
import type { Poller } from '../../../src/poller/poller';
import type { PollerProcessOptions } from '../../../src/process/pollerProcess';
import { videoWorkflowId, type VideoEventDelivery } from '../../../src/shared/definitions';

export const credentials = { accessKeyId: 'LTAItestpoller', accessKeySecret: 'poller-test-secret' };
export const region = 'cn-shanghai';

/**
 * The stack the poller tests share, as one startStack: a real Temporal dev server of its own
 * (restartable on the same port and SQLite file, to play an outage), an in-process worker,
 * and the MNS and VOD emulators. Each test adds its pollers: in-process ones, stopped after
 * the test, and `vodflow poller` children, killed at teardown.
 */
const pollerTestStack = {
  credentials,
  region,
  logger: createLogger('poller-it', 'warn'),
  // Its own dev server, restartable to play an outage; the shared server under test:cluster.
  temporal: testTemporal(),
  mns: { mode: 'in-process' },
  vod: {},
  // Every test makes its own queues.
  setup: false,
  worker: { mode: 'in-process' },
} satisfies StackSpec;

export class PollerStack {
  stack!: StackOf<typeof pollerTestStack & { taskQueue: string }>;
  client!: Client;
  mns!: MnsEmulator;
  /** The VOD API the real pipeline's activities call (play info for completed videos). */
  vod!: VodEmulator;
  sdk!: MnsClient;
  readonly taskQueue = `poller-it-${process.pid}`;
  private readonly cleanups: (() => Promise<void>)[] = [];
  private readonly running: PollerPart[] = [];

  async start(): Promise<void> {
    this.stack = await startStack({ ...pollerTestStack, taskQueue: this.taskQueue });
    this.client = (await this.stack.temporalClient()).client;
    this.mns = this.stack.mns.emulator!;
    this.vod = this.stack.vod;
    this.sdk = this.stack.mnsClient();
  }

  get address(): string {
    return this.stack.temporal.address;
  }

  async startTemporal(): Promise<void> {
    await this.stack.temporal.start();
  }

  async stopTemporal(): Promise<void> {
    await this.stack.temporal.stop();
  }

  onTeardown(fn: () => Promise<void>): void {
    this.cleanups.push(fn);
  }

  /** Stops the in-process pollers of the test that just ran (call from afterEach). */
  async stopPollers(): Promise<void> {
    const parts = this.running.splice(0);
    await Promise.all(parts.map((part) => part.stop(2_000).catch(() => undefined)));
  }

  async teardown(): Promise<void> {
    await this.stopPollers();
    for (const fn of this.cleanups.reverse()) await fn().catch(() => undefined);
    await this.stack?.stop();
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

  /** The poller configuration of these queues with the tests' tuning, read by loadConfig. */
  config(queues: QueueSpec[], tuning: Partial<PollerTuning> = {}): VodflowConfig {
    return this.stack.config('poller', {
      ...queueSettings(queues),
      ...tuningSettings({ ...testTuning, ...tuning }),
      VODFLOW_HTTP_PORT: '0',
      VODFLOW_LOG_LEVEL: 'warn',
    });
  }

  /** A poller in this process, stopped after the test. */
  async poller(
    config: VodflowConfig,
    { logger, ...extra }: PollerProcessOptions & { logger?: Logger } = {},
  ): Promise<Poller> {
    const part = await this.stack.addPoller({
      mode: 'in-process',
      config,
      options: extra,
      logger: logger ?? createLogger('poller', 'error'),
    });
    this.running.push(part);
    return part.instance!.poller;
  }

  /** `vodflow poller` as a child process (the compiled CLI, to skip the bootstrap check). */
  async spawnPoller(queues: QueueSpec[], env: Settings = {}): Promise<ChildProcess> {
    const part = await this.stack.addPoller({
      mode: 'child',
      settings: {
        ...queueSettings(queues),
        VODFLOW_WAIT_SECONDS: '1',
        VODFLOW_VISIBILITY_TIMEOUT_SECONDS: '5',
        VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS: '2',
        VODFLOW_LOG_LEVEL: 'error',
        ...env,
      },
    });
    this.onTeardown(() => part.kill());
    return part.child!;
  }
}

function queueSettings(queues: QueueSpec[]): Settings {
  return { VODFLOW_QUEUES: queues.map((q) => `${q.region}=${q.endpoint}/${q.queue}`).join(',') };
}

/** Each tuning field's setting, so a test's tuning reaches the poller as a deployment's would. */
const tuningSetting: Record<keyof PollerTuning, string> = {
  receiveLoopsPerQueue: 'VODFLOW_RECEIVE_LOOPS',
  waitSeconds: 'VODFLOW_WAIT_SECONDS',
  batchSize: 'VODFLOW_BATCH_SIZE',
  maxInFlight: 'VODFLOW_MAX_IN_FLIGHT',
  maxDequeueCount: 'VODFLOW_MAX_DEQUEUE_COUNT',
  visibilityTimeoutSeconds: 'VODFLOW_VISIBILITY_TIMEOUT_SECONDS',
  visibilityExtendBeforeSeconds: 'VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS',
  signalTimeoutMs: 'VODFLOW_SIGNAL_TIMEOUT_MS',
  mnsTimeoutMs: 'VODFLOW_MNS_TIMEOUT_MS',
  deleteLingerMs: 'VODFLOW_DELETE_LINGER_MS',
  mnsTransport: 'VODFLOW_MNS_TRANSPORT',
  shutdownTimeoutMs: 'VODFLOW_SHUTDOWN_TIMEOUT_MS',
  queueGaugeIntervalSeconds: 'VODFLOW_QUEUE_GAUGE_INTERVAL_SECONDS',
};

function tuningSettings(tuning: PollerTuning): Settings {
  return Object.fromEntries(
    (Object.keys(tuningSetting) as (keyof PollerTuning)[]).map((key) => [
      tuningSetting[key],
      String(tuning[key]),
    ]),
  );
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
  mnsTransport: 'sdk',
  shutdownTimeoutMs: 10_000,
  queueGaugeIntervalSeconds: 30,
};

/**
 * One stack for a test file: started before its first test, its pollers stopped after each
 * (after `afterEachTest`, for a file that resets more), torn down at the end.
 */
export function usePollerStack(afterEachTest?: (stack: PollerStack) => void): PollerStack {
  const stack = new PollerStack();
  before(async () => {
    await stack.start();
  });
  afterEach(async () => {
    afterEachTest?.(stack);
    await stack.stopPollers();
  });
  after(async () => {
    await stack.teardown();
  });
  return stack;
}

/** The sum of a counter's series whose labels include `labels`. */
export async function total(counter: Counter<string>, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await counter.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))
    .reduce((sum, v) => sum + v.value, 0);
}

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

/** Poller options whose signals each wait `ms` before reaching Temporal: leases must be extended meanwhile. */
export function slowSignaller(ms: number): PollerProcessOptions {
  return {
    signaller: (real: { signal: (i: never) => Promise<unknown> }) => ({
      signal: async (input: never) => {
        await sleep(ms);
        return real.signal(input);
      },
    }),
  } as never;
}
