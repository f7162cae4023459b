import { ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import {
  backfillScheduleId,
  backfillSweepWorkflowId,
  backfillSweepWorkflowType,
  type BackfillSweepInput,
} from '../shared/backfill';
import type { VodflowConfig } from '../config';
import { defaultAppId } from './requirements';
import type { SetupAction } from './setup';

/**
 * The Temporal Schedule that runs the backfill sweep (src/workflows/backfillSweep.ts) every
 * interval over the window before now. `setup` creates it (and updates it when the settings
 * changed); `setup --no-backfill-schedule` removes it; `doctor` checks it.
 */
export interface BackfillScheduleSpec {
  taskQueue: string;
  regions: string[];
  intervalMs: number;
  windowMs: number;
  delayMs: number;
  appId: string;
}

/** The schedule a configuration asks for: its task queue, every region of its queues, its backfill settings. */
export function backfillScheduleOf(config: VodflowConfig): BackfillScheduleSpec {
  return {
    taskQueue: config.temporal.taskQueue,
    regions: [...new Set(config.queues.map((q) => q.region))],
    intervalMs: config.backfill.intervalMs,
    windowMs: config.backfill.windowMs,
    delayMs: config.backfill.delayMs,
    appId: defaultAppId,
  };
}

function sweepInput(spec: BackfillScheduleSpec): BackfillSweepInput {
  return {
    regions: [...spec.regions].sort(),
    windowMs: spec.windowMs,
    delayMs: spec.delayMs,
    appId: spec.appId,
  };
}

/** `24h15m`, `1h`, `90s`: whole units, largest first (hours rather than days, as the settings read). */
export function formatMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1_000],
  ] as const) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return rest > 0 ? `${text}${rest}ms` : text;
}

function describeSpec(spec: BackfillScheduleSpec): string {
  const until = spec.delayMs === 0 ? 'now' : `${formatMs(spec.delayMs)} ago`;
  return `every ${formatMs(spec.intervalMs)}, videos from ${formatMs(spec.windowMs + spec.delayMs)} ago to ${until}, regions ${[...spec.regions].sort().join(',')}`;
}

/** Whether a schedule's definition is the one the settings ask for. */
export function scheduleMatches(description: ScheduleDescription, spec: BackfillScheduleSpec): boolean {
  const intervals = description.spec.intervals ?? [];
  const action = description.action;
  return (
    intervals.length === 1 &&
    intervals[0]!.every === spec.intervalMs &&
    (description.spec.calendars ?? []).length === 0 &&
    action.type === 'startWorkflow' &&
    action.workflowType === backfillSweepWorkflowType &&
    action.taskQueue === spec.taskQueue &&
    JSON.stringify(action.args?.[0]) === JSON.stringify(sweepInput(spec))
  );
}

function scheduleOptions(spec: BackfillScheduleSpec) {
  return {
    spec: { intervals: [{ every: spec.intervalMs }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: backfillSweepWorkflowType,
      workflowId: backfillSweepWorkflowId(spec.taskQueue),
      taskQueue: spec.taskQueue,
      args: [sweepInput(spec)],
      // A sweep is idempotent; a stuck one must not block the next for ever.
      workflowExecutionTimeout: Math.max(spec.intervalMs * 4, 3_600_000),
    },
    policies: {
      // One sweep at a time; after an outage one catch-up run is enough, the windows overlap.
      overlap: 'SKIP' as const,
      catchupWindow: spec.intervalMs,
      pauseOnFailure: false,
    },
  };
}

export async function ensureBackfillSchedule(
  client: Client,
  spec: BackfillScheduleSpec,
): Promise<SetupAction> {
  const scheduleId = backfillScheduleId(spec.taskQueue);
  const subject = `Temporal schedule ${scheduleId}`;
  const detail = describeSpec(spec);
  const handle = client.schedule.getHandle(scheduleId);
  let current: ScheduleDescription | undefined;
  try {
    current = await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  if (current === undefined) {
    await client.schedule.create({
      scheduleId,
      ...scheduleOptions(spec),
      state: { note: 'vodflow backfill sweep, created by `vodflow setup`' },
    });
    return { subject, outcome: 'created', detail };
  }
  if (scheduleMatches(current, spec)) {
    const paused = current.state.paused ? ' (PAUSED: `temporal schedule toggle --unpause`)' : '';
    return { subject, outcome: 'unchanged', detail: `${detail}${paused}` };
  }
  await handle.update((previous) => ({ ...previous, ...scheduleOptions(spec) }));
  return { subject, outcome: 'updated', detail };
}

/** `setup --no-backfill-schedule`: the operator wants none, so one left from an earlier setup goes. */
export async function removeBackfillSchedule(client: Client, taskQueue: string): Promise<SetupAction> {
  const scheduleId = backfillScheduleId(taskQueue);
  const subject = `Temporal schedule ${scheduleId}`;
  try {
    await client.schedule.getHandle(scheduleId).delete();
    return { subject, outcome: 'removed', detail: 'backfill sweeps no longer run (--no-backfill-schedule)' };
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    return { subject, outcome: 'unchanged', detail: 'none (--no-backfill-schedule)' };
  }
}

export type ScheduleState =
  | { kind: 'missing' }
  | { kind: 'present'; paused: boolean; matches: boolean; lastRunAt?: Date; nextRunAt?: Date };

export async function backfillScheduleState(
  client: Client,
  spec: BackfillScheduleSpec,
): Promise<ScheduleState> {
  try {
    const description = await client.schedule.getHandle(backfillScheduleId(spec.taskQueue)).describe();
    const last = description.info.recentActions.at(-1);
    const next = description.info.nextActionTimes[0];
    return {
      kind: 'present',
      paused: description.state.paused,
      matches: scheduleMatches(description, spec),
      ...(last ? { lastRunAt: last.takenAt } : {}),
      ...(next ? { nextRunAt: next } : {}),
    };
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return { kind: 'missing' };
    throw err;
  }
}
