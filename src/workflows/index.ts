// The workflow bundle's entry without a team's steps: every workflow type the worker registers.
// With a team's steps, the worker bundles a generated entry calling workflowsWithSteps instead.
import { builtinSteps } from './builtinSteps';
import { videoPipelineWith } from './videoPipeline';

export { probeWorkflow } from './probe';
export { backfillSweep } from './backfillSweep';
export const videoPipeline = videoPipelineWith(builtinSteps);
