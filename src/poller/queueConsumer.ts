import type { Logger } from '../observability/logger';
import type { PollerMetrics } from '../observability/metrics';
import type { PollerTuning } from '../config';
import type { QueueSpec } from '../config/queueSpec';
import type { DecodeResult } from '../events/model';
import { classifyMnsError } from '../mns/client';
import { Backoff, pause, retryVisibilitySeconds } from './backoff';
import type { CircuitBreaker } from './circuitBreaker';
import { deadLetterDocument, type DeadLetterReason } from './deadLetter';
import { DeleteBatcher, type DeleteOutcome } from './deleteBatcher';
import type { InFlightSlots } from './inFlightSlots';
import { Lease } from './lease';
import type { QueueMessage, QueueTransport } from './queueTransport';
import { classifyTemporalError, countsAgainstTemporal } from './temporalErrors';
import type { SignalOutcome, VideoSignal } from './videoSignaller';
import { VisibilityExtender } from './visibilityExtender';

export interface QueueConsumerOptions {
  spec: QueueSpec;
  transport: QueueTransport;
  decode: (body: string) => DecodeResult;
  signaller: { signal(input: VideoSignal): Promise<SignalOutcome> };
  slots: InFlightSlots;
  breaker: CircuitBreaker;
  metrics: PollerMetrics;
  logger: Logger;
  tuning: PollerTuning;
}

/** What happened to one message; for tests and logs. */
export type MessageOutcome =
  | 'deleted'
  | 'dead-lettered'
  | 'left' // signal failed: the message comes back when its visibility ends
  | 'released' // signal failed: the message was handed back with a short visibility
  | 'delete-stale'
  | 'delete-failed';

/** A quicker empty receive: the server sheds long polls (docs/MNS-PROTOCOL.md, "Empty receives"). */
const quickEmptyReceiveMs = 500;

/**
 * Consumes one MNS queue: several long-polling receive loops feed a shared bound of in-flight
 * messages; each message is decoded, signalled, then deleted in batches, or dead-lettered.
 */
export class QueueConsumer {
  private readonly stopReceiving = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly processing = new Set<Promise<MessageOutcome>>();
  private readonly leases = new Set<Lease>();
  private readonly extender: VisibilityExtender;
  private readonly deleter: DeleteBatcher;
  private readonly labels: { queue: string; region: string };
  private readonly log: Logger;
  private drained = false;
  /** For /readyz: the last receive failed with this class, or null. */
  lastReceiveError: string | null = null;

  constructor(private readonly options: QueueConsumerOptions) {
    const { spec, transport, tuning, metrics } = options;
    this.labels = { queue: spec.queue, region: spec.region };
    this.log = options.logger.child({ queue: spec.queue, region: spec.region });
    this.extender = new VisibilityExtender({
      transport,
      visibilityTimeoutSeconds: tuning.visibilityTimeoutSeconds,
      extendBeforeMs: tuning.visibilityExtendBeforeSeconds * 1000,
      intervalMs: Math.min(1_000, (tuning.visibilityExtendBeforeSeconds * 1000) / 4),
      onExtended: (lease) => {
        metrics.visibilityExtended.inc(this.labels);
        this.log.debug({ messageId: lease.message.messageId }, 'visibility extended');
      },
      onLost: (lease, reason) => {
        metrics.failures.inc({ ...this.labels, class: `mns_visibility_${reason}` });
        this.log.warn(
          { messageId: lease.message.messageId, reason },
          'lease lost before the signal finished',
        );
      },
    });
    this.deleter = new DeleteBatcher({
      transport,
      maxBatch: 16,
      lingerMs: tuning.deleteLingerMs,
      // This queue's messages against the shared bound: with several queues each one lingers
      // less than the whole poller's load would warrant, which only costs a little CPU.
      busyness: () => this.processing.size / options.slots.capacity,
      maxAttempts: 5,
      backoff: () => new Backoff({ initialMs: 100, maxMs: 2_000 }),
      onError: (err) => {
        metrics.failures.inc({ ...this.labels, class: `mns_delete_${classifyMnsError(err).kind}` });
      },
    });
  }

  get inFlight(): number {
    return this.processing.size;
  }

  start(): void {
    for (let i = 0; i < this.options.tuning.receiveLoopsPerQueue; i += 1) {
      this.loops.push(this.receiveLoop(i));
    }
  }

  /** Stops asking for messages. Long polls under way still deliver, and are processed. */
  stop(): void {
    this.stopReceiving.abort();
  }

  /** Waits until nothing is in flight (or the deadline), then sends the pending deletes. */
  async drain(deadline: number): Promise<number> {
    while (this.processing.size > 0 && Date.now() < deadline) {
      await Promise.race([Promise.all([...this.processing]), pause(Math.max(1, deadline - Date.now()))]);
    }
    this.drained = true;
    await this.deleter.flush();
    this.extender.stop();
    return this.processing.size;
  }

