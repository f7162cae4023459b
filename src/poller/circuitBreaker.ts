import { Backoff, pause } from './backoff';
import { WakeUps } from './wakeUps';

export type BreakerState = 'closed' | 'open';

export interface CircuitBreakerOptions {
  /** Consecutive "Temporal is down" failures that open the breaker. */
  failureThreshold: number;
  /** Checks Temporal directly (a health RPC), so no message is churned to learn it is back. */
  probe: () => Promise<void>;
  probeBackoff: Backoff;
  onStateChange?: (state: BreakerState) => void;
}

/**
 * Stops receiving while Temporal is unreachable. Receive loops wait in whenClosed(); while
 * open, one prober retries the health check with jittered backoff and closes the breaker on
 * its first success. Messages already in flight are not touched: their signals fail on their
 * own deadlines and the messages come back through MNS visibility.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private current: BreakerState = 'closed';
  private readonly waiters = new WakeUps();
  private probing: Promise<void> | null = null;
  private readonly stopController = new AbortController();

  constructor(private readonly options: CircuitBreakerOptions) {}

  get state(): BreakerState {
    return this.current;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    if (this.current === 'open') this.close();
  }

  recordFailure(): void {
    this.consecutiveFailures += 1;
    if (this.current === 'closed' && this.consecutiveFailures >= this.options.failureThreshold) this.open();
  }

  /** Resolves when receiving may go on (at once when closed), or when the signal aborts. */
  whenClosed(signal?: AbortSignal): Promise<void> {
    if (this.current === 'closed') return Promise.resolve();
    return this.waiters.next(signal);
  }

  /** Ends probing; waiters are released by their own abort signals. */
  async stop(): Promise<void> {
    this.stopController.abort();
    await this.probing;
  }

  private open(): void {
    this.current = 'open';
    this.options.onStateChange?.('open');
    this.probing ??= this.probeUntilUp().finally(() => {
      this.probing = null;
    });
  }

  private close(): void {
    this.current = 'closed';
    this.consecutiveFailures = 0;
    this.options.probeBackoff.reset();
    this.options.onStateChange?.('closed');
    this.waiters.wakeAll();
  }

  private async probeUntilUp(): Promise<void> {
    const signal = this.stopController.signal;
    while (this.current === 'open' && !signal.aborted) {
      await pause(this.options.probeBackoff.next(), signal);
      if (signal.aborted || this.current !== 'open') return;
      try {
        await this.options.probe();
        this.close();
      } catch {
        // still down: next round after a longer pause
      }
    }
  }
}
