import { classifyMnsError } from '../mns/client';
import { Backoff, pause } from './backoff';
import type { Lease } from './lease';
import { isStaleHandleCode, type QueueTransport } from './queueTransport';

export type DeleteOutcome = 'deleted' | 'stale' | 'failed';

export interface DeleteBatcherOptions {
  transport: QueueTransport;
  /** MNS allows 16 handles per BatchDeleteMessage. */
  maxBatch: number;
  /**
   * How long a lone delete waits for company under full load; small, since it adds to
   * enqueue-to-delete latency.
   */
  lingerMs: number;
  /**
   * How busy the consumer is, from 0 (nothing in flight) to 1 (every slot taken); the linger is
   * scaled by it. With slots to spare a delete goes out at once, since latency is then free to
   * give; when every slot is taken, CPU is what limits throughput and the whole linger is spent
   * filling batches. Without it the full linger always applies.
   */
  busyness?: () => number;
  /** Attempts per batch for retryable whole-call failures (5xx, network, timeout). */
  maxAttempts: number;
  backoff: () => Backoff;
  now?: () => number;
  onError?: (err: unknown) => void;
}

interface Pending {
  lease: Lease;
  resolve: (outcome: DeleteOutcome) => void;
}

/**
 * Groups deletes into BatchDeleteMessage calls. A stale handle is harmless (the message was
 * or will be redelivered and the workflow dedupes it); a whole call that keeps failing is
 * given up once the leases would have run out anyway.
 */
export class DeleteBatcher {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly flushing = new Set<Promise<void>>();
  private readonly now: () => number;

  constructor(private readonly options: DeleteBatcherOptions) {
    this.now = options.now ?? Date.now;
  }

  delete(lease: Lease): Promise<DeleteOutcome> {
    return new Promise((resolve) => {
      this.pending.push({ lease, resolve });
      if (this.pending.length >= this.options.maxBatch) this.flushNow();
      else this.timer ??= setTimeout(() => this.flushNow(), this.lingerNow());
    });
  }

  private lingerNow(): number {
    const busyness = this.options.busyness?.() ?? 1;
    return Math.round(this.options.lingerMs * Math.min(1, Math.max(0, busyness)));
  }

  /** Sends everything pending and waits for every batch under way. */
  async flush(): Promise<void> {
    this.flushNow();
    while (this.flushing.size > 0) await Promise.all([...this.flushing]);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.options.maxBatch);
      const sending = this.send(batch).finally(() => this.flushing.delete(sending));
      this.flushing.add(sending);
    }
  }

  private async send(batch: Pending[]): Promise<void> {
    const handles = await Promise.all(batch.map((p) => p.lease.currentHandle()));
    const backoff = this.options.backoff();
    for (let attempt = 1; ; attempt += 1) {
      try {
        const failures = await this.options.transport.deleteBatch(handles);
        const failed = new Map(failures.map((f) => [f.receiptHandle, f.errorCode]));
        for (const [i, p] of batch.entries()) {
          const code = failed.get(handles[i]!);
          p.resolve(code === undefined ? 'deleted' : isStaleHandleCode(code) ? 'stale' : 'failed');
        }
        return;
      } catch (err) {
        this.options.onError?.(err);
        const leaseLeft = Math.min(...batch.map((p) => p.lease.visibleUntil)) - this.now();
        const delay = backoff.next();
        if (!classifyMnsError(err).retryable || attempt >= this.options.maxAttempts || delay >= leaseLeft) {
          for (const p of batch) p.resolve('failed');
          return;
        }
        await pause(delay);
      }
    }
  }
}