  /**
   * Gives messages still in flight back to the queue at once (visibility 1 s) instead of after
   * their lease: another poller takes them over sooner. Their signals may still land; the
   * redelivery is deduplicated by the workflow.
   */
  async releaseUnfinished(timeoutMs: number): Promise<void> {
    const releases = [...this.leases]
      .filter((lease) => lease.held && !lease.settling)
      .map(async (lease) => {
        const handle = await lease.currentHandle();
        await this.options.transport.changeVisibility(handle, 1).catch(() => undefined);
      });
    await Promise.race([Promise.all(releases), pause(timeoutMs)]);
  }

  /** Resolves once every receive loop has returned (each ends after its current long poll). */
  loopsDone(): Promise<void> {
    return Promise.all(this.loops).then(() => undefined);
  }

  private async receiveLoop(index: number): Promise<void> {
    const { transport, tuning, slots, breaker, metrics } = this.options;
    const signal = this.stopReceiving.signal;
    const backoff = new Backoff({ initialMs: 200, maxMs: 30_000 });
    while (!signal.aborted) {
      await breaker.whenClosed(signal);
      if (signal.aborted) break;
      const wanted = await slots.acquireUpTo(tuning.batchSize, signal);
      if (wanted === 0) continue;
      const started = Date.now();
      let messages: QueueMessage[];
      try {
        messages = await transport.receive(wanted, tuning.waitSeconds);
        this.lastReceiveError = null;
        backoff.reset();
      } catch (err) {
        slots.release(wanted);
        const kind = classifyMnsError(err).kind;
        this.lastReceiveError = kind;
        metrics.failures.inc({ ...this.labels, class: `mns_receive_${kind}` });
        const delay = backoff.next();
        this.log.warn({ loop: index, kind, err: errorSummary(err), retryInMs: delay }, 'receive failed');
        await pause(delay, signal);
        continue;
      }
      slots.release(wanted - messages.length);
      if (messages.length === 0) {
        if (Date.now() - started < quickEmptyReceiveMs) await pause(quickEmptyReceiveMs, signal);
        continue;
      }
      metrics.received.inc(this.labels, messages.length);
      if (this.drained) {
        // A long poll outlived the drain: hand these straight back rather than start work the
        // exiting process may not finish.
        await this.handBack(messages, () => 1);
        continue;
      }
      if (breaker.state === 'open') {
        // A long poll that began before the breaker opened: their signals could only fail on
        // their deadlines, so they go back on the short retry schedule instead.
        await this.handBack(messages, (m) =>
          retryVisibilitySeconds(m.dequeueCount, tuning.visibilityTimeoutSeconds),
        );
        metrics.releasedForRetry.inc(this.labels, messages.length);
        continue;
      }
      for (const message of messages) this.startProcessing(message);
    }
  }

  /** Returns unprocessed messages to MNS; one that fails to go back waits out its lease. */
  private async handBack(messages: QueueMessage[], seconds: (m: QueueMessage) => number): Promise<void> {
    this.options.slots.release(messages.length);
    await Promise.all(
      messages.map((m) =>
        this.options.transport.changeVisibility(m.receiptHandle, seconds(m)).catch(() => undefined),
      ),
    );
  }

  private startProcessing(message: QueueMessage): void {
    const lease = new Lease(message);
    this.leases.add(lease);
    this.extender.track(lease);
    this.options.metrics.inFlight.inc(this.labels);
    const run = this.process(lease)
      .catch((err: unknown) => {
        // process() handles every expected failure; this is a bug guard that keeps the loop alive.
        this.log.error({ messageId: message.messageId, err: errorSummary(err) }, 'message handling crashed');
        return 'left' as const;
      })
      .finally(() => {
        this.extender.untrack(lease);
        this.leases.delete(lease);
        this.processing.delete(run);
        this.options.slots.release(1);
        this.options.metrics.inFlight.dec(this.labels);
      });
    this.processing.add(run);
  }

