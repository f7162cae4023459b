/**
 * Worker latency: from a video's last required event (the moment its signalWithStart
 * returned, i.e. the event is durable in Temporal) to its downstream steps finishing (the
 * signed videoReady webhook arriving at a local sink). The real worker (the stack's in-process
 * worker, configured through loadConfig, with the real activities) calls the VOD emulator's GetPlayInfo for videos seeded there as
 * transcoded, then POSTs the webhook. Events are signalled directly here, so the figure is
 * the worker's share only; the poller's share is the enqueue→delete latency.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { freePort } from '../../harness/stack/freePort';
import { videoWorkflowId } from '../../src/shared/definitions';
import { toDelivery } from '../deliveries';
import { benchStack, withBenchStack } from '../benchStack';
import { summarizeLatency } from '../latency';
import type { WorkerLatency } from '../results';
import { readyPhases, summarizePhases, type ReadyPhases } from '../videoReadyBreakdown';
import { generateWorkload } from '../workload';
import { scrapeMetrics } from '../pollerMetrics';
import { workerWindow } from '../workerMetrics';
import { signalAsThePollerDoes } from './ceiling';

export interface WorkerLatencyOptions {
  videos: number;
  seed: number;
  /** Concurrent signalWithStart calls; low enough that the worker is the thing measured. */
  concurrency?: number;
  /**
   * Paced: a new video every 1/rate seconds, its events sent one after the other. Unset: a
   * burst, every event as fast as `concurrency` lanes can send them.
   */
  videosPerSecond?: number;
  /** Paced only: this many videos go first and are left out of the figures (cold worker, first workflows). */
  warmupVideos?: number;
  log(message: string): void;
}

const webhookSecret = 'whsec_YmVuY2gtd2ViaG9vay1zZWNyZXQtbm90LXJlYWwtMzI=';

interface WebhookSink {
  url: string;
  arrivals: Map<string, number>;
  close(): Promise<void>;
}

/** Records the first arrival per workflow id (from the Idempotency-Key "workflowId:step:version"). */
async function startWebhookSink(): Promise<WebhookSink> {
  const arrivals = new Map<string, number>();
  const server: Server = createServer((req: IncomingMessage, res) => {
    const at = Date.now();
    const key = String(req.headers['idempotency-key'] ?? '');
    const workflowId = key.split(':')[0] ?? '';
    req.resume();
    req.once('end', () => {
      if (workflowId && !arrivals.has(workflowId)) arrivals.set(workflowId, at);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks/video-ready`,
    arrivals,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let ours: { runtime: Runtime; metricsPort: number } | undefined;
/**
 * The SDK's INFO lines (worker state changes) would drown the bench's own progress; its metrics
 * (served on the port this returns) split a video's wait between the worker and the server.
 * The SDK shuts its Runtime down once the last worker has, and a Runtime it re-creates from the
 * same options cannot bind the old port again, so every run installs a fresh one on a fresh port.
 */
async function quietRuntime(): Promise<number | null> {
  const current = Runtime._instance;
  if (current) return current === ours?.runtime ? ours.metricsPort : null;
  const metricsPort = await freePort();
  try {
    const runtime = Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } },
    });
    ours = { runtime, metricsPort };
    return metricsPort;
  } catch {
    // Installed by someone else in this process meanwhile: keep theirs, without the split.
    return null;
  }
}

export async function runWorkerLatency(options: WorkerLatencyOptions): Promise<WorkerLatency | null> {
  const metricsPort = await quietRuntime();
  // Upload, transcode and snapshot per video: exactly the required set.
  const workload = generateWorkload({
    events: options.videos * 3,
    videos: options.videos,
    seed: options.seed,
  });
  const sink = await startWebhookSink();
  try {
    return await withBenchStack(
      {
        ...benchStack,
        vod: { seed: options.seed },
        webhook: { mode: 'external', url: sink.url, secret: webhookSecret },
        worker: { mode: 'in-process' },
      },
      async (stack) => {
        const { vod, taskQueue } = stack;
        for (const videoId of workload.videoIds) {
          // Transcoded and frozen, events suppressed: GetPlayInfo answers, nothing else happens.
          await vod.seedVideo({ stage: 'transcoded', videoId, deliver: [] });
        }
        const { client } = await stack.temporalClient();
        const lastRequiredAt = new Map<string, number>();
        let next = 0;
        const send = async (event: (typeof workload.events)[number]): Promise<void> => {
          await signalAsThePollerDoes(client, taskQueue, toDelivery(event), 10_000);
          if (event.lastRequired) lastRequiredAt.set(videoWorkflowId(event.videoId), Date.now());
        };
        const lane = async (): Promise<void> => {
          for (;;) {
            const event = workload.events[next++];
            if (event === undefined) return;
            await send(event);
          }
        };
        const paced = async (rate: number): Promise<void> => {
          const byVideo = new Map<string, typeof workload.events>();
          for (const event of workload.events) {
            const list = byVideo.get(event.videoId) ?? [];
            list.push(event);
            byVideo.set(event.videoId, list);
          }
          const startedAt = Date.now() + 100;
          await Promise.all(
            [...byVideo.values()].map(async (events, i) => {
              await new Promise((resolve) => setTimeout(resolve, startedAt + (i * 1000) / rate - Date.now()));
              for (const event of events) await send(event);
            }),
          );
        };
        const metricsBefore = metricsPort === null ? null : await scrapeMetrics(metricsPort);
        if (options.videosPerSecond) await paced(options.videosPerSecond);
        else await Promise.all(Array.from({ length: options.concurrency ?? 8 }, lane));
        const deadline = Date.now() + 120_000 + options.videos * 200;
        while (sink.arrivals.size < options.videos && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        if (sink.arrivals.size < options.videos) {
          options.log(`worker: only ${sink.arrivals.size} of ${options.videos} webhooks arrived in time`);
        }
        const metricsAfter = metricsPort === null ? null : await scrapeMetrics(metricsPort);
        if (metricsBefore === null || metricsAfter === null) {
          options.log(
            `worker: the SDK's metrics did not answer (port ${String(metricsPort)}); no worker/server split`,
          );
        }
        const warmup = new Set(
          options.videosPerSecond
            ? workload.videoIds.slice(0, options.warmupVideos ?? 0).map(videoWorkflowId)
            : [],
        );
        const samples: number[] = [];
        for (const [workflowId, at] of sink.arrivals) {
          if (warmup.has(workflowId)) continue;
          const from = lastRequiredAt.get(workflowId);
          // The webhook can beat the signal's reply to this client; that is a 0 ms share.
          if (from !== undefined) samples.push(Math.max(0, at - from));
        }
        const phases: ReadyPhases[] = [];
        for (const workflowId of sink.arrivals.keys()) {
          if (warmup.has(workflowId)) continue;
          const history = await client.workflow.getHandle(workflowId).fetchHistory();
          const found = readyPhases(history.events ?? []);
          if (found) phases.push(found);
        }
        return {
          videos: samples.length,
          ...summarizeLatency(samples),
          ...(options.videosPerSecond
            ? { videos_per_s: options.videosPerSecond, warmup_videos: warmup.size }
            : {}),
          measured:
            'last required event signalWithStart returned -> videoReady webhook received (real worker, VOD emulator GetPlayInfo, local sink)',
          phases_ms: summarizePhases(phases),
          worker_sdk_means:
            metricsBefore !== null && metricsAfter !== null
              ? workerWindow(metricsBefore, metricsAfter)
              : null,
        };
      },
    );
  } finally {
    await sink.close();
  }
}
