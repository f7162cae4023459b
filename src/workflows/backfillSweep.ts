/**
 * The scheduled backfill sweep (started by the schedule `setup` creates): plan each region's
 * creation-time windows over the last window before now, then sweep them one at a time, so
 * the VOD listing rate stays one activity's. All I/O is in the activities; the workflow only
 * sequences them and adds up the counts.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { VodflowActivities } from '../activities';
import type { BackfillCounts, BackfillSweepInput, BackfillSweepResult } from '../shared/backfill';

const { planBackfillWindows } = proxyActivities<VodflowActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
  },
});

// One window holds at most 5,000 videos: a few minutes of listing and starting, heartbeating per page.
const { backfillWindow } = proxyActivities<VodflowActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
  },
});

const maxFailures = 20;

export async function backfillSweep(input: BackfillSweepInput): Promise<BackfillSweepResult> {
  const untilMs = input.untilMs ?? Date.now() - input.delayMs;
  const sinceMs = input.sinceMs ?? untilMs - input.windowMs;
  const counts: BackfillCounts = {
    started: 0,
    restarted: 0,
    running: 0,
    finished: 0,
    otherApp: 0,
    failed: 0,
  };
  const result: BackfillSweepResult = {
    sinceMs,
    untilMs,
    windows: 0,
    listed: 0,
    counts,
    overCap: 0,
    failures: [],
  };
  for (const region of input.regions) {
    const plan = await planBackfillWindows({ region, sinceMs, untilMs });
    result.windows += plan.windows.length;
    for (const window of plan.windows) {
      const swept = await backfillWindow({
        region,
        startMs: window.startMs,
        endMs: window.endMs,
        appId: input.appId,
      });
      for (const key of Object.keys(counts) as (keyof BackfillCounts)[]) counts[key] += swept.counts[key];
      result.listed += swept.listed;
      result.overCap += swept.overCap;
      result.failures.push(...swept.failures.slice(0, maxFailures - result.failures.length));
    }
  }
  return result;
}
