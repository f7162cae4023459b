/**
 * A seeded pseudo-random source. Every choice of a chaos run (workload, faults, poison)
 * draws from one of these, so a seed reproduces the run's inputs exactly; only the
 * interleaving of real processes differs between two runs with the same seed.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(minInclusive: number, maxExclusive: number): number;
  chance(probability: number): boolean;
  pick<T>(items: readonly T[]): T;
  shuffle<T>(items: T[]): T[];
  hex(length: number): string;
  /** An independent stream, so adding draws to one part of a run does not shift another. */
  fork(label: string): Random;
}

export function createRandom(seed: number | string): Random {
  const state = { value: typeof seed === 'number' ? seed >>> 0 : hashSeed(seed) };
  // mulberry32: tiny, fast and good enough for test inputs (not for cryptography).
  const next = (): number => {
    state.value = (state.value + 0x6d2b79f5) >>> 0;
    let t = state.value;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random: Random = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min)),
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)]!;
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i -= 1) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j]!, items[i]!];
      }
      return items;
    },
    hex: (length) => {
      let out = '';
      while (out.length < length) out += Math.floor(next() * 16).toString(16);
      return out;
    },
    fork: (label) => createRandom(hashSeed(`${state.value}:${label}`)),
  };
  return random;
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
