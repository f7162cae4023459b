import { classifyMnsError } from '../mns/client';
import type { Lease } from './lease';
import type { QueueTransport } from './queueTransport';

export interface VisibilityExtenderOptions {
  transport: QueueTransport;
  /** The new visibility timeout each extension asks for. */
  visibilityTimeoutSeconds: number;
  /** Extend a lease once it has less than this left. */
  extendBeforeMs: number;
  /** How often leases are checked. */
  intervalMs: number;
  now?: () => number;
  onExtended?: (lease: Lease) => void;
  onLost?: (lease: Lease, reason: string) => void;
}

/**
 * Keeps in-flight messages invisible while their signal is slow, so another receive loop or
 * poller does not get the same message and signal it a second time. One timer per queue
 * scans the (bounded) set of leases.
 */
export class VisibilityExtender {
  private readonly leases = new Set<Lease>();
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(private readonly options: VisibilityExtenderOptions) {
    this.now = options.now ?? Date.now;
  }

  track(lease: Lease): void {
    this.leases.add(lease);
    this.timer ??= setInterval(() => this.scan(), this.options.intervalMs);
  }

  untrack(lease: Lease): void {
    this.leases.delete(lease);
    if (this.leases.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  get size(): number {
    return this.leases.size;
  }

  /** One pass: starts an extension for every lease near its end. Exposed for tests. */
  scan(): Promise<void>[] {
    const started: Promise<void>[] = [];
    const threshold = this.now() + this.options.extendBeforeMs;
    for (const lease of this.leases) {
      if (lease.settling || !lease.held || lease.extending || lease.visibleUntil > threshold) continue;
      started.push(this.extend(lease));
    }
    return started;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private extend(lease: Lease): Promise<void> {
    const run = async () => {
      try {
        const next = await this.options.transport.changeVisibility(
          lease.receiptHandle,
          this.options.visibilityTimeoutSeconds,
        );
        lease.renewed(next);
        this.options.onExtended?.(lease);
      } catch (err) {
        const kind = classifyMnsError(err).kind;
        if (kind === 'message-not-exist' || kind === 'receipt-handle-invalid') {
          // Too late: the message is visible again. Its signal still goes ahead (the
          // workflow dedupes the redelivery); only the delete will find the handle stale.
          lease.held = false;
          this.options.onLost?.(lease, kind);
        }
        // Transient errors: the next scan tries again while time is left.
      }
    };
    const extending = run().finally(() => {
      lease.extending = null;
    });
    lease.extending = extending;
    return extending;
  }
}
