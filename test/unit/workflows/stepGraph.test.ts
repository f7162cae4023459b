import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { StepRecord } from '../../../src/shared/definitions';
import type { VideoState } from '../../../src/shared/videoState';
import { builtinSteps } from '../../../src/workflows/builtinSteps';
import { initialVideoState } from '../../../src/workflows/stageMachine';
import { defineReviewGate, defineStep, type StepDefinition } from '../../../src/workflows/stepDefinition';
import { buildStepGraph, planSteps, StepGraphError, stepVersion } from '../../../src/workflows/stepGraph';

const run = async () => undefined;
const step = (name: string, dependsOn: string[] = [], extra: Partial<StepDefinition> = {}): StepDefinition =>
  ({ ...defineStep({ name, dependsOn, run }), ...extra }) as StepDefinition;

function video(versions: { upload?: number; transcode?: number; snapshot?: number } = {}): VideoState {
  const state = initialVideoState('v1');
  for (const [stage, version] of Object.entries(versions) as [
    'upload' | 'transcode' | 'snapshot',
    number,
  ][]) {
    state.stages[stage] = { ...state.stages[stage], status: 'succeeded', version } as never;
  }
  return state;
}

const present = () => 'present' as const;
const settled = (
  status: StepRecord['status'],
  version: string,
  extra: Partial<StepRecord> = {},
): StepRecord => ({
  status,
  version,
  atMs: 0,
  ...extra,
});

test('the graph refuses duplicate names, unknown dependencies, cycles, stage names and bad names', () => {
  const cases: [StepDefinition[], RegExp][] = [
    [[step('a'), step('a')], /two steps are named a/],
    [[step('a', ['nope'])], /depends on nope, which is neither a stage nor a step/],
    [[step('a', ['b']), step('b', ['a'])], /cycle: a, b/],
    [[step('a', ['a'])], /depends on itself/],
    [[step('upload')], /is a stage name/],
    [[step('1bad')], /must match/],
    [[step('has space')], /must match/],
  ];
  for (const [steps, message] of cases) {
    assert.throws(
      () => buildStepGraph(steps),
      (err: unknown) => err instanceof StepGraphError && message.test(String(err)),
    );
  }
});

test('the order is topological and does not depend on how the list was written', () => {
  const steps = [
    step('publish', ['upload', 'review']),
    step('review', ['moderate']),
    step('moderate', ['snapshot']),
    step('notify', ['publish']),
    step('archive', ['upload']),
  ];
  const expected = buildStepGraph(steps).nodes.map((n) => n.definition.name);
  assert.deepEqual(expected, ['archive', 'moderate', 'review', 'publish', 'notify']);
  fc.assert(
    fc.property(
      fc.shuffledSubarray(steps, { minLength: steps.length, maxLength: steps.length }),
      (shuffled) => {
        assert.deepEqual(
          buildStepGraph(shuffled).nodes.map((n) => n.definition.name),
          expected,
        );
      },
    ),
  );
});

test('a step is versioned by the stages reachable from it: the built-in publication key is unchanged', () => {
  const graph = buildStepGraph(builtinSteps);
  const state = video({ upload: 1, transcode: 2, snapshot: 1 });
  assert.equal(stepVersion(graph.byName.get('fetchPlayInfo')!, state), 't2');
  assert.equal(stepVersion(graph.byName.get('publishVideoReady')!, state), 'u1-t2-s1');
  const withTeam = buildStepGraph([...builtinSteps, step('notifyCms', ['publishVideoReady'])]);
  assert.equal(stepVersion(withTeam.byName.get('notifyCms')!, state), 'u1-t2-s1');
  assert.deepEqual(withTeam.byName.get('notifyCms')!.ancestors, ['fetchPlayInfo', 'publishVideoReady']);
});

test('independent steps start together; a dependent waits until its dependency settled', () => {
  const graph = buildStepGraph([step('a', ['upload']), step('b', ['upload']), step('c', ['a', 'b'])]);
  const state = video({ upload: 1 });
  let plan = planSteps(graph, {}, state, present);
  assert.deepEqual(
    plan.start.map((s) => s.name),
    ['a', 'b'],
  );
  assert.deepEqual(plan.waiting, ['c']);
  plan = planSteps(graph, { a: settled('succeeded', 'u1'), b: settled('running', 'u1') }, state, present);
  assert.deepEqual(plan.start, []);
  assert.deepEqual(plan.waiting, ['c']);
  plan = planSteps(graph, { a: settled('succeeded', 'u1'), b: settled('succeeded', 'u1') }, state, present);
  assert.deepEqual(plan.start, [{ name: 'c', version: 'u1' }]);
});

test('settled steps rerun only when their stage inputs change', () => {
  const graph = buildStepGraph([step('a', ['transcode']), step('b', ['upload'])]);
  const records = { a: settled('succeeded', 't1'), b: settled('succeeded', 'u1') };
  assert.deepEqual(planSteps(graph, records, video({ upload: 1, transcode: 1 }), present).start, []);
  assert.deepEqual(planSteps(graph, records, video({ upload: 1, transcode: 2 }), present).start, [
    { name: 'a', version: 't2' },
  ]);
});

