/**
 * `vodflow`: the worker side of vodflow for a team's own code — the Temporal plugin that
 * packages the video pipeline with the team's steps, and the typed definitions a client uses
 * to signal, query and review videos. The step API itself is `vodflow/workflow`.
 */
export {
  activityDepsFromEnv,
  vodflowPlugin,
  VodflowPlugin,
  type VodflowPluginOptions,
} from '../worker/plugin';
export { workflowBundle as bundleVodflowWorkflows } from '../worker/workflowBundle';
export { createWorkerMetrics, type WorkerMetrics } from '../worker/workerMetrics';
export type { ActivityDeps, VodApiSettings, WebhookSettings } from '../activities';
export { ConfigError, loadConfig, type VodflowConfig } from '../config';
export { decode } from '../events';
export {
  pipelineStateQuery,
  reviewDecisionUpdate,
  videoPipelineWorkflowType,
  videoWorkflowId,
  vodEventSignal,
  type PendingReview,
  type PipelineState,
  type PipelineStatus,
  type PipelineView,
  type ReviewDecision,
  type ReviewOutcome,
  type StepRecord,
  type StepStatus,
  type VideoEventDelivery,
  type VideoPipelineInput,
  type VideoPipelineResult,
} from '../shared/definitions';
export { VideoId, VodRegion, VodStage, VodStatus, vodflowSearchAttributes } from '../shared/searchAttributes';
export {
  defineReviewGate,
  defineStep,
  type StepContext,
  type StepDefinition,
} from '../workflows/stepDefinition';
