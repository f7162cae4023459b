import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createVodApi } from '../../src/activities/vodApi';
import { startPollerProcess } from '../../src/process/pollerProcess';
import { startWorkerProcess } from '../../src/process/workerProcess';
import { loadConfig, type VodflowConfig } from '../../src/config';
import { startMnsEmulator, type MnsEmulator } from '../emulators/mns';
import { startVodEmulator, type VodEmulator } from '../emulators/vod';
import { createMnsClient } from '../../src/mns/client';
import { startHealthServer } from '../../src/observability/healthServer';
import type { Logger } from '../../src/observability/logger';
import { setupRegion, type SetupAction } from '../../src/operations/setup';
import { createWorkerMetrics } from '../../src/worker/workerMetrics';
import { startTemporalDevServer, type TemporalDevServer } from './temporalDevServer';
import { startWebhookSink, type WebhookSink } from './webhookReceiver';

/**
 * Fixed, documented credentials of the local stack. They open only the emulators on
 * 127.0.0.1 and are printed in the README: they are not secrets.
 */
export const localCredentials = {
  accessKeyId: 'vodflow-local-key',
  accessKeySecret: 'vodflow-local-secret',
} as const;
export const localWebhookSecret = 'whsec_dm9kZmxvdy1sb2NhbC13ZWJob29rLXNlY3JldC0zMmI=';

export interface LocalStackPorts {
  temporal: number;
  ui: number;
  mns: number;
  vod: number;
  webhook: number;
  metrics: number;
}

export const defaultLocalPorts: LocalStackPorts = {
  temporal: 7233,
  ui: 8233,
  mns: 9100,
  vod: 9200,
  webhook: 9300,
  metrics: 9464,
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
  /** Pipeline deadlines suited to a local run (reconcile a missing event within seconds, not hours). */
  pipelineOptions?: Record<string, unknown>;
  logger: Logger;
  /** Tests trade durability for speed. */
  temporalSynchronous?: 'OFF' | 'NORMAL';
}

export interface LocalStack {
  temporal: TemporalDevServer;
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
  stop(): Promise<void>;
}

/** Deadlines for a laptop: a lost event is reconciled after 20 s, a stuck video stalls after 10 min. */
export const localPipelineOptions = {
  overdueAfterMs: { upload: 20_000, transcode: 20_000, snapshot: 20_000 },
  reconcileIntervalMs: 10_000,
  finalDeadlineMs: 10 * 60_000,
  lingerAfterCompletionMs: 10 * 60_000,
};

/**
 * The whole of vodflow on one machine: Temporal dev server (child process), MNS and
 * VOD emulators, `setup` against them, then the worker and the poller, all wired
 * through the same configuration a production deployment reads.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { ports, logger } = options;
  const region = options.region ?? 'cn-shanghai';
  const queueName = options.queueName ?? 'vod-events';
  await mkdir(options.dataDir, { recursive: true });
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse()) {
      try {
        await step();
      } catch (err) {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'stopping the local stack');
      }
    }
    stops.length = 0;
  };

  try {
    const temporal = await startTemporalDevServer({
      dbFile: path.join(options.dataDir, 'temporal.db'),
      port: ports.temporal,
      uiPort: ports.ui,
      synchronous: options.temporalSynchronous ?? 'NORMAL',
    });
    stops.push(() => temporal.stop());

    const mns = await startMnsEmulator({
      port: ports.mns,
      credentials: [localCredentials],
      dataDir: path.join(options.dataDir, 'mns'),
      logger: logger.child({ component: 'mns-emulator' }),
    });
    stops.push(() => mns.stop());

    const vod = await startVodEmulator({
      port: ports.vod,
      credentials: [localCredentials],
      mnsCredentials: localCredentials,
      timeScale: options.timeScale ?? 1,
      admin: true,
      region,
    });
    stops.push(() => vod.stop());

    const webhookSecret = options.webhookSecret ?? localWebhookSecret;
    let webhook: WebhookSink | null = null;
    let webhookUrl = options.webhookUrl;
    if (!webhookUrl) {
      webhook = await startWebhookSink(webhookSecret, {
        port: ports.webhook,
        onAccepted: (key) => logger.info({ idempotencyKey: key }, 'video ready published'),
      });
      stops.push(() => webhook!.close());
      webhookUrl = webhook.url;
    }

    const queueUrl = `${mns.endpoint}/${queueName}`;
    const setup = await setupRegion(
      { region, mnsEndpoint: mns.endpoint, queueName, deadLetterQueueName: `${queueName}-dlq` },
      {
        vod: vodRpc(vod.endpoint, region),
        mns: createMnsClient({ endpoint: mns.endpoint, ...localCredentials, timeoutMs: 10_000 }),
      },
    );

    const config = loadConfig({
      role: 'run',
      env: {
        ALIBABA_CLOUD_ACCESS_KEY_ID: localCredentials.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: localCredentials.accessKeySecret,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        VODFLOW_QUEUES: `${region}=${queueUrl}`,
        VODFLOW_VOD_ENDPOINT: vod.endpoint,
        VODFLOW_WEBHOOK_URL: webhookUrl,
        VODFLOW_WEBHOOK_SECRET: webhookSecret,
        VODFLOW_PIPELINE_OPTIONS: JSON.stringify(options.pipelineOptions ?? localPipelineOptions),
        VODFLOW_HTTP_HOST: '127.0.0.1',
        VODFLOW_HTTP_PORT: String(ports.metrics),
        VODFLOW_LOG_LEVEL: logger.level,
      },
    });

    // As in `run`: the Node process metrics come with the poller's registry, once.
    const worker = await startWorkerProcess(
      config,
      logger.child({ component: 'worker' }),
      createWorkerMetrics({ defaultMetrics: false }),
    );
    stops.push(() => worker.shutdown());
    const poller = await startPollerProcess(config, logger.child({ component: 'poller' }));
    stops.push(() => poller.stop());
    const health = await startHealthServer({
      host: config.http.host,
      port: config.http.port,
      registries: [poller.poller.metrics.registry, worker.metrics.registry],
      readiness: () => poller.poller.readiness(),
    });
    stops.push(() => health.close());

    return {
      temporal,
      mns,
      vod,
      webhook,
      webhookUrl,
      config,
      setup,
      queueUrl,
      vodAdminUrl: `${vod.endpoint}/_emulator`,
      metricsUrl: `http://${config.http.host}:${health.port}/metrics`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** setup's VOD port over the same pop-core client the worker uses. */
function vodRpc(endpoint: string, region: string) {
  const api = createVodApi({ credentials: localCredentials, endpoint, timeoutMs: 10_000 });
  return {
    request: (action: string, params: Record<string, string>) => api.call(region, action, params),
  };
}
