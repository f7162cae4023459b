/**
 * The service's throttling policy: past the account's rate, a request is held on the server
 * for a short while and then answered 429 TooManyRequests. The rate counts messages for the
 * batch send and receive calls (a BatchSendMessage of 10 counts 10), one per call otherwise.
 */
import type { Random } from '../../random';
import type { RoutedRequest } from './protocol';

export interface ThrottleOptions {
  /** Requests (messages, for batch send/receive) per second per account; default 20000. */
  limitPerSecond?: number;
  /** How long a throttled request is held before its 429: a fixed ms or a [min, max] range. Default [10, 500]. */
  holdMs?: number | readonly [number, number];
}

export const defaultThrottleLimit = 20_000;
const defaultHold: readonly [number, number] = [10, 500];
/** The policy page's upper bound on the hold. */
const maxHoldMs = 5_000;

export class Throttle {
  private readonly limit: number;
  private readonly hold: readonly [number, number];
  private tokens: number;
  private refilledAt: number;

  /** `false` disables the rate limit; injected throttling (faults) still holds as configured. */
  constructor(
    options: ThrottleOptions | false,
    private readonly random: Random,
    private readonly now: () => number = () => performance.now(),
  ) {
    const limit = options === false ? Infinity : (options.limitPerSecond ?? defaultThrottleLimit);
    if (!(limit > 0)) throw new Error('throttle limitPerSecond must be positive');
    this.limit = limit;
    const hold = options === false ? undefined : options.holdMs;
    this.hold = hold === undefined ? defaultHold : typeof hold === 'number' ? [hold, hold] : hold;
    if (!(this.hold[0] >= 0 && this.hold[0] <= this.hold[1] && this.hold[1] <= maxHoldMs)) {
      throw new Error(`throttle holdMs must be within 0..${maxHoldMs} (min <= max)`);
    }
    this.tokens = Number.isFinite(limit) ? limit : 0;
    this.refilledAt = this.now();
  }

  /** Takes `weight` from a one-second bucket; false when the request is over the rate. */
  admit(weight: number): boolean {
    if (!Number.isFinite(this.limit)) return true;
    const now = this.now();
    this.tokens = Math.min(this.limit, this.tokens + ((now - this.refilledAt) / 1000) * this.limit);
    this.refilledAt = now;
    if (this.tokens < weight) return false;
    this.tokens -= weight;
    return true;
  }

  /** How long to hold the throttled request before answering it. */
  holdMs(): number {
    const [min, max] = this.hold;
    return min === max ? min : this.random.int(min, max);
  }
}

/** What one request counts against the rate. */
export function requestWeight(routed: RoutedRequest, query: Map<string, string>): number {
  if (routed.operation === 'BatchSendMessage') {
    const entries = routed.doc?.content.Message;
    return Array.isArray(entries) ? Math.max(1, entries.length) : 1;
  }
  if (routed.operation === 'BatchReceiveMessage') {
    const asked = Number(query.get('numofmessages'));
    return Number.isInteger(asked) && asked >= 1 && asked <= 16 ? asked : 1;
  }
  return 1;
}
