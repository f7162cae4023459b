/**
 * `vodflow rerun` inside the workflow: the rerunSteps update's check and effect, and the rerun a
 * closed run's successor performs as it starts. Which steps a rerun covers, and when a pipeline
 * refuses one, is decided in src/shared/rerun.ts, shared with the CLI.
 */
import { log } from '@temporalio/workflow';
import type { PipelineState, RerunRecord, RerunRequest } from '../shared/definitions';
import type { PipelineOptions } from '../shared/pipelineOptions';
import { rerunRefusal, rerunTargets, type RerunGraphStep } from '../shared/rerun';
import type { StepGraph } from './stepGraph';
import type { StepRunner } from './stepRunner';

/** Reruns kept in the state (each is small; the history has them all). */
const rerunsKept = 10;

export class Reruns {
  /** Set by a rerun: wakes a lingering (or sleeping) loop; cleared when the loop looks again. */
  requested = false;
  private readonly graph: RerunGraphStep[];

  constructor(
    private readonly pipeline: PipelineState,
    private readonly options: PipelineOptions,
    private readonly steps: StepRunner,
    graph: StepGraph,
  ) {
    this.graph = graph.nodes.map((n) => ({ name: n.definition.name, waitsFor: n.stepDeps }));
  }

  /** The update's validator: throws (and nothing is recorded) when the rerun cannot happen now. */
  check(request: RerunRequest): void {
    const problem = this.refusal(request);
    if (problem) throw new Error(problem);
  }

  apply(request: RerunRequest): RerunRecord {
    const targets = rerunTargets(this.graph, request.from);
    this.steps.rerun(targets, request.newPublication === true);
    const record: RerunRecord = {
      atMs: Date.now(),
      steps: targets,
      ...(request.from !== undefined ? { from: request.from } : {}),
      newPublication: request.newPublication === true,
      ...(request.requestedBy ? { requestedBy: request.requestedBy.slice(0, 200) } : {}),
      ...(request.reason ? { reason: request.reason.slice(0, 500) } : {}),
      run: this.pipeline.run,
    };
    this.pipeline.reruns = [...(this.pipeline.reruns ?? []), record].slice(-rerunsKept);
    this.requested = true;
    log.info('rerun requested', { steps: targets, newPublication: record.newPublication });
    return record;
  }

  /** The successor of a closed run started by `vodflow rerun`: the rerun is its first act. */
  applyAtStart(request: RerunRequest | undefined): void {
    if (!request) return;
    const problem = this.refusal(request);
    if (problem) log.warn('rerun refused', { problem });
    else this.apply(request);
  }

  private refusal(request: RerunRequest): string | null {
    return (
      malformedRerun(request) ??
      rerunRefusal(
        {
          status: this.pipeline.status,
          video: this.pipeline.video,
          requiredStages: this.options.requiredStages,
          graph: this.graph,
        },
        request,
      )
    );
  }
}

/** A rerun request that is not even well-formed (a client outside the CLI may send anything). */
function malformedRerun(request: RerunRequest | undefined): string | null {
  if (typeof request !== 'object' || request === null) return 'a rerun needs a request object';
  if (request.from !== undefined && typeof request.from !== 'string') return '`from` must be a step name';
  if (request.newPublication !== undefined && typeof request.newPublication !== 'boolean') {
    return '`newPublication` must be true or false';
  }
  return null;
}
