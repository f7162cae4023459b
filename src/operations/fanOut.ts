/**
 * Runs one piece of work per item, at most `concurrency` at a time (and, with a limiter, no
 * more items started per second than it allows), and reports progress. A piece of work that
 * throws is reported as that item's error; the others go on.
 */
import type { TokenBucket } from './rateLimiter';

export interface FanOutOptions {
  limiter?: TokenBucket;
  concurrency: number;
  onProgress?: (done: number, total: number) => void;
}

export type FanOutResult<T, R> = { item: T; ok: true; value: R } | { item: T; ok: false; error: unknown };

export async function fanOut<T, R>(
  items: readonly T[],
  work: (item: T) => Promise<R>,
  options: FanOutOptions,
): Promise<FanOutResult<T, R>[]> {
  const results: FanOutResult<T, R>[] = new Array<FanOutResult<T, R>>(items.length);
  let next = 0;
  let done = 0;
  options.onProgress?.(0, items.length);
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      const item = items[index]!;
      await options.limiter?.take();
      try {
        results[index] = { item, ok: true, value: await work(item) };
      } catch (error) {
        results[index] = { item, ok: false, error };
      }
      done += 1;
      options.onProgress?.(done, items.length);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, items.length));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  return results;
}
