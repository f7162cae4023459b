/**
 * Exponential backoff with full jitter: concurrent loops that failed together spread out
 * instead of hammering a recovering service in lockstep.
 */
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor?: number;
  /** Injected for tests; Math.random otherwise. */
  random?: () => number;
}

export class Backoff {
  private attempt = 0;
  constructor(private readonly options: BackoffOptions) {}

  /** The delay before the next attempt; grows with each call until reset(). */
  next(): number {
    const { initialMs, maxMs, factor = 2, random = Math.random } = this.options;
    const ceiling = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt += 1;
    // Never zero: a failing call must not spin.
    return Math.max(1, Math.round(ceiling * random()));
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after ms, or at once when the signal aborts; never rejects. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * How long a message whose signal failed stays invisible before MNS offers it again: 1 s after
 * its first receive, doubling with each further receive, never longer than the queue's lease.
 * Short enough that a recovered Temporal sees the event within seconds; growing so a message
 * that keeps failing does not spin through its receives (each one counts towards
 * VODFLOW_MAX_DEQUEUE_COUNT). MNS accepts whole seconds from 1.
 */
export function retryVisibilitySeconds(dequeueCount: number, capSeconds: number): number {
  const exponent = Math.min(30, Math.max(0, dequeueCount - 1));
  return Math.max(1, Math.min(capSeconds, 2 ** exponent));
}
