/**
 * Runs the step graph inside the video pipeline workflow: starts every ready step, the
 * independent ones in parallel, records each outcome, and returns when nothing more can run
 * at the current inputs.
 *
 * Changing the step set while videos are in flight is safe by patch markers, decided here:
 * - a step is started only if `patched('vodflow-step:<name>')` says so. A run that replays
 *   history recorded before the step existed gets `false` at that point and treats the step
 *   as absent; new runs, and old runs once past their recorded history, run it;
 * - a retired step takes part only while replaying history recorded before its retirement
 *   (`patched('vodflow-retired-step:<name>')` is false there, true everywhere else);
 * - the order in which ready steps start comes from the graph (stepGraph.ts), not from the
 *   order of the definitions, so reordering the list changes no command.
 * The two built-in steps predate this and are never gated: their recorded histories have no
 * markers.
 */
import {
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type {
  PipelineState,
  PendingReview,
  ReviewDecision,
  ReviewOutcome,
  StepRecord,
} from '../shared/definitions';
import type { PipelineOptions } from '../shared/pipelineOptions';
import { builtinStepNames } from './builtinSteps';
import type { ReviewGateDefinition, StepContext, StepDefinition } from './stepDefinition';
import { planSteps, type StepGraph, type StepNode, type StepPlan, type StepPresence } from './stepGraph';

const publicationsKept = 20;

const defaultRetry = {
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval: '1 minute',
  maximumAttempts: 10,
} as const;

export interface StepRunnerOptions {
  graph: StepGraph;
  pipeline: PipelineState;
  options: PipelineOptions;
  /** Called whenever what the Web UI shows may have changed (a review starts or ends). */
  onInspectionChange(): void;
  /**
   * True once the workflow itself was asked to cancel (`vodflow cancel`, the Web UI): a step
   * cancelled then is recorded as cancelled; one cancelled by a deletion keeps its last record.
   */
  workflowCancelled(): boolean;
}

export class StepRunner {
  /** Steps found absent from this run by their patch; asked again once the inputs change. */
  private readonly absent = new Set<string>();
  private readonly decisions = new Map<string, Required<Pick<ReviewDecision, 'approve'>> & ReviewDecision>();
  private scope: CancellationScope | undefined;

  constructor(private readonly o: StepRunnerOptions) {}

  /** The inputs changed (an event or a reconciliation applied): absent steps get asked again. */
  inputsChanged(): void {
    this.absent.clear();
  }

  plan(): StepPlan {
    return planSteps(
      this.o.graph,
      this.o.pipeline.steps,
      this.o.pipeline.video,
      (name) => this.presence(name),
      this.o.pipeline.stepGenerations,
    );
  }

  /**
   * Makes the given steps run again: at the same version (a settled record is marked for a
   * rerun; a step running now is left alone, its run in progress is the rerun), or, for a new
   * publication, at the next generation, which changes their version and so their idempotency
   * key (a step running now runs again at the new version once it settled).
   */
  rerun(steps: readonly string[], newPublication: boolean): void {
    const { pipeline } = this.o;
    if (newPublication) {
      const generations = { ...(pipeline.stepGenerations ?? {}) };
      for (const name of steps) generations[name] = (generations[name] ?? 0) + 1;
      pipeline.stepGenerations = generations;
      return;
    }
    const records = { ...pipeline.steps };
    for (const name of steps) {
      const record = records[name];
      if (record && record.status !== 'running') records[name] = { ...record, rerun: true };
    }
    pipeline.steps = records;
  }

  /** Cancels the running steps (a deletion arrived); run() then returns 'cancelled'. */
  cancel(): void {
    this.scope?.cancel();
  }

  /** The review pending under `step` (or the only one pending); throws when there is none. */
  pendingReview(step: string | undefined): PendingReview {
    const reviews = this.o.pipeline.reviews;
    const match =
      step === undefined
        ? reviews.length === 1
          ? reviews[0]
          : undefined
        : reviews.find((r) => r.step === step);
    if (!match) {
      const open = reviews.map((r) => r.step).join(', ') || 'none';
      throw new Error(
        step === undefined && reviews.length > 1
          ? `several reviews are pending (${open}): name the step`
          : `no review is pending${step ? ` for step ${step}` : ''} (pending: ${open})`,
      );
    }
    return match;
  }

  decide(decision: ReviewDecision): ReviewOutcome & { step: string } {
    const pending = this.pendingReview(decision.step);
    this.decisions.set(pending.step, { ...decision, approve: decision.approve === true });
    return {
      step: pending.step,
      approved: decision.approve === true,
      reason: decision.reason ?? null,
      decidedBy: 'reviewer',
      reviewer: decision.reviewer ?? null,
      atMs: Date.now(),
    };
  }

  /** Runs until no step can start at the current inputs; 'cancelled' when cancel() interrupted it. */
  async run(): Promise<'settled' | 'cancelled'> {
    // Each running step's promise never rejects: its outcome is recorded in the state.
    const running = new Map<string, Promise<void>>();
    let cancelled = false;
    const scope = new CancellationScope();
    this.scope = scope;
    try {
      for (;;) {
        if (cancelled) {
          await Promise.all(running.values());
          return 'cancelled';
        }
        const plan = this.plan();
        let progressed = plan.skip.length > 0;
        for (const skip of plan.skip) {
          this.record(skip.name, {
            status: 'skipped',
            version: skip.version,
            atMs: Date.now(),
            blockedBy: skip.blockedBy,
            ...this.optionalFlag(skip.name),
          });
        }
        for (const { name, version } of plan.start) {
          progressed = true;
          const node = this.o.graph.byName.get(name)!;
          const ctx = this.context(node, version);
          if (node.definition.when && !node.definition.when(ctx)) {
            this.record(name, { status: 'skipped', version, atMs: Date.now(), ...this.optionalFlag(name) });
            continue;
          }
          if (!builtinStepNames.has(name) && !patched(`vodflow-step:${name}`)) {
            this.absent.add(name);
            continue;
          }
          const previous = this.o.pipeline.steps[name];
          this.record(name, {
            status: 'running',
            version,
            atMs: Date.now(),
            startedAtMs: Date.now(),
            runs: (previous?.runs ?? 0) + 1,
            ...this.optionalFlag(name),
          });
          const done = scope
            .run(() => this.execute(node.definition, ctx))
            .then(
              (outcome) => this.settle(name, outcome),
              (err: unknown) => {
                if (isCancellation(err)) {
                  cancelled = true;
                  if (this.o.workflowCancelled())
                    this.settle(name, { status: 'cancelled', error: 'cancelled' });
                  else this.restore(name, previous);
                } else {
                  this.settle(name, { status: 'failed', error: errorMessage(err) });
                }
              },
            )
            .finally(() => running.delete(name));
          running.set(name, done);
        }
        if (running.size === 0) return cancelled ? 'cancelled' : 'settled';
        if (!progressed) await Promise.race(running.values());
      }
    } finally {
      this.scope = undefined;
    }
  }

  private presence(name: string): StepPresence {
    if (this.absent.has(name)) return 'absent';
    const node = this.o.graph.byName.get(name);
    if (node?.definition.retired && patched(`vodflow-retired-step:${name}`)) return 'absent';
    return 'present';
  }

  private optionalFlag(name: string): { optional?: true } {
    return this.o.graph.byName.get(name)?.definition.optional ? { optional: true } : {};
  }

  private context(node: StepNode, version: string): StepContext {
    const { pipeline, options } = this.o;
    const workflowId = workflowInfo().workflowId;
    const definition = node.definition;
    const outputs: Record<string, unknown> = {};
    for (const ancestor of node.ancestors) {
      const output = pipeline.steps[ancestor]?.output;
      if (output !== undefined) outputs[ancestor] = output;
    }
    return {
      workflowId,
      mediaId: pipeline.mediaId,
      region: pipeline.region,
      options,
      video: pipeline.video,
      outputs,
      version,
      idempotencyKey: `${workflowId}:${definition.name}:${version}`,
      activities: proxyActivities({
        startToCloseTimeout: definition.kind === 'review' ? '1 minute' : (definition.timeout ?? '1 minute'),
        retry: definition.kind === 'review' ? defaultRetry : (definition.retry ?? defaultRetry),
      }),
    };
  }

  private async execute(definition: StepDefinition, ctx: StepContext): Promise<Outcome> {
    if (definition.kind === 'review') return this.review(definition, ctx.version);
    const output = await (definition.run as (ctx: StepContext) => Promise<unknown>)(ctx);
    return { status: 'succeeded', output };
  }

  private async review(gate: ReviewGateDefinition, version: string): Promise<Outcome> {
    const { pipeline } = this.o;
    const timeoutMs = msToNumber(gate.timeout);
    const sinceMs = Date.now();
    this.decisions.delete(gate.name);
    pipeline.reviews = [
      ...pipeline.reviews.filter((r) => r.step !== gate.name),
      { step: gate.name, version, sinceMs, deadlineMs: sinceMs + timeoutMs, onTimeout: gate.onTimeout },
    ];
    this.o.onInspectionChange();
    try {
      const decided = await condition(() => this.decisions.has(gate.name), timeoutMs);
      const decision = this.decisions.get(gate.name);
      const outcome: ReviewOutcome =
        decided && decision
          ? {
              approved: decision.approve,
              reason: decision.reason ?? null,
              decidedBy: 'reviewer',
              reviewer: decision.reviewer ?? null,
              atMs: Date.now(),
            }
          : {
              approved: gate.onTimeout === 'approve',
              reason: `no decision within ${Math.round(timeoutMs / 1000)} s: ${gate.onTimeout} by default`,
              decidedBy: 'timeout',
              reviewer: null,
              atMs: Date.now(),
            };
      if (outcome.approved) return { status: 'succeeded', output: outcome };
      const by = outcome.decidedBy === 'timeout' ? 'timeout' : (outcome.reviewer ?? 'reviewer');
      return {
        status: 'rejected',
        output: outcome,
        error: `rejected by ${by}: ${outcome.reason ?? 'no reason given'}`,
      };
    } finally {
      this.decisions.delete(gate.name);
      pipeline.reviews = pipeline.reviews.filter((r) => r.step !== gate.name);
      this.o.onInspectionChange();
    }
  }

  private settle(name: string, outcome: Outcome): void {
    const current = this.o.pipeline.steps[name]!;
    const { output: _output, error: _error, ...kept } = current;
    this.record(name, {
      ...kept,
      status: outcome.status,
      atMs: Date.now(),
      ...(outcome.output !== undefined ? { output: outcome.output } : {}),
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    });
    const published = outcome.output as { idempotencyKey?: unknown; delivered?: unknown } | undefined;
    if (
      outcome.status === 'succeeded' &&
      typeof published?.idempotencyKey === 'string' &&
      published.delivered
    ) {
      const { pipeline } = this.o;
      // A rerun at the same key delivers the same publication again: it is listed once.
      if (!pipeline.publications.includes(published.idempotencyKey)) {
        pipeline.publications = [...pipeline.publications, published.idempotencyKey].slice(-publicationsKept);
      }
    }
  }

  private restore(name: string, previous: StepRecord | undefined): void {
    if (previous) this.o.pipeline.steps[name] = previous;
    else delete this.o.pipeline.steps[name];
  }

  private record(name: string, record: StepRecord): void {
    this.o.pipeline.steps = { ...this.o.pipeline.steps, [name]: record };
  }
}

interface Outcome {
  status: 'succeeded' | 'failed' | 'rejected' | 'cancelled';
  output?: unknown;
  error?: string;
}

export function errorMessage(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  return e?.cause?.message ?? e?.message ?? String(err);
}
