import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterSearchAttributes } from '../../../harness/cluster/cluster';
import { vodflowSearchAttributes } from '../../../src/shared/searchAttributes';

// scripts/cluster reads its list from a JSON file (a shell script cannot import TypeScript):
// a search attribute added to the product must be added there too, or the cluster rejects it.
test("the cluster registers exactly the product's search attributes, with their types", () => {
  const keyword = (type: string) => (type === 'KEYWORD' ? 'Keyword' : type);
  assert.deepEqual(
    clusterSearchAttributes,
    Object.fromEntries(vodflowSearchAttributes.map((key) => [key.name, keyword(key.type)])),
  );
});
