import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTable, progressLine } from '../../../cli/progress';
import { percentile } from '../../../src/observability/percentiles';

test('progress line fills in proportion', () => {
  assert.equal(progressLine('videos', 5, 10, 10), 'videos [#####.....] 5/10');
  assert.equal(progressLine('videos', 0, 0, 4), 'videos [####] 0/0');
});

test('table aligns columns under a header rule', () => {
  assert.equal(
    formatTable([
      ['a', 'bb'],
      ['ccc', 'd'],
    ]),
    'a    bb\n---  --\nccc  d',
  );
});

test('nearest-rank percentiles', () => {
  const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
  assert.equal(percentile(samples, 50), 50);
  assert.equal(percentile(samples, 99), 99);
  assert.equal(percentile(samples, 100), 100);
  assert.equal(percentile([7], 1), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
});
