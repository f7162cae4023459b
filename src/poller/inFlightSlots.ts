import { WakeUps } from './wakeUps';

/**
 * The bound on messages held at once (received, not yet deleted or given up). A receive loop
 * takes up to a batch of slots before it asks MNS for messages, so a slow Temporal makes the
 * loops ask for fewer messages and then none: backpressure instead of expiring leases.
 */
export class InFlightSlots {
  private used = 0;
  private readonly waiters = new WakeUps();

  constructor(private limit: number) {}

  /** How many messages may be held now (adaptive: see concurrencyLimit.ts). */
  get capacity(): number {
    return this.limit;
  }

  /**
   * Changes the bound. Shrinking takes no slot back: messages already held finish, and new
   * receives wait until the count falls under the new bound. Growing wakes waiting loops.
   */
  resize(capacity: number): void {
    const grew = capacity > this.limit;
    this.limit = Math.max(1, capacity);
    if (grew) this.waiters.wakeAll();
  }

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
