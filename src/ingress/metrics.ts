import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The ingress's Prometheus metrics, like the poller's but labelled by `region` alone (there is
 * no queue): on a registry of its own, served on the process's /metrics.
 */
export interface IngressMetrics {
  registry: Registry;
  /** Callback POSTs on a callback path, before authentication. */
  received: Counter<'region'>;
  /** reason: missing_signature | bad_signature | stale_timestamp (answered 403). */
  rejected: Counter<'region' | 'reason'>;
  /** outcome: signalled | restarted | late_after_close (answered 200). */
  signalled: Counter<'region' | 'outcome'>;
  /** reason: invalid_body | no_media_id | temporal_rejected (answered 200 once written). */
  deadLettered: Counter<'region' | 'reason'>;
  /** class: temporal_unavailable | temporal_deadline | temporal_config | mns_dead_letter_<kind> (answered 503). */
  failures: Counter<'region' | 'class'>;
  /** doctor's signed probes, answered 200 without a signal. */
  probes: Counter<'region'>;
  inFlight: Gauge;
  signalLatency: Histogram<'region'>;
  /** From the request's arrival to the answer, by status: VOD gives up after 5 s. */
  answerLatency: Histogram<'region' | 'status'>;
}

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const answerBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 5, 10];

export function createIngressMetrics(options: { defaultMetrics?: boolean } = {}): IngressMetrics {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'vodflow_' });
  const registers = [registry];
  return {
    registry,
    received: new Counter({
      name: 'vodflow_ingress_callbacks_received_total',
      help: 'VOD HTTP callbacks received on a callback path, before authentication.',
      labelNames: ['region'],
      registers,
    }),
    rejected: new Counter({
      name: 'vodflow_ingress_callbacks_rejected_total',
      help: 'Callbacks answered 403, by reason (missing_signature, bad_signature, stale_timestamp).',
      labelNames: ['region', 'reason'],
      registers,
    }),
    signalled: new Counter({
      name: 'vodflow_ingress_callbacks_signalled_total',
      help: 'Callbacks whose signal Temporal accepted (or, late_after_close, that needed none); answered 200.',
      labelNames: ['region', 'outcome'],
      registers,
    }),
    deadLettered: new Counter({
      name: 'vodflow_ingress_callbacks_dead_lettered_total',
      help: "Callbacks written to the region's dead-letter queue, by reason; answered 200.",
      labelNames: ['region', 'reason'],
      registers,
    }),
    failures: new Counter({
      name: 'vodflow_ingress_failures_total',
      help: 'Callbacks answered 503 (VOD retries), by the failing call.',
      labelNames: ['region', 'class'],
      registers,
    }),
    probes: new Counter({
      name: 'vodflow_ingress_probes_total',
      help: 'Signed doctor probes, answered 200 without a signal.',
      labelNames: ['region'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'vodflow_ingress_in_flight',
      help: 'Callbacks being handled.',
      registers,
    }),
    signalLatency: new Histogram({
      name: 'vodflow_ingress_signal_latency_seconds',
      help: 'Duration of successful signalWithStart calls.',
      labelNames: ['region'],
      buckets: latencyBuckets,
      registers,
    }),
    answerLatency: new Histogram({
      name: 'vodflow_ingress_answer_latency_seconds',
      help: "From a callback's arrival to its answer, by status; VOD counts an answer after 5 s as a failure.",
      labelNames: ['region', 'status'],
      buckets: answerBuckets,
      registers,
    }),
  };
}