  private async process(lease: Lease): Promise<MessageOutcome> {
    const { tuning, decode, signaller, breaker, metrics } = this.options;
    const message = lease.message;
    if (message.dequeueCount > tuning.maxDequeueCount) {
      return this.deadLetter(
        lease,
        'too_many_receives',
        `received ${message.dequeueCount} times (VODFLOW_MAX_DEQUEUE_COUNT=${tuning.maxDequeueCount})`,
      );
    }
    const decoded = decode(message.body);
    if (!decoded.ok) return this.deadLetter(lease, 'invalid_body', decoded.reason);
    const event = decoded.event;
    if (event.mediaId === null) {
      return this.deadLetter(
        lease,
        'no_media_id',
        `${event.eventType} (status ${event.status ?? 'none'}) carries no VideoId/MediaId to key a workflow on`,
      );
    }
    // Plain fields rather than a child logger: this runs for every message.
    const ids = { messageId: message.messageId, mediaId: event.mediaId };
    const signalStarted = process.hrtime.bigint();
    let outcome: SignalOutcome;
    try {
      outcome = await signaller.signal({
        event: { ...event, mediaId: event.mediaId },
        region: this.options.spec.region,
        messageId: message.messageId,
      });
    } catch (err) {
      const failure = classifyTemporalError(err);
      metrics.failures.inc({ ...this.labels, class: `temporal_${failure}` });
      if (failure === 'rejected') {
        this.log.error({ ...ids, err: errorSummary(err) }, 'Temporal rejected the signal');
        return this.deadLetter(lease, 'temporal_rejected', errorSummary(err));
      }
      if (countsAgainstTemporal(failure)) breaker.recordFailure();
      this.log.warn(
        { ...ids, class: failure, err: errorSummary(err) },
        'signal failed; the message will come back',
      );
      // Overload or an outage: hand the message back for a retry in seconds. A configuration
      // failure waits for an operator, so it keeps the whole lease rather than spin.
      if (failure === 'unavailable' || failure === 'deadline') return this.releaseForRetry(lease);
      // No more extensions: let the lease run out so MNS redelivers it.
      lease.settling = true;
      return 'left';
    }
    breaker.recordSuccess();
    metrics.signalLatency.observe(this.labels, Number(process.hrtime.bigint() - signalStarted) / 1e9);
    metrics.signalled.inc({ ...this.labels, outcome: outcome.kind.replace(/-/g, '_') });
    if (outcome.kind === 'late-after-close') {
      // Acknowledged on purpose (docs/POLLER.md): the run that already handled it has closed.
      this.log.warn(
        { ...ids, eventType: event.eventType, identity: event.identity, eventTime: event.eventTime },
        'event older than the closed workflow run; acknowledged as a late duplicate',
      );
    } else {
      if (this.log.isLevelEnabled('debug')) {
        this.log.debug(
          { ...ids, eventType: event.eventType, outcome: outcome.kind, runId: outcome.runId },
          'signalled',
        );
      }
    }
    return this.settle(lease, await this.deleter.delete(lease));
  }

  /**
   * Makes a message whose signal failed visible again after a short, backed-off pause
   * (ChangeMessageVisibility) instead of its whole lease. The signal may still have landed
   * (a deadline leaves the outcome unknown); the workflow dedupes the redelivery.
   */
  private async releaseForRetry(lease: Lease): Promise<MessageOutcome> {
    const { transport, tuning, metrics } = this.options;
    const seconds = retryVisibilitySeconds(lease.message.dequeueCount, tuning.visibilityTimeoutSeconds);
    const handle = await lease.currentHandle();
    if (!lease.held) return 'left';
    try {
      await transport.changeVisibility(handle, seconds);
    } catch (err) {
      // The lease runs out instead: slower, but the message still comes back.
      metrics.failures.inc({ ...this.labels, class: `mns_release_${classifyMnsError(err).kind}` });
      return 'left';
    }
    metrics.releasedForRetry.inc(this.labels);
    return 'released';
  }

  private async deadLetter(lease: Lease, reason: DeadLetterReason, detail: string): Promise<MessageOutcome> {
    const { transport, spec, metrics } = this.options;
    const message = lease.message;
    try {
      await transport.sendDeadLetter(deadLetterDocument(message, spec, reason, detail));
    } catch (err) {
      const kind = classifyMnsError(err).kind;
      metrics.failures.inc({ ...this.labels, class: `mns_dead_letter_${kind}` });
      this.log.error(
        {
          messageId: message.messageId,
          reason,
          deadLetterQueue: spec.deadLetterQueue,
          kind,
          err: errorSummary(err),
        },
        'could not dead-letter; the message will come back',
      );
      lease.settling = true;
      return 'left';
    }
    metrics.deadLettered.inc({ ...this.labels, reason });
    // The body is not logged: it may be large or hostile. The DLQ has it.
    this.log.info({ messageId: message.messageId, reason, detail }, 'message dead-lettered');
    const outcome = this.settle(lease, await this.deleter.delete(lease));
    return outcome === 'deleted' ? 'dead-lettered' : outcome;
  }

  private settle(lease: Lease, result: DeleteOutcome): MessageOutcome {
    const { metrics } = this.options;
    metrics.deleted.inc({ ...this.labels, result });
    if (result === 'deleted') {
      metrics.enqueueToDelete.observe(
        this.labels,
        Math.max(0, Date.now() - lease.message.enqueueTime) / 1000,
      );
      return 'deleted';
    }
    this.log.warn(
      { messageId: lease.message.messageId, result },
      'delete did not succeed; the message will come back',
    );
    return result === 'stale' ? 'delete-stale' : 'delete-failed';
  }
}

/** Error name and message only: never request options, headers or bodies. */
export function errorSummary(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`.slice(0, 500);
  return String(err).slice(0, 500);
}
