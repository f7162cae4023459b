import type { QueueSpec } from '../config/queueSpec';
import { readBacklog, type BacklogReader } from '../mns/backlog';
import { classifyMnsError } from '../mns/client';
import type { Logger } from '../observability/logger';
import type { PollerMetrics } from '../observability/metrics';

/**
 * Samples each queue's and dead-letter queue's depth and oldest visible message into the
 * poller's gauges, so alerts see a growing backlog or dead letters piling up without anyone
 * running `doctor`. Two cheap calls per queue per interval; a failure is counted, not fatal.
 */
export interface QueueGauges {
  start(): void;
  stop(): void;
  /** One round now (tests; the first round runs at start). */
  sample(): Promise<void>;
}

export function createQueueGauges(options: {
  queues: readonly QueueSpec[];
  readerFor: (spec: QueueSpec) => BacklogReader;
  intervalSeconds: number;
  metrics: PollerMetrics;
  logger: Logger;
}): QueueGauges {
  const { metrics, logger } = options;
  const targets = options.queues.flatMap((spec) => {
    const reader = options.readerFor(spec);
    return [
      { spec, reader, queue: spec.queue, role: 'events' },
      { spec, reader, queue: spec.deadLetterQueue, role: 'dead_letter' },
    ];
  });
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  const sample = async (): Promise<void> => {
    for (const target of targets) {
      const labels = { queue: target.queue, region: target.spec.region, role: target.role };
      try {
        const backlog = await readBacklog(target.reader, target.queue);
        metrics.queueMessages.set({ ...labels, state: 'visible' }, backlog.active);
        metrics.queueMessages.set({ ...labels, state: 'in_flight' }, backlog.inactive);
        metrics.queueMessages.set({ ...labels, state: 'delayed' }, backlog.delayed);
        metrics.queueOldestAge.set(labels, backlog.oldestAgeSeconds);
      } catch (err) {
        const kind = classifyMnsError(err).kind;
        metrics.failures.inc({
          queue: target.queue,
          region: target.spec.region,
          class: `mns_backlog_${kind}`,
        });
        logger.warn(
          { queue: target.queue, kind, err: err instanceof Error ? err.message : String(err) },
          'queue backlog not read',
        );
      }
    }
  };
  const round = (): void => {
    if (running) return; // the previous round is still waiting on MNS
    running = sample().finally(() => {
      running = null;
    });
  };

  return {
    start() {
      if (options.intervalSeconds <= 0 || timer) return;
      round();
      timer = setInterval(round, options.intervalSeconds * 1000);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
    sample,
  };
}