test('a failed step blocks its dependents and fails the video; an optional one only skips them', () => {
  const graph = buildStepGraph([
    step('required', ['upload']),
    step('afterRequired', ['required']),
    step('extra', ['upload'], { optional: true }),
    step('afterExtra', ['extra']),
    step('afterAfterExtra', ['afterExtra']),
  ]);
  const state = video({ upload: 1 });
  const plan = planSteps(
    graph,
    {
      required: settled('failed', 'u1', { error: 'boom' }),
      extra: settled('failed', 'u1', { optional: true }),
    },
    state,
    present,
  );
  assert.deepEqual(plan.failed, [{ name: 'required', status: 'failed', error: 'boom' }]);
  assert.deepEqual(plan.start, []);
  assert.deepEqual(plan.skip, [
    { name: 'afterExtra', version: 'u1', blockedBy: 'extra' },
    { name: 'afterAfterExtra', version: 'u1', blockedBy: 'extra' },
  ]);
  assert.ok(!plan.waiting.includes('afterRequired'), 'a blocked step is not waiting');
});

test('a step skipped by its condition, or absent from the run, lets its dependents run', () => {
  const graph = buildStepGraph([
    step('a', ['upload']),
    step('b', ['a']),
    step('c', ['upload']),
    step('d', ['c']),
  ]);
  const state = video({ upload: 1 });
  const plan = planSteps(graph, { a: settled('skipped', 'u1') }, state, (name) =>
    name === 'c' ? 'absent' : 'present',
  );
  assert.deepEqual(
    plan.start.map((s) => s.name),
    ['b', 'd'],
  );
});

test('a rejected review gate is reported as rejected and blocks what depends on it', () => {
  const graph = buildStepGraph([
    defineReviewGate({ name: 'review', dependsOn: ['upload'], timeout: '1 hour', onTimeout: 'reject' }),
    step('publish', ['review']),
  ]);
  const plan = planSteps(
    graph,
    { review: settled('rejected', 'u1', { error: 'rejected by ann: blurry' }) },
    video({ upload: 1 }),
    present,
  );
  assert.deepEqual(plan.failed, [{ name: 'review', status: 'rejected', error: 'rejected by ann: blurry' }]);
  assert.deepEqual(plan.start, []);
});

test('`before` puts a team step in front of a built-in one, and the built-in keeps its version inputs', () => {
  const gate = defineReviewGate({
    name: 'contentReview',
    dependsOn: ['snapshot'],
    before: ['publishVideoReady'],
    timeout: '1 hour',
    onTimeout: 'reject',
  });
  const graph = buildStepGraph([...builtinSteps, gate]);
  const publish = graph.byName.get('publishVideoReady')!;
  assert.deepEqual(publish.stepDeps, ['fetchPlayInfo', 'contentReview']);
  assert.equal(stepVersion(publish, video({ upload: 1, transcode: 1, snapshot: 2 })), 'u1-t1-s2');
  assert.throws(() => buildStepGraph([step('a', [], { before: ['nope'] } as never)]), /must run before nope/);
  assert.throws(
    () =>
      buildStepGraph([
        step('a', ['b']),
        step('b', [], { before: ['a'] } as never),
        step('c', ['a'], { before: ['b'] } as never),
      ]),
    /cycle/,
  );
});

test('a rerun: a record marked for it, or cancelled, starts again at the same version; a generation gives a new one', () => {
  const graph = buildStepGraph([step('probe', ['upload']), step('publish', ['probe', 'transcode'])]);
  const v = video({ upload: 1, transcode: 2 });
  const done = { probe: settled('succeeded', 'u1'), publish: settled('failed', 'u1-t2', { error: 'no' }) };
  assert.deepEqual(planSteps(graph, done, v, present).start, []);
  assert.deepEqual(planSteps(graph, done, v, present).failed, [
    { name: 'publish', status: 'failed', error: 'no' },
  ]);

  const marked = { ...done, publish: { ...done.publish, rerun: true as const } };
  const again = planSteps(graph, marked, v, present);
  assert.deepEqual(
    again.start,
    [{ name: 'publish', version: 'u1-t2' }],
    'same version: same idempotency key',
  );
  assert.deepEqual(again.failed, []);

  // Cancelled while running: its dependents had not run at this version either.
  const cancelled = { probe: settled('cancelled', 'u1') };
  const resumed = planSteps(graph, cancelled, v, present);
  assert.deepEqual(resumed.start, [{ name: 'probe', version: 'u1' }]);
  assert.deepEqual(resumed.waiting, ['publish'], 'dependents wait for the rerun step again');

  const generations = { probe: 1, publish: 1 };
  const fresh = planSteps(graph, done, v, present, generations);
  assert.deepEqual(fresh.start, [{ name: 'probe', version: 'u1-r1' }]);
  assert.deepEqual(fresh.waiting, ['publish']);
  assert.equal(stepVersion(graph.byName.get('publish')!, v, 2), 'u1-t2-r2');
  assert.equal(stepVersion(graph.byName.get('publish')!, v, 0), 'u1-t2', 'no generation: the old versions');
});
