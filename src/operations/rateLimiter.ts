/**
 * A token bucket: the operator commands' cap on calls per second to Temporal or MNS, so a
 * rerun of ten thousand videos or a redrive of a full dead-letter queue cannot flood either.
 * `reserve()` is the pure core (a clock is injected); `take()` waits for the reserved slot.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface TokenBucketOptions {
  /** Tokens added per second: the sustained rate. */
  ratePerSecond: number;
  /** Tokens the bucket holds at most: calls that may go at once after a pause. Default: 1 s worth, at least 1. */
  burst?: number;
  now?: () => number;
}

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly burst: number;
  private readonly now: () => number;
  private tokens: number;
  private updatedAt: number;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond)) {
      throw new RangeError('ratePerSecond must be a positive number');
    }
    this.ratePerSecond = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? Math.floor(options.ratePerSecond));
    this.now = options.now ?? Date.now;
    this.tokens = this.burst;
    this.updatedAt = this.now();
  }

  /**
   * Takes one token and says how many milliseconds the caller must wait before using it (0 when
   * one was there). Tokens may go negative: each caller reserves its own future slot, so
   * concurrent callers are spaced out instead of all waking at once.
   */
  reserve(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSecond);
    this.updatedAt = now;
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000);
  }

  /** Resolves when the caller may make one call. */
  async take(signal?: AbortSignal): Promise<void> {
    const waitMs = this.reserve();
    if (waitMs > 0) await sleep(waitMs, undefined, signal ? { signal } : undefined);
  }
}

/** `--rps`: a positive number up to 1000. */
export function parseRate(text: string): number {
  const rate = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || !(rate > 0) || rate > 1000) {
    throw new RangeError(`--rps must be a number above 0 and at most 1000 (got ${JSON.stringify(text)})`);
  }
  return rate;
}
