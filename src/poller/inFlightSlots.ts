import { WakeUps } from './wakeUps';

/**
 * The bound on messages held at once (received, not yet deleted or given up). A receive loop
 * takes up to a batch of slots before it asks MNS for messages, so a slow Temporal makes the
 * loops ask for fewer messages and then none: backpressure instead of expiring leases.
 */
export class InFlightSlots {
  private used = 0;
  private readonly waiters = new WakeUps();

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  /** Takes between 1 and max slots, waiting while none is free. Returns 0 if the signal aborted. */
  async acquireUpTo(max: number, signal?: AbortSignal): Promise<number> {
    while (this.used >= this.capacity) {
      if (signal?.aborted) return 0;
      await this.waiters.next(signal);
    }
    if (signal?.aborted) return 0;
    const taken = Math.min(max, this.capacity - this.used);
    this.used += taken;
    return taken;
  }

  release(count = 1): void {
    if (count <= 0) return;
    this.used = Math.max(0, this.used - count);
    this.waiters.wakeAll();
  }
}
