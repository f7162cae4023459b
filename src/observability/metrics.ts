import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The poller's Prometheus metrics, on a registry of its own so several pollers (tests, the
 * `run` command) never collide in prom-client's global one. Labels: `queue` and `region`.
 */
export interface PollerMetrics {
  registry: Registry;
  received: Counter<'queue' | 'region'>;
  /** outcome: signalled | restarted | late_after_close */
  signalled: Counter<'queue' | 'region' | 'outcome'>;
  /** result: deleted | stale | failed */
  deleted: Counter<'queue' | 'region' | 'result'>;
  /** reason: invalid_body | too_many_receives | no_media_id | temporal_rejected */
  deadLettered: Counter<'queue' | 'region' | 'reason'>;
  /** class: temporal_unavailable | temporal_deadline | temporal_config | mns_<kind> (receive, delete, ...) */
  failures: Counter<'queue' | 'region' | 'class'>;
  visibilityExtended: Counter<'queue' | 'region'>;
  inFlight: Gauge<'queue' | 'region'>;
  circuitOpen: Gauge;
  signalLatency: Histogram<'queue' | 'region'>;
  enqueueToDelete: Histogram<'queue' | 'region'>;
  /** role: events | dead_letter · state: visible | in_flight | delayed (sampled every VODFLOW_QUEUE_GAUGE_INTERVAL_SECONDS) */
  queueMessages: Gauge<'queue' | 'region' | 'role' | 'state'>;
  /** Age of the oldest visible message of a queue (0 when none is visible). */
  queueOldestAge: Gauge<'queue' | 'region' | 'role'>;
  /** 1 while /readyz would answer ready. */
  ready: Gauge;
  /** Where `ready` reads from at each scrape (the running poller's readiness). */
  reportReadiness(readiness: (() => boolean) | null): void;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const enqueueBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];

export function createPollerMetrics(options: { defaultMetrics?: boolean } = {}): PollerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'vodflow_' });
  const labels = ['queue', 'region'] as const;
  let readiness: (() => boolean) | null = null;
  return {
    registry,
    received: new Counter({
      name: 'vodflow_poller_messages_received_total',
      help: 'MNS messages received.',
      labelNames: labels,
      registers: [registry],
    }),
    signalled: new Counter({
      name: 'vodflow_poller_messages_signalled_total',
      help: 'Messages whose signal Temporal accepted (or, late_after_close, that needed none).',
      labelNames: [...labels, 'outcome'],
      registers: [registry],
    }),
    deleted: new Counter({
      name: 'vodflow_poller_messages_deleted_total',
      help: 'Deletes by result; stale means the handle had expired (the message comes back, harmlessly).',
      labelNames: [...labels, 'result'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'vodflow_poller_messages_dead_lettered_total',
      help: 'Messages moved to the dead-letter queue, by reason.',
      labelNames: [...labels, 'reason'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'vodflow_poller_failures_total',
      help: 'Failed calls by class; the message is left to come back unless dead-lettered.',
      labelNames: [...labels, 'class'],
      registers: [registry],
    }),
    visibilityExtended: new Counter({
      name: 'vodflow_poller_visibility_extensions_total',
      help: 'ChangeMessageVisibility calls that extended an in-flight message.',
      labelNames: labels,
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'vodflow_poller_in_flight',
      help: 'Messages received and not yet deleted, dead-lettered or given up.',
      labelNames: labels,
      registers: [registry],
    }),
    circuitOpen: new Gauge({
      name: 'vodflow_poller_circuit_open',
      help: '1 while receiving is paused because Temporal is unreachable.',
      registers: [registry],
    }),
    signalLatency: new Histogram({
      name: 'vodflow_poller_signal_latency_seconds',
      help: 'Duration of successful signalWithStart calls.',
      labelNames: labels,
      buckets: latencyBuckets,
      registers: [registry],
    }),
    enqueueToDelete: new Histogram({
      name: 'vodflow_poller_enqueue_to_delete_seconds',
      help: 'From MNS EnqueueTime to the message deleted after its signal.',
      labelNames: labels,
      buckets: enqueueBuckets,
      registers: [registry],
    }),
    queueMessages: new Gauge({
      name: 'vodflow_queue_messages',
      help: 'Messages in a queue by state, from GetQueueAttributes; role events is the event queue, dead_letter its dead-letter queue.',
      labelNames: [...labels, 'role', 'state'],
      registers: [registry],
    }),
    queueOldestAge: new Gauge({
      name: 'vodflow_queue_oldest_message_age_seconds',
      help: 'Age of the oldest visible message (from a BatchPeekMessage of 16; 0 when none is visible).',
      labelNames: [...labels, 'role'],
      registers: [registry],
    }),
    ready: new Gauge({
      name: 'vodflow_poller_ready',
      help: '1 while the poller is ready (receiving, Temporal reachable, MNS answering), as /readyz says.',
      registers: [registry],
      collect() {
        this.set(readiness?.() ? 1 : 0);
      },
    }),
    reportReadiness(fn) {
      readiness = fn;
    },
  };
}
