import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryVisibilitySeconds } from '../../../src/poller/backoff';

test('a failed signal comes back after 1 s, then 2, 4, 8 … seconds, never beyond the lease', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8].map((count) => retryVisibilitySeconds(count, 60)),
    [1, 2, 4, 8, 16, 32, 60, 60],
  );
  assert.equal(retryVisibilitySeconds(3, 3), 3, 'capped by a short lease');
  assert.equal(retryVisibilitySeconds(1_000, 43_200), 43_200, 'huge receive counts stay finite');
  assert.equal(retryVisibilitySeconds(0, 60), 1, 'MNS accepts whole seconds from 1');
});
