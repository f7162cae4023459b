/**
 * Per-workflow options of the video pipeline. They travel in the workflow input
 * (`VideoPipelineInput.options`, merged over these defaults) and are carried across
 * continue-as-new, so a running video keeps the options it started with even when a
 * worker is deployed with new defaults. Durations are milliseconds of workflow time.
 */
export const stageNames = ['upload', 'transcode', 'snapshot'] as const;
export type StageName = (typeof stageNames)[number];

export interface PipelineOptions {
  /** Stages that must succeed before the downstream steps run. */
  requiredStages: StageName[];
  /**
   * When a pending stage counts as overdue, from its anchor: upload from the pipeline's
   * start; transcode and snapshot from the upload's completion (or the start when unknown).
   */
  overdueAfterMs: Record<StageName, number>;
  /** Between two reconciliations of a stage that is still overdue. */
  reconcileIntervalMs: number;
  /** From the pipeline's start: required stages still missing then end the run as 'stalled'. */
  finalDeadlineMs: number;
  /** After completion (or a failed outcome) the run stays open this long for late events. */
  lingerAfterCompletionMs: number;
  /** Continue-as-new after this many deliveries in one run (or when the server suggests it). */
  continueAsNewAfterEvents: number;
  /** How many event identities the dedupe memory keeps across continue-as-new. */
  dedupeMemory: number;
}

export const defaultPipelineOptions: PipelineOptions = {
  requiredStages: ['upload', 'transcode', 'snapshot'],
  overdueAfterMs: { upload: 60 * 60_000, transcode: 60 * 60_000, snapshot: 30 * 60_000 },
  reconcileIntervalMs: 30 * 60_000,
  finalDeadlineMs: 24 * 60 * 60_000,
  lingerAfterCompletionMs: 60 * 60_000,
  continueAsNewAfterEvents: 2_000,
  dedupeMemory: 1_000,
};

export type PipelineOptionsInput = Partial<Omit<PipelineOptions, 'overdueAfterMs'>> & {
  overdueAfterMs?: Partial<Record<StageName, number>>;
};

/** Defaults overlaid with what the input gives; unknown stage names are dropped, order kept canonical. */
export function resolvePipelineOptions(input: PipelineOptionsInput | undefined): PipelineOptions {
  const merged: PipelineOptions = {
    ...defaultPipelineOptions,
    ...(input ?? {}),
    overdueAfterMs: { ...defaultPipelineOptions.overdueAfterMs, ...(input?.overdueAfterMs ?? {}) },
  };
  const required = new Set(merged.requiredStages);
  merged.requiredStages = stageNames.filter((s) => required.has(s));
  if (merged.requiredStages.length === 0) merged.requiredStages = ['upload'];
  merged.continueAsNewAfterEvents = Math.max(1, merged.continueAsNewAfterEvents);
  merged.dedupeMemory = Math.max(1, merged.dedupeMemory);
  return merged;
}
