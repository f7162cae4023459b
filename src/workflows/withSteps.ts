/**
 * The workflow bundle's entry when a team adds steps: the worker generates a two-line module
 * that hands the team's step module to this function (src/worker/workflowBundle.ts).
 */
import { backfillSweep } from './backfillSweep';
import { builtinSteps } from './builtinSteps';
import { probeWorkflow } from './probe';
import type { StepDefinition } from './stepDefinition';
import { videoPipelineWith, type VideoPipelineWorkflow } from './videoPipeline';

export function workflowsWithSteps(stepModule: unknown): {
  probeWorkflow: typeof probeWorkflow;
  backfillSweep: typeof backfillSweep;
  videoPipeline: VideoPipelineWorkflow;
} {
  return {
    probeWorkflow,
    backfillSweep,
    videoPipeline: videoPipelineWith([...builtinSteps, ...stepsOfModule(stepModule)]),
  };
}

/** A step module exports its steps as `steps` (or as the default export): an array of definitions. */
export function stepsOfModule(stepModule: unknown): readonly StepDefinition[] {
  const exported = stepModule as { steps?: unknown; default?: unknown } | undefined;
  const steps = exported?.steps ?? exported?.default;
  if (!Array.isArray(steps)) {
    throw new TypeError(
      'a step module must export its steps as `export const steps = [...]` (or a default export)',
    );
  }
  return steps as StepDefinition[];
}
