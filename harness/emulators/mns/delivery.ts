/**
 * How the emulated service hands messages out, shared by every queue of the account: the
 * striping that makes real batch receives short and unordered, the seeded randomness behind
 * it, the account's cap on held long polls, and what happens to a long poll whose client left.
 */
import { createRandom, type Random } from '../../random';

export interface DeliveryOptions {
  /**
   * Debugging only: one stripe, full batches, oldest visible message first, priority ignored
   * (what the emulator did before it modelled striping). Default false.
   */
  strictFifo?: boolean;
  /** Stripes per queue; a batch receive is served from one of them. Default 4. */
  stripes?: number;
  /**
   * Chance (0..1) that a long poll whose client went away is noticed only when the server
   * answers it: the messages it is answered with are consumed by the dead request and stay
   * invisible until their visibility timeout. Default 0.25.
   */
  abandonedPollConsumeRate?: number;
  /** Held long polls per account; further ones answer MessageNotExist at once. 0 = no cap. Default 1000. */
  longPollLimit?: number;
}

export const defaultStripes = 4;
export const defaultAbandonedPollConsumeRate = 0.25;
export const defaultLongPollLimit = 1000;

export interface DeliverySettings {
  strictFifo: boolean;
  stripes: number;
  abandonedPollConsumeRate: number;
  longPollLimit: number;
  random: Random;
}

/**
 * The emulator's one source of chance (striping, hold times, injected faults, abandoned
 * polls), re-seedable so a test can replay a sequence from its own seed.
 */
export class SeededRandom implements Random {
  private inner: Random;

  constructor(seed: number) {
    this.inner = createRandom(seed);
  }

  reseed(seed: number): void {
    this.inner = createRandom(seed);
  }

  next = (): number => this.inner.next();
  int = (min: number, max: number): number => this.inner.int(min, max);
  chance = (probability: number): boolean => this.inner.chance(probability);
  pick = <T>(items: readonly T[]): T => this.inner.pick(items);
  shuffle = <T>(items: readonly T[]): T[] => this.inner.shuffle(items);
  hex = (length: number): string => this.inner.hex(length);
  fork = (label: string): Random => this.inner.fork(label);
}

export function deliverySettings(options: DeliveryOptions, random: Random): DeliverySettings {
  const stripes = options.stripes ?? defaultStripes;
  if (!Number.isInteger(stripes) || stripes < 1 || stripes > 64)
    throw new Error('delivery stripes must be an integer within 1..64');
  const rate = options.abandonedPollConsumeRate ?? defaultAbandonedPollConsumeRate;
  if (!(rate >= 0 && rate <= 1)) throw new Error('abandonedPollConsumeRate must be within 0..1');
  const limit = options.longPollLimit ?? defaultLongPollLimit;
  if (!Number.isInteger(limit) || limit < 0) throw new Error('longPollLimit must be a non-negative integer');
  return {
    strictFifo: options.strictFifo ?? false,
    stripes: options.strictFifo ? 1 : stripes,
    abandonedPollConsumeRate: rate,
    longPollLimit: limit,
    random,
  };
}

/** Counts held long polls across the account. */
export class LongPollGate {
  private held = 0;

  constructor(private readonly limit: () => number) {}

  get waiting(): number {
    return this.held;
  }

  tryEnter(): boolean {
    const limit = this.limit();
    if (limit > 0 && this.held >= limit) return false;
    this.held += 1;
    return true;
  }

  leave(): void {
    this.held = Math.max(0, this.held - 1);
  }
}
