/**
 * How a downstream step is declared: the public, workflow-side half of vodflow's step API
 * (exported as `vodflow/workflow`). A step module is workflow code: it is bundled with the
 * video pipeline and must stay deterministic; the I/O lives in activities the step calls
 * through `ctx.activities`.
 */
import type { Duration, RetryPolicy, UntypedActivities } from '@temporalio/common';
import type { ActivityInterfaceFor } from '@temporalio/workflow';
import type { PipelineOptions, StageName } from '../shared/pipelineOptions';
import type { VideoState } from '../shared/videoState';

/** What a step sees when it runs (and what its `when` decides from). */
export interface StepContext<A = UntypedActivities> {
  workflowId: string;
  mediaId: string;
  region: string;
  options: PipelineOptions;
  /** Stages as the events and reconciliations left them (versions, streams, snapshots). */
  video: VideoState;
  /** Latest output of every step this one depends on, directly or through other steps. */
  outputs: Readonly<Record<string, unknown>>;
  /**
   * The versions of the stages this step's inputs come from, e.g. `u1-t2-s1`: the same on every
   * retry and rerun of the same inputs, new when a stage result changes (a re-transcode), and
   * with `-r<n>` appended after `vodflow rerun --new-publication`.
   */
  version: string;
  /** `<workflowId>:<step>:<version>`: the key a receiver deduplicates by. */
  idempotencyKey: string;
  /** The worker's activities, called with this step's `timeout` and `retry`. */
  activities: ActivityInterfaceFor<A>;
}

interface StepBase {
  /** Unique in the graph; letters, digits, `-` and `_`, starting with a letter. */
  name: string;
  /**
   * Stages (`upload`, `transcode`, `snapshot`) and other steps this one needs. The step runs once
   * every step it names has settled, and reruns when the versions of the stages reachable from
   * here change. Steps that do not depend on each other run in parallel.
   */
  dependsOn?: readonly string[];
  /**
   * Steps that must wait for this one, as if they named it in their dependsOn: how a team puts
   * a step (a review gate, say) in front of a built-in step such as publishVideoReady.
   */
  before?: readonly string[];
  /** Skip the step (recorded as skipped, dependents still run) when this says no. */
  when?: (ctx: StepContext) => boolean;
  /** A failure is recorded and shown but does not fail the video; dependents are skipped. */
  optional?: boolean;
  /**
   * Being removed: the step no longer starts, except while a worker replays a run that
   * started it before. Delete the definition once no such run is open (docs/EXTENDING.md).
   */
  retired?: boolean;
}

export interface ActivityStepDefinition<A = UntypedActivities> extends StepBase {
  kind?: 'activity';
  /** Per attempt of each activity the step calls; default 1 minute. */
  timeout?: Duration;
  /** Default: 1 s doubling to 1 min, 10 attempts. */
  retry?: RetryPolicy;
  run(ctx: StepContext<A>): Promise<unknown>;
}

export interface ReviewGateDefinition extends StepBase {
  kind: 'review';
  /** How long to wait for a decision before `onTimeout` applies. */
  timeout: Duration;
  onTimeout: 'approve' | 'reject';
}

export type StepDefinition = ActivityStepDefinition<never> | ReviewGateDefinition;

/**
 * Declares a step that calls activities. Type the activities for `ctx.activities` with
 * `defineStep<typeof import('./activities')>({ … })`.
 */
export function defineStep<A = UntypedActivities>(definition: ActivityStepDefinition<A>): StepDefinition {
  return { ...definition, kind: 'activity' } as StepDefinition;
}

/**
 * Declares a step that waits for an outside decision (`vodflow review VIDEO --approve`,
 * or the `reviewDecision` update). Approved: dependents run. Rejected: the video ends
 * `rejected` with the reason. No decision within `timeout`: `onTimeout` applies.
 */
export function defineReviewGate(definition: Omit<ReviewGateDefinition, 'kind'>): StepDefinition {
  return { ...definition, kind: 'review' };
}

export function isStageName(name: string): name is StageName {
  return name === 'upload' || name === 'transcode' || name === 'snapshot';
}
