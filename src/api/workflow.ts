/**
 * `vodflow/workflow`: what a team's step module imports. Workflow code: this entry pulls in
 * nothing but deterministic modules and types, so it is safe inside the workflow bundle.
 */
export {
  defineReviewGate,
  defineStep,
  type ActivityStepDefinition,
  type ReviewGateDefinition,
  type StepContext,
  type StepDefinition,
} from '../workflows/stepDefinition';
export { fetchPlayInfoStep, publishVideoReadyStep } from '../workflows/builtinSteps';
export type { VideoReadyDocument } from '../workflows/videoReadyDocument';
export type { PlayInfo, PlayStream } from '../activities/playInfo';
export type { PublishResult } from '../activities/webhook';
export type { ReviewOutcome, StepRecord } from '../shared/definitions';
export { stageNames, type PipelineOptions, type StageName } from '../shared/pipelineOptions';
export type { StreamResult, SnapshotResult, VideoState } from '../shared/videoState';
