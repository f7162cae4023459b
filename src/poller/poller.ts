import type { Client } from '@temporalio/client';
import type { VodflowConfig } from '../config';
import type { MnsTransportName } from '../config/schema';
import type { QueueSpec } from '../config/queueSpec';
import type { DecodeResult } from '../events/model';
import { createLogger, type Logger } from '../observability/logger';
import { createPollerMetrics, type PollerMetrics } from '../observability/metrics';
import type { Readiness } from '../observability/healthServer';
import { Backoff } from './backoff';
import { CircuitBreaker } from './circuitBreaker';
import { InFlightSlots } from './inFlightSlots';
import { ConcurrencyLimit } from './concurrencyLimit';
import { adaptingConcurrency } from './adaptiveSignaller';
import { createMnsClient } from '../mns/client';
import type { BacklogReader } from '../mns/backlog';
import { createMnsHttpQueue } from './mnsHttpQueue';
import { createMnsQueue, type MnsQueueOptions } from './mnsQueue';
import { createQueueGauges } from './queueGauges';
import { deadLetterReasons } from './deadLetter';
import { QueueConsumer } from './queueConsumer';
import type { QueueTransport } from './queueTransport';
import { VideoSignaller, type SignalOutcome, type VideoSignal } from './videoSignaller';

export interface PollerOptions {
  config: Pick<VodflowConfig, 'queues' | 'poller' | 'credentials'> &
    Partial<Pick<VodflowConfig, 'pipeline'>> & { temporal: { taskQueue: string } };
  client: Client;
  /** Health check of Temporal; the circuit breaker calls it while open. */
  probe: () => Promise<void>;
  decode: (body: string) => DecodeResult;
  /** Defaults to the MNS transport `VODFLOW_MNS_TRANSPORT` names (the official SDK unless `http`), per queue. */
  transportFor?: (spec: QueueSpec) => QueueTransport;
  metrics?: PollerMetrics;
  logger?: Logger;
  /** Replaces the signalling step (tests slow it down; benchmarks measure it). Default: VideoSignaller. */
  signaller?: (real: VideoSignaller) => { signal(input: VideoSignal): Promise<SignalOutcome> };
  /** Consecutive Temporal failures before receiving pauses. */
  breakerThreshold?: number;
  /** Where the queue gauges read depth and age. Default: the MNS SDK with the configured credentials. */
  backlogReaderFor?: (spec: QueueSpec) => BacklogReader;
}

export interface StopResult {
  /** Messages still in flight at the deadline; released back to their queues. */
  unfinished: number;
}

export interface Poller {
  metrics: PollerMetrics;
  start(): void;
  /** Graceful: stop receiving, finish in-flight messages, flush deletes, within timeoutMs. */
  stop(timeoutMs?: number): Promise<StopResult>;
  readiness(): Readiness;
  inFlight(): number;
}

/** The QueueTransport factory `VODFLOW_MNS_TRANSPORT` names (docs/POLLER.md, "The lean MNS transport"). */
export function mnsTransportFactory(name: MnsTransportName): (options: MnsQueueOptions) => QueueTransport {
  return name === 'http' ? createMnsHttpQueue : createMnsQueue;
}

