/**
 * The step graph, pure: validation, a stable order, the stages each step's inputs come from,
 * and what to do next given the steps' records. The runner (stepRunner.ts) does the
 * workflow side; everything it decides is computed here, so it is unit tested without a
 * server.
 */
import type { StepRecord } from '../shared/definitions';
import { stageNames, type StageName } from '../shared/pipelineOptions';
import type { VideoState } from '../shared/videoState';
import { stageFingerprint } from './stageMachine';
import { isStageName, type StepDefinition } from './stepDefinition';

export class StepGraphError extends Error {
  override readonly name = 'StepGraphError';
}

export interface StepNode {
  definition: StepDefinition;
  /** Steps it waits for: named in its dependsOn, or naming it in their `before`. */
  stepDeps: string[];
  /** Every step reachable through dependsOn: the outputs the step sees. */
  ancestors: string[];
  /** Every stage reachable through dependsOn, in canonical order: the step's version inputs. */
  stages: StageName[];
}

export interface StepGraph {
  /** Topological order; steps that could start together are ordered by name. */
  nodes: StepNode[];
  byName: ReadonlyMap<string, StepNode>;
}

const stepNamePattern = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** Validates the steps and orders them; throws StepGraphError naming the problem. */
export function buildStepGraph(definitions: readonly StepDefinition[]): StepGraph {
  const byDefinition = new Map<string, StepDefinition>();
  for (const step of definitions) {
    if (typeof step?.name !== 'string' || !stepNamePattern.test(step.name)) {
      throw new StepGraphError(
        `step name ${JSON.stringify(step?.name)} must match ${stepNamePattern.source}`,
      );
    }
    if (isStageName(step.name)) throw new StepGraphError(`step name ${step.name} is a stage name`);
    if (byDefinition.has(step.name)) throw new StepGraphError(`two steps are named ${step.name}`);
    if (step.kind !== 'review' && typeof step.run !== 'function') {
      throw new StepGraphError(`step ${step.name} has no run function`);
    }
    byDefinition.set(step.name, step);
  }
  // `before` edges are dependencies seen from the other side.
  const dependsOn = new Map(definitions.map((s) => [s.name, [...(s.dependsOn ?? [])]]));
  for (const step of definitions) {
    for (const later of step.before ?? []) {
      if (!byDefinition.has(later)) {
        throw new StepGraphError(`step ${step.name} must run before ${later}, which is not a step`);
      }
      dependsOn.get(later)!.push(step.name);
    }
  }
  for (const step of definitions) {
    for (const dep of dependsOn.get(step.name)!) {
      if (!isStageName(dep) && !byDefinition.has(dep)) {
        throw new StepGraphError(`step ${step.name} depends on ${dep}, which is neither a stage nor a step`);
      }
      if (dep === step.name) throw new StepGraphError(`step ${step.name} depends on itself`);
    }
  }

  // Kahn's algorithm, smallest name first among the ready: the order does not depend on how
  // the list was written, so reordering definitions never reorders the workflow's commands.
  const pending = new Map(
    definitions.map((s) => [s.name, new Set(dependsOn.get(s.name)!.filter((d) => !isStageName(d)))]),
  );
  const order: string[] = [];
  while (pending.size > 0) {
    const ready = [...pending].filter(([, deps]) => deps.size === 0).map(([name]) => name);
    if (ready.length === 0) {
      throw new StepGraphError(
        `steps depend on each other in a cycle: ${[...pending.keys()].sort().join(', ')}`,
      );
    }
    const next = ready.sort()[0]!;
    order.push(next);
    pending.delete(next);
    for (const deps of pending.values()) deps.delete(next);
  }

  const byName = new Map<string, StepNode>();
  for (const name of order) {
    const definition = byDefinition.get(name)!;
    const deps = dependsOn.get(name)!;
    const stepDeps = [...new Set(deps.filter((d) => !isStageName(d)))];
    const ancestors = new Set<string>();
    const stages = new Set<StageName>(deps.filter(isStageName));
    for (const dep of stepDeps) {
      const node = byName.get(dep)!;
      ancestors.add(dep);
      node.ancestors.forEach((a) => ancestors.add(a));
      node.stages.forEach((s) => stages.add(s));
    }
    byName.set(name, {
      definition,
      stepDeps,
      ancestors: order.filter((n) => ancestors.has(n)),
      stages: stageNames.filter((s) => stages.has(s)),
    });
  }
  return { nodes: order.map((name) => byName.get(name)!), byName };
}

