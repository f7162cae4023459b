import type { QueueMessage, VisibilityLease } from './queueTransport';

/**
 * A received message's hold on MNS: the newest receipt handle and when it runs out. Visibility
 * extension replaces the handle, so every later call must read it from here, and a delete must
 * wait for an extension under way (whose new handle will be the only valid one).
 */
export class Lease {
  receiptHandle: string;
  /** Epoch ms on this host's clock. */
  visibleUntil: number;
  /** Set once the message is being deleted or dead-lettered: no extension starts after it. */
  settling = false;
  /** False once MNS said the handle is stale: the message is (or will be) redelivered. */
  held = true;
  extending: Promise<void> | null = null;

  constructor(readonly message: QueueMessage) {
    this.receiptHandle = message.receiptHandle;
    this.visibleUntil = message.leaseEndsAt;
  }

  renewed(next: VisibilityLease): void {
    this.receiptHandle = next.receiptHandle;
    this.visibleUntil = next.leaseEndsAt;
  }

  /** The handle to settle with, after any extension in progress has swapped it. */
  async currentHandle(): Promise<string> {
    this.settling = true;
    while (this.extending) await this.extending;
    return this.receiptHandle;
  }
}