/** One poller process: a consumer per configured queue, sharing the in-flight bound and breaker. */
export function createPoller(options: PollerOptions): Poller {
  const { config } = options;
  const tuning = config.poller;
  const logger = options.logger ?? createLogger('poller');
  const metrics = options.metrics ?? createPollerMetrics();
  const credentials = config.credentials;
  const transportFor =
    options.transportFor ??
    ((spec: QueueSpec) => {
      if (!credentials) throw new Error('the poller needs ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET');
      return mnsTransportFactory(tuning.mnsTransport)({
        spec,
        credentials,
        timeoutMs: tuning.mnsTimeoutMs,
        waitSeconds: tuning.waitSeconds,
      });
    });
  const slots = new InFlightSlots(tuning.maxInFlight);
  const breaker = new CircuitBreaker({
    failureThreshold: options.breakerThreshold ?? 3,
    probe: options.probe,
    probeBackoff: new Backoff({ initialMs: 500, maxMs: 15_000 }),
    onStateChange: (state) => {
      metrics.circuitOpen.set(state === 'open' ? 1 : 0);
      if (state === 'open') logger.error('Temporal unreachable: receiving paused until it answers again');
      else logger.info('Temporal reachable again: receiving resumed');
    },
  });
  const realSignaller = new VideoSignaller({
    client: options.client,
    taskQueue: config.temporal.taskQueue,
    timeoutMs: tuning.signalTimeoutMs,
    ...(config.pipeline ? { pipelineOptions: config.pipeline } : {}),
  });
  const signaller = adaptingConcurrency(
    options.signaller ? options.signaller(realSignaller) : realSignaller,
    // Under a tenth of the signal deadline, latency is not worth throughput (concurrencyLimit.ts).
    new ConcurrencyLimit({ max: tuning.maxInFlight, latencyFloorMs: tuning.signalTimeoutMs / 10 }),
    slots,
    metrics,
  );
  const consumers = config.queues.map(
    (spec) =>
      new QueueConsumer({
        spec,
        transport: transportFor(spec),
        decode: options.decode,
        signaller,
        slots,
        breaker,
        metrics,
        logger,
        tuning,
      }),
  );
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  const backlogReaderFor =
    options.backlogReaderFor ??
    (credentials
      ? (spec: QueueSpec) =>
          createMnsClient({ endpoint: spec.endpoint, ...credentials, timeoutMs: tuning.mnsTimeoutMs })
      : null);
  const gauges = backlogReaderFor
    ? createQueueGauges({
        queues: config.queues,
        readerFor: backlogReaderFor,
        intervalSeconds: tuning.queueGaugeIntervalSeconds,
        metrics,
        logger,
      })
    : null;

  const readiness = (): Readiness => {
    if (state !== 'running') return { ready: false, reason: `poller ${state}` };
    if (breaker.state === 'open') return { ready: false, reason: 'Temporal unreachable' };
    const failing = consumers.find((c) => c.lastReceiveError !== null);
    if (failing) return { ready: false, reason: `MNS receive failing (${failing.lastReceiveError})` };
    return { ready: true };
  };
  metrics.reportReadiness(() => readiness().ready);
  // Every series exists from the start at 0: Prometheus' increase() cannot see a counter's
  // first step when the series is born at 1, and the dead-letter alert must see the first one.
  for (const spec of config.queues) {
    for (const reason of deadLetterReasons) {
      metrics.deadLettered.inc({ queue: spec.queue, region: spec.region, reason }, 0);
    }
  }

  return {
    metrics,
    start() {
      if (state !== 'new') return;
      state = 'running';
      for (const consumer of consumers) consumer.start();
      gauges?.start();
      logger.info(
        {
          queues: config.queues.map((q) => `${q.region}=${q.endpoint}/${q.queue}`),
          maxInFlight: tuning.maxInFlight,
        },
        'poller started',
      );
    },
    async stop(timeoutMs = tuning.shutdownTimeoutMs) {
      if (state === 'stopped' || state === 'new') {
        state = 'stopped';
        return { unfinished: 0 };
      }
      state = 'stopping';
      gauges?.stop();
      const deadline = Date.now() + timeoutMs;
      for (const consumer of consumers) consumer.stop();
      logger.info({ inFlight: slots.inUse, timeoutMs }, 'poller stopping: draining in-flight messages');
      // Keep a little of the budget for the release calls.
      const drainDeadline = deadline - Math.min(1_000, timeoutMs / 5);
      const unfinished = (await Promise.all(consumers.map((c) => c.drain(drainDeadline)))).reduce(
        (a, b) => a + b,
        0,
      );
      if (unfinished > 0) {
        await Promise.all(consumers.map((c) => c.releaseUnfinished(Math.max(1, deadline - Date.now()))));
      }
      await breaker.stop();
      state = 'stopped';
      logger.info({ unfinished }, 'poller stopped');
      return { unfinished };
    },
    readiness,
    inFlight: () => slots.inUse,
  };
}
