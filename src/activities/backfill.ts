import { activityInfo, heartbeat } from '@temporalio/activity';
import {
  alignWindow,
  planWindows,
  RateLimiter,
  sweepWindow,
  temporalPipelines,
  vodVideoLister,
  type OutcomeCounts,
  type PlannedWindow,
  type VideoLister,
} from '../operations/backfill';
import type { BackfillPlanInput, BackfillWindowInput, BackfillWindowResult } from '../shared/backfill';
import type { PipelineOptionsInput } from '../shared/pipelineOptions';
import type { TemporalClientSource } from './temporalClient';
import type { VodApi } from './vodApi';

/** What the sweep's activities need besides the VOD client: where pipelines run and how fast to list. */
export interface BackfillActivitySettings {
  taskQueue: string;
  /** Sent with each start, as the poller does (VODFLOW_PIPELINE_OPTIONS). */
  pipeline: PipelineOptionsInput;
  /** VOD listing calls per second, shared by every sweep activity of this worker. */
  rps: number;
  /** Per Temporal call. */
  timeoutMs: number;
}

/** Heartbeat details of backfillWindow: a retry resumes after the last page done. */
interface WindowProgress {
  pageNo: number;
  counts: OutcomeCounts;
  listed: number;
}

/** A lister that heartbeats after every call, so a long listing is not taken for a dead worker. */
function heartbeating(lister: VideoLister, details: () => unknown): VideoLister {
  return {
    async page(...args) {
      const page = await lister.page(...args);
      heartbeat(details());
      return page;
    },
  };
}

export function createBackfillActivities(
  vod: VodApi,
  temporal: TemporalClientSource,
  settings: BackfillActivitySettings,
  onOutcome?: (outcome: keyof OutcomeCounts) => void,
) {
  const limiter = new RateLimiter(settings.rps);
  const lister = vodVideoLister(vod, limiter);
  return {
    /** The windows of at most 5,000 videos that cover a region's range (only their sizes travel back). */
    async planBackfillWindows(
      input: BackfillPlanInput,
    ): Promise<{ windows: PlannedWindow[]; overCap: number }> {
      const plan = await planWindows(
        heartbeating(lister, () => undefined),
        input.region,
        alignWindow(input.sinceMs, input.untilMs),
      );
      return { windows: plan.windows, overCap: plan.overCap.length };
    },

    /** Lists one window and starts a pipeline for every video that needs one; idempotent. */
    async backfillWindow(input: BackfillWindowInput): Promise<BackfillWindowResult> {
      const resumed = activityInfo().heartbeatDetails as WindowProgress | undefined;
      const progress: WindowProgress = resumed
        ? { pageNo: resumed.pageNo, counts: { ...resumed.counts }, listed: resumed.listed }
        : { pageNo: 0, counts: zeroCounts(), listed: 0 };
      const pipelines = temporalPipelines({
        client: await temporal.client(),
        taskQueue: settings.taskQueue,
        pipelineOptions: settings.pipeline,
        timeoutMs: settings.timeoutMs,
      });
      const report = await sweepWindow(
        { lister: heartbeating(lister, () => progress), pipelines },
        input.region,
        { startMs: input.startMs, endMs: input.endMs },
        {
          appId: input.appId,
          afterPage: progress.pageNo,
          onVideo: (result) => {
            progress.counts[result.outcome] += 1;
            progress.listed += 1;
            onOutcome?.(result.outcome);
          },
          onPage: (pageNo) => {
            progress.pageNo = pageNo;
            heartbeat(progress);
          },
        },
      );
      // The counts span every attempt: a retry starts from the last heartbeat's.
      return {
        counts: progress.counts,
        listed: progress.listed,
        overCap: report.overCap.length,
        failures: report.failures,
      };
    },
  };
}

function zeroCounts(): OutcomeCounts {
  return { started: 0, restarted: 0, running: 0, finished: 0, otherApp: 0, failed: 0 };
}
