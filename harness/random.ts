/**
 * The one seeded pseudo-random source of the harness, the chaos suite and the bench. Whatever
 * they draw (simulated uploads, workloads, faults, poison) must be reproducible from a seed so
 * that a failing test or run can be replayed; Math.random cannot be seeded. mulberry32: tiny,
 * fast, good enough for test inputs, never for anything secret.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** A whole number from `min` to `max`, both included. */
  int(min: number, max: number): number;
  /** True with this probability; draws nothing when the probability is 0 or less. */
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** A shuffled copy; `items` is left as it was. */
  shuffle<T>(items: readonly T[]): T[];
  /** Lower-case hex digits, like VOD's 32-character ids. */
  hex(length: number): string;
  /** An independent stream, so adding draws to one part of a run does not shift another. */
  fork(label: string): Random;
}

export function createRandom(seed: number | string): Random {
  let state = typeof seed === 'number' ? seed >>> 0 : hashSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    chance: (probability) => probability > 0 && next() < probability,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)] as (typeof items)[number];
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i -= 1) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j] as (typeof out)[number], out[i] as (typeof out)[number]];
      }
      return out;
    },
    hex: (length) => {
      let out = '';
      while (out.length < length) out += Math.floor(next() * 16).toString(16);
      return out;
    },
    fork: (label) => createRandom(hashSeed(`${state}:${label}`)),
  };
}

/** An independent seed for item `index` of a seeded batch. */
export function deriveSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 2654435761) + Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

/** FNV-1a, to turn text seeds and labels into 32-bit states. */
function hashSeed(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
