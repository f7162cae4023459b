/**
 * Which steps a rerun reruns and when a pipeline refuses one: pure, shared by the workflow
 * (the rerunSteps update's validator, the start of a rerun run) and by `vodflow rerun`
 * (its dry run and its check before restarting a closed run), so both decide alike.
 */
import type { PipelineStatus, RerunRequest } from './definitions';
import type { StageName } from './pipelineOptions';
import type { VideoState } from './videoState';

/** A step as far as reruns care: its name and the steps it waits for. */
export interface RerunGraphStep {
  name: string;
  /** Steps it waits for: its dependsOn steps and those naming it in their `before`. */
  waitsFor: readonly string[];
}

/**
 * The steps to rerun, in the graph's order: `from` and every step that depends on it,
 * directly or through others; every step without `from`. An unknown `from` gives [].
 */
export function rerunTargets(graph: readonly RerunGraphStep[], from?: string): string[] {
  if (from === undefined) return graph.map((s) => s.name);
  if (!graph.some((s) => s.name === from)) return [];
  const targets = new Set([from]);
  // The graph is in topological order, so one pass reaches every descendant.
  for (const step of graph) {
    if (step.waitsFor.some((dep) => targets.has(dep))) targets.add(step.name);
  }
  return graph.filter((s) => targets.has(s.name)).map((s) => s.name);
}

export interface RerunSubject {
  status: PipelineStatus;
  video: VideoState;
  requiredStages: readonly StageName[];
  graph: readonly RerunGraphStep[];
}

/** Why the pipeline cannot rerun its steps now, or null when it can. */
export function rerunRefusal(subject: RerunSubject, request: RerunRequest): string | null {
  if (request.from !== undefined && !subject.graph.some((s) => s.name === request.from)) {
    const known = subject.graph.map((s) => s.name).join(', ') || 'none';
    return `unknown step ${JSON.stringify(request.from)} (steps: ${known})`;
  }
  if (subject.status === 'deleted' || subject.video.deleted) return 'the video was deleted';
  const blocking = subject.requiredStages
    .filter((stage) => subject.video.stages[stage].status !== 'succeeded')
    .map((stage) => `${stage} ${subject.video.stages[stage].status}`);
  if (blocking.length > 0) {
    return `the required stages are not complete (${blocking.join(', ')}): no step has run yet`;
  }
  return null;
}