/**
 * The version a step runs at now: the fingerprint of the stages its inputs come from, plus
 * `-r<n>` once `vodflow rerun --new-publication` gave the step a rerun generation.
 */
export function stepVersion(node: StepNode, video: VideoState, generation = 0): string {
  const fingerprint = stageFingerprint(video, node.stages);
  return generation > 0 ? `${fingerprint}-r${generation}` : fingerprint;
}

/** Whether a step takes part in this run (see stepRunner.ts for how patches decide). */
export type StepPresence = 'present' | 'absent';

export interface StepPlan {
  /** Ready to start now, in graph order. */
  start: { name: string; version: string }[];
  /** To record as skipped without running: an optional dependency failed. */
  skip: { name: string; version: string; blockedBy: string }[];
  /** Non-optional steps that failed or were rejected at their current version. */
  failed: { name: string; status: 'failed' | 'rejected'; error?: string }[];
  /** Steps waiting for a dependency that has not settled yet (running or itself waiting). */
  waiting: string[];
}

/**
 * What to do next. A step is settled when its record is at its current version, not running,
 * not cancelled and not marked for a rerun. It is ready when every step it depends on is
 * settled as succeeded, skipped by its condition, or absent from this run. A failed optional
 * dependency skips it; a failed or rejected non-optional dependency blocks it until the
 * inputs change (or a rerun asks again).
 */
export function planSteps(
  graph: StepGraph,
  records: Readonly<Record<string, StepRecord>>,
  video: VideoState,
  presence: (name: string) => StepPresence,
  generations: Readonly<Record<string, number>> = {},
): StepPlan {
  const plan: StepPlan = { start: [], skip: [], failed: [], waiting: [] };
  // How each step stands for its dependents: 'ok' lets them run, 'blocked' stops them.
  const standing = new Map<string, { state: 'ok' | 'pending' | 'blocked' | 'skip'; cause?: string }>();
  for (const node of graph.nodes) {
    const name = node.definition.name;
    if (presence(name) === 'absent') {
      standing.set(name, { state: 'ok' });
      continue;
    }
    const version = stepVersion(node, video, generations[name]);
    const record = records[name];
    if (record && record.version === version && isSettledRecord(record)) {
      standing.set(name, settledStanding(node, record));
      if (!node.definition.optional && (record.status === 'failed' || record.status === 'rejected')) {
        plan.failed.push({ name, status: record.status, ...(record.error ? { error: record.error } : {}) });
      }
      continue;
    }
    if (record?.status === 'running') {
      standing.set(name, { state: 'pending' });
      continue;
    }
    const deps = node.stepDeps.map((d) => ({ name: d, ...standing.get(d)! }));
    const skipCause = deps.find((d) => d.state === 'skip');
    if (deps.some((d) => d.state === 'blocked')) {
      standing.set(name, { state: 'blocked' });
    } else if (skipCause) {
      plan.skip.push({ name, version, blockedBy: skipCause.cause ?? skipCause.name });
      standing.set(name, { state: 'skip', cause: skipCause.cause ?? skipCause.name });
    } else if (deps.some((d) => d.state === 'pending')) {
      plan.waiting.push(name);
      standing.set(name, { state: 'pending' });
    } else {
      plan.start.push({ name, version });
      standing.set(name, { state: 'pending' });
    }
  }
  return plan;
}

function isSettledRecord(record: StepRecord): boolean {
  return record.status !== 'running' && record.status !== 'cancelled' && record.rerun !== true;
}

function settledStanding(
  node: StepNode,
  record: StepRecord,
): { state: 'ok' | 'blocked' | 'skip'; cause?: string } {
  switch (record.status) {
    case 'succeeded':
      return { state: 'ok' };
    case 'skipped':
      // Skipped by its own condition: dependents run. Skipped for a failed dependency: so are they.
      return record.blockedBy ? { state: 'skip', cause: record.blockedBy } : { state: 'ok' };
    default:
      return node.definition.optional ? { state: 'skip', cause: node.definition.name } : { state: 'blocked' };
  }
}

/** True while some step has work at the current inputs (given which steps take part). */
export function hasStepWork(plan: StepPlan): boolean {
  return plan.start.length > 0 || plan.skip.length > 0;
}
