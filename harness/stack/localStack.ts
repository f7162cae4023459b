/**
 * The stack of `vodflow dev` and `vodflow demo`: the whole of vodflow on one machine, on
 * documented ports. Temporal (with its Web UI) is a child process; the MNS emulator (data
 * kept in the data dir), the VOD emulator, the webhook receiver, the worker, the poller and
 * the HTTP callback ingress run in this process, wired through the same configuration a
 * production deployment reads. The VOD emulator pushes to the queue, or with `callback:
 * 'http'` to the ingress; both receivers always run.
 */
import type { VodflowConfig } from '../../src/config';
import type { Logger } from '../../src/observability/logger';
import type { SetupAction } from '../../src/operations/setup';
import type { MnsEmulator } from '../emulators/mns';
import type { VodEmulator } from '../emulators/vod';
import {
  localCallbackAuthKey,
  localCredentials,
  localWebhookSecret,
  startStack,
  type MnsSpec,
  type Stack,
  type StackSpec,
  type IngressSpec,
  type TemporalSpec,
  type VodSpec,
  type WebhookSpec,
} from './stack';
import type { TemporalServer } from './temporalDevServer';
import type { WebhookSink } from './webhookReceiver';

export { localCallbackAuthKey, localCredentials, localWebhookSecret } from './stack';

export interface LocalStackPorts {
  temporal: number;
  ui: number;
  mns: number;
  vod: number;
  webhook: number;
  metrics: number;
  ingress: number;
}

export const defaultLocalPorts: LocalStackPorts = {
  temporal: 7233,
  ui: 8233,
  mns: 9100,
  vod: 9200,
  webhook: 9300,
  metrics: 9464,
  ingress: 9400,
};

export interface LocalStackOptions {
  /** Temporal's SQLite file and the MNS emulator's data live here. */
  dataDir: string;
  ports: LocalStackPorts;
  region?: string;
  queueName?: string;
  /** VOD emulator timeline: 1 ≈ 2–5 s per video. */
  timeScale?: number;
  /** The user's own endpoint; without it a local receiver takes the publications. */
  webhookUrl?: string;
  webhookSecret?: string;
  /** Where the VOD emulator pushes events: the MNS queue (default) or the HTTP ingress. */
  callback?: 'mns' | 'http';
  /** The ingress's AuthKey; default the documented local one. */
  callbackAuthKey?: string;
  /** Pipeline deadlines suited to a local run (reconcile a missing event within seconds, not hours). */
  pipelineOptions?: Record<string, unknown>;
  logger: Logger;
  /**
   * SQLite's synchronous pragma for `dev`'s Temporal: FULL (default) fsyncs the WAL at every
   * commit, so what Temporal acknowledged survives a machine crash (docs/ARCHITECTURE.md,
   * "What persisted means"). Tests trade that for speed.
   */
  temporalSynchronous?: 'OFF' | 'NORMAL' | 'FULL';
  /** A team's step and activity modules for the stack's worker (`--steps`, `--activities`). */
  stepsModule?: string;
  activitiesModule?: string;
  /** false: no worker in the stack; the team runs its own (vodflowPlugin) on the same task queue. */
  worker?: boolean;
}

export interface LocalStack {
  /** The whole stack, every part's handle included. */
  stack: Stack;
  temporal: TemporalServer;
  mns: MnsEmulator;
  vod: VodEmulator;
  /** The local receiver, when the stack runs one. */
  webhook: WebhookSink | null;
  webhookUrl: string;
  config: VodflowConfig;
  setup: SetupAction[];
  queueUrl: string;
  vodAdminUrl: string;
  metricsUrl: string;
  /** The ingress's callback URL, and whether the VOD emulator pushes to it. */
  ingressUrl: string;
  callback: 'mns' | 'http';
  stop(): Promise<void>;
}

/** Deadlines for a laptop: a lost event is reconciled after 20 s, a stuck video stalls after 10 min. */
export const localPipelineOptions = {
  overdueAfterMs: { upload: 20_000, transcode: 20_000, snapshot: 20_000 },
  reconcileIntervalMs: 10_000,
  finalDeadlineMs: 10 * 60_000,
  lingerAfterCompletionMs: 10 * 60_000,
};

export type LocalStackSpec = StackSpec & {
  temporal: TemporalSpec;
  mns: MnsSpec;
  vod: VodSpec;
  webhook: WebhookSpec;
  ingress: IngressSpec;
};

export function localStackSpec(options: LocalStackOptions): LocalStackSpec {
  const { ports } = options;
  const webhookSecret = options.webhookSecret ?? localWebhookSecret;
  return {
    dataDir: options.dataDir,
    credentials: localCredentials,
    ...(options.region ? { region: options.region } : {}),
    ...(options.queueName ? { queue: options.queueName } : {}),
    logger: options.logger,
    temporal: {
      mode: 'dev-server',
      port: ports.temporal,
      uiPort: ports.ui,
      synchronous: options.temporalSynchronous ?? 'FULL',
    },
    mns: { mode: 'in-process', port: ports.mns, persist: true },
    vod: { port: ports.vod, timeScale: options.timeScale ?? 1, admin: true },
    webhook: options.webhookUrl
      ? { mode: 'external', url: options.webhookUrl, secret: webhookSecret }
      : { mode: 'receiver', port: ports.webhook, secret: webhookSecret },
    ...(options.worker === false ? {} : { worker: { mode: 'in-process' as const } }),
    poller: { mode: 'in-process' },
    ingress: {
      mode: 'in-process',
      port: ports.ingress,
      authKey: options.callbackAuthKey ?? localCallbackAuthKey,
    },
    callback: options.callback ?? 'mns',
    settings: {
      VODFLOW_PIPELINE_OPTIONS: JSON.stringify(options.pipelineOptions ?? localPipelineOptions),
      ...(options.stepsModule ? { VODFLOW_STEPS_MODULE: options.stepsModule } : {}),
      ...(options.activitiesModule ? { VODFLOW_ACTIVITIES_MODULE: options.activitiesModule } : {}),
    },
    metricsPort: ports.metrics,
  };
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const stack = await startStack(localStackSpec(options));
  const { mns, vod, webhook, queueUrl, metricsUrl, ingress } = stack;
  if (!mns.emulator || !queueUrl || !metricsUrl) {
    await stack.stop();
    throw new Error('the local stack started without one of its parts');
  }
  return {
    stack,
    temporal: stack.temporal,
    mns: mns.emulator,
    vod,
    webhook: webhook.receiver,
    webhookUrl: webhook.url,
    config: stack.config('run'),
    setup: stack.setup,
    queueUrl,
    vodAdminUrl: `${vod.endpoint}/_emulator`,
    metricsUrl,
    ingressUrl: ingress.callbackUrl,
    callback: options.callback ?? 'mns',
    stop: () => stack.stop(),
  };
}
