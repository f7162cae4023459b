/**
 * The system under test, as the chaos run needs it: every part vodflow runs as its own child
 * process on a fixed port, so each can be SIGKILLed and started again in place: Temporal (the
 * dev server on the same SQLite file, or the self-hosted cluster over mTLS, whose processes
 * scripts/cluster kills and restarts), the MNS emulator (same data dir), two pollers on one
 * queue and two workers on one task queue. In HTTP mode VOD posts to `vodflow ingress` (a
 * child too) instead, and there are no pollers: MNS holds only the dead-letter queue. In this
 * process, what stands outside the system: the VOD emulator (VOD itself) and the webhook sink
 * (the customer). One startStack call builds it.
 */
import type { VodEmulator } from '../harness/emulators/vod';
import type { StackPart } from '../harness/stack/part';
import {
  startStack,
  type IngressPart,
  type MnsPart,
  type PollerPart,
  type Stack,
  type WorkerPart,
} from '../harness/stack/stack';
import type { RunningCluster } from '../harness/cluster/cluster';
import type { MnsClient } from '../src/mns/client';
import { startWebhookSink, type WebhookSink } from './webhookSink';

export interface ChaosStackOptions {
  dataDir: string;
  seed: number;
  /** VOD emulator timeline multiplier (1 ≈ 2–5 s per video). */
  vodTimeScale: number;
  /** VODFLOW_PIPELINE_OPTIONS: the poller sends them with every workflow start. */
  pipelineOptions: Record<string, unknown>;
  pollerEnv?: Record<string, string>;
  /**
   * Run on this cluster instead of a dev server of its own, in a namespace of this run's
   * (registered with the search attributes): runs never see each other's workflows.
   */
  cluster?: { handle: RunningCluster; namespace: string };
  /** Where VOD pushes: the MNS queue (default) or the HTTP ingress. */
  callback?: 'mns' | 'http';
}

export interface ChaosStack {
  stack: Stack;
  credentials: { accessKeyId: string; accessKeySecret: string };
  temporalAddress: string;
  namespace: string;
  /** TEMPORAL_* settings of a client of this run's Temporal (TLS on the cluster). */
  temporalClientEnv: Record<string, string>;
  /** The cluster the run uses, or null on the dev server. */
  cluster: RunningCluster | null;
  mnsEndpoint: string;
  queue: string;
  deadLetterQueue: string;
  temporal: StackPart;
  mns: MnsPart;
  callback: 'mns' | 'http';
  pollers: PollerPart[];
  workers: WorkerPart[];
  /** HTTP mode: `vodflow ingress`. */
  ingress: IngressPart | null;
  vod: VodEmulator;
  sink: WebhookSink;
  webhookSecret: string;
  mnsClient: MnsClient;
  stop(): Promise<void>;
}

/** The chaos run's VOD AuthKey: a test value, not a secret. */
export const chaosCallbackAuthKey = 'ChaosCallbackKeyNotReal2026';

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  // Standard Webhooks form (whsec_ + base64 of 32 bytes); a test value, not a secret.
  const webhookSecret = 'whsec_Y2hhb3Mtd2ViaG9vay1zZWNyZXQtbm90LXJlYWwtMzI=';
  const sink = await startWebhookSink({ secret: webhookSecret, seed: options.seed });
  const callback = options.callback ?? 'mns';
  const pollers = {
    mode: 'child',
    count: 2,
    settings: {
      VODFLOW_VISIBILITY_TIMEOUT_SECONDS: '12',
      VODFLOW_VISIBILITY_EXTEND_BEFORE_SECONDS: '4',
      VODFLOW_WAIT_SECONDS: '2',
      ...(options.pollerEnv ?? {}),
    },
  } as const;
  const stack = await startStack({
    dataDir: options.dataDir,
    credentials: { accessKeyId: 'chaos-ak', accessKeySecret: 'chaos-secret-not-real' },
    taskQueue: 'vodflow-chaos',
    temporal: options.cluster
      ? {
          mode: 'existing',
          address: options.cluster.handle.address,
          namespace: options.cluster.namespace,
          createNamespace: true,
          clientEnv: options.cluster.handle.env,
        }
      : { mode: 'dev-server', storage: 'file', synchronous: 'NORMAL' },
    // A killed poller's leases come back after the queue's visibility timeout: short keeps the run short.
    mns: { mode: 'child', persist: true, queueAttributes: { VisibilityTimeout: 30 } },
    vod: { timeScale: options.vodTimeScale, seed: options.seed },
    webhook: { mode: 'external', url: sink.url, secret: webhookSecret },
    // Two workers on one task queue; two pollers on one MNS queue, or the ingress in HTTP mode.
    worker: { mode: 'child', count: 2 },
    ...(callback === 'http'
      ? { ingress: { mode: 'child', authKey: chaosCallbackAuthKey }, callback: 'http' }
      : { poller: pollers }),
    settings: {
      VODFLOW_LOG_LEVEL: 'warn',
      VODFLOW_PIPELINE_OPTIONS: JSON.stringify(options.pipelineOptions),
    },
  }).catch(async (err: unknown) => {
    await sink.close();
    throw err;
  });
  const { mns, vod, workers } = stack;
  return {
    stack,
    credentials: stack.credentials,
    temporalAddress: stack.temporal.address,
    namespace: stack.temporal.namespace,
    temporalClientEnv: stack.temporal.clientEnv,
    cluster: options.cluster?.handle ?? null,
    mnsEndpoint: mns.endpoint,
    queue: stack.queue,
    deadLetterQueue: stack.deadLetterQueue,
    temporal: stack.temporal,
    mns,
    callback,
    pollers: stack.pollers,
    workers,
    ingress: stack.ingress,
    vod,
    sink,
    webhookSecret,
    mnsClient: stack.mnsClient(),
    async stop() {
      await stack.stop();
      await sink.close();
    },
  };
}
