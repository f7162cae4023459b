/**
 * The scheduled backfill sweep's types, shared by the workflow (backfillSweep), its activities,
 * setup (which creates the schedule) and doctor (which checks it).
 */
export const backfillSweepWorkflowType = 'backfillSweep';

/** One schedule per task queue, so two deployments sharing a namespace keep theirs apart. */
export function backfillScheduleId(taskQueue: string): string {
  return `vodflow-backfill.${taskQueue}`;
}

/** The schedule's workflow id prefix (Temporal appends the scheduled time). */
export function backfillSweepWorkflowId(taskQueue: string): string {
  return `vodflow-backfill-sweep.${taskQueue}`;
}

export interface BackfillSweepInput {
  regions: string[];
  /** How far back from the end each sweep looks. */
  windowMs: number;
  /** The window ends this long before the sweep starts: younger videos may still get their events. */
  delayMs: number;
  /** Only videos of this VOD app. */
  appId: string;
  /** Fixed bounds instead of the window before now (tests, one-off runs started by hand). */
  sinceMs?: number;
  untilMs?: number;
}

export interface BackfillWindowInput {
  region: string;
  startMs: number;
  endMs: number;
  appId: string;
}

export interface BackfillPlanInput {
  region: string;
  sinceMs: number;
  untilMs: number;
}

/** Counts by outcome (see src/operations/backfill.ts for their meaning). */
export interface BackfillCounts {
  started: number;
  restarted: number;
  running: number;
  finished: number;
  otherApp: number;
  failed: number;
}

export interface BackfillWindowResult {
  counts: BackfillCounts;
  listed: number;
  /** One-second windows over VOD's 5,000-result cap: only their first 5,000 videos were seen. */
  overCap: number;
  failures: Array<{ videoId: string; error: string }>;
}

export interface BackfillSweepResult {
  sinceMs: number;
  untilMs: number;
  windows: number;
  listed: number;
  counts: BackfillCounts;
  overCap: number;
  failures: Array<{ videoId: string; error: string }>;
}
