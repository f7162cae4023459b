import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createRandom, deriveSeed } from '../../../harness/random';

const draws = (seed: number | string, n = 20) => {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => random.next());
};

test('one seed, one sequence; numbers and text seeds both work', () => {
  assert.deepEqual(draws(42), draws(42));
  assert.notDeepEqual(draws(42), draws(43));
  assert.deepEqual(draws('chaos'), draws('chaos'));
  assert.ok(draws(7).every((x) => x >= 0 && x < 1));
});

test('int(min, max) includes both ends and nothing outside them', () => {
  fc.assert(
    fc.property(
      fc.integer(),
      fc.integer({ min: -50, max: 50 }),
      fc.integer({ min: 0, max: 5 }),
      (seed, min, span) => {
        const random = createRandom(seed);
        const seen = new Set<number>();
        for (let i = 0; i < 400; i += 1) seen.add(random.int(min, min + span));
        assert.deepEqual(
          [...seen].sort((a, b) => a - b),
          Array.from({ length: span + 1 }, (_, i) => min + i),
        );
      },
    ),
    { numRuns: 50 },
  );
});

test('chance(0) draws nothing, so a knob left at 0 does not shift later draws', () => {
  const a = createRandom(5);
  const b = createRandom(5);
  assert.equal(a.chance(0), false);
  assert.equal(a.chance(-1), false);
  assert.equal(a.next(), b.next());
  assert.equal(createRandom(5).chance(1), true);
});

test('shuffle returns a permutation and leaves its input alone; pick refuses an empty list', () => {
  const items = [1, 2, 3, 4, 5, 6, 7, 8];
  const shuffled = createRandom(9).shuffle(items);
  assert.deepEqual(items, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(
    [...shuffled].sort((a, b) => a - b),
    items,
  );
  assert.throws(() => createRandom(1).pick([]), /empty/);
  assert.match(createRandom(1).hex(32), /^[0-9a-f]{32}$/);
});

test('forks are independent streams: drawing from one does not move another', () => {
  const root = createRandom(3);
  const faults = root.fork('faults');
  const expected = createRandom(3).fork('faults').next();
  root.fork('uploads').next();
  assert.equal(faults.next(), expected);
  assert.notEqual(createRandom(3).fork('a').next(), createRandom(3).fork('b').next());
  assert.notEqual(deriveSeed(1, 0), deriveSeed(1, 1));
});
