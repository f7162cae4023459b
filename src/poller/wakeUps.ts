/**
 * Callers parked until some state changes (a slot frees, the breaker closes) or their abort
 * signal fires. The owner wakes them all and lets each re-check its condition, which keeps
 * the parked side free of lost-wake-up races.
 */
export class WakeUps {
  private parked: (() => void)[] = [];

  /** Resolves on the next wakeAll(), or when the signal aborts (at once if it already has). */
  next(signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        this.parked = this.parked.filter((w) => w !== done);
        resolve();
      };
      this.parked.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  wakeAll(): void {
    const parked = this.parked;
    this.parked = [];
    for (const wake of parked) wake();
  }
}
