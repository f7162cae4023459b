import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rerunRefusal, rerunTargets, type RerunGraphStep } from '../../../src/shared/rerun';
import { initialVideoState } from '../../../src/workflows/stageMachine';

// fetchPlayInfo → publishVideoReady ← contentReview (a gate placed `before` it); archive on its own.
const graph: RerunGraphStep[] = [
  { name: 'archive', waitsFor: [] },
  { name: 'contentReview', waitsFor: [] },
  { name: 'fetchPlayInfo', waitsFor: [] },
  { name: 'publishVideoReady', waitsFor: ['contentReview', 'fetchPlayInfo'] },
  { name: 'notify', waitsFor: ['publishVideoReady'] },
];

test('rerun targets: every step by default; from a step, it and everything that depends on it, in graph order', () => {
  assert.deepEqual(
    rerunTargets(graph),
    graph.map((s) => s.name),
  );
  assert.deepEqual(rerunTargets(graph, 'fetchPlayInfo'), ['fetchPlayInfo', 'publishVideoReady', 'notify']);
  assert.deepEqual(rerunTargets(graph, 'contentReview'), ['contentReview', 'publishVideoReady', 'notify']);
  assert.deepEqual(rerunTargets(graph, 'notify'), ['notify']);
  assert.deepEqual(rerunTargets(graph, 'archive'), ['archive']);
  assert.deepEqual(rerunTargets(graph, 'nope'), []);
});

test('a rerun is refused for an unknown step, a deleted video, or required stages not complete', () => {
  const ready = initialVideoState('v1');
  ready.stages.upload = { ...ready.stages.upload, status: 'succeeded', version: 1 };
  const subject = { status: 'failed' as const, video: ready, requiredStages: ['upload' as const], graph };
  assert.equal(rerunRefusal(subject, {}), null);
  assert.equal(rerunRefusal(subject, { from: 'notify', newPublication: true }), null);
  assert.equal(rerunRefusal({ ...subject, status: 'cancelled' }, {}), null, 'a cancelled video may be rerun');
  assert.match(rerunRefusal(subject, { from: 'publish' }) ?? '', /unknown step "publish" \(steps: archive, /);
  assert.match(rerunRefusal({ ...subject, status: 'deleted' }, {}) ?? '', /deleted/);
  assert.match(
    rerunRefusal({ ...subject, requiredStages: ['upload', 'transcode'] }, {}) ?? '',
    /required stages are not complete \(transcode pending\)/,
  );
});
