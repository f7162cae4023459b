import { CompleteAsyncError, type Context } from '@temporalio/activity';
import type { Next } from '@temporalio/common';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  ActivityInterceptorsFactory,
} from '@temporalio/worker';
import { classifyActivityFailure, noErrorType } from './activityOutcome';
import type { WorkerMetrics } from './workerMetrics';

/**
 * Counts and times every activity attempt the worker runs, whatever the activity: the
 * activities stay free of metrics code, and a new one is measured without a change here.
 */
export class ActivityMetricsInterceptor implements ActivityInboundCallsInterceptor {
  constructor(
    private readonly ctx: Context,
    private readonly metrics: WorkerMetrics,
  ) {}

  async execute(
    input: ActivityExecuteInput,
    next: Next<ActivityInboundCallsInterceptor, 'execute'>,
  ): Promise<unknown> {
    const activity = this.ctx.info.activityType;
    const stopTimer = this.metrics.activityDuration.startTimer({ activity });
    let result: unknown;
    try {
      result = await next(input);
    } catch (err) {
      // Asynchronous completion is not an outcome yet: whoever completes it decides.
      if (!(err instanceof CompleteAsyncError)) {
        stopTimer();
        const { outcome, errorType } = classifyActivityFailure(err, {
          cancelled: this.ctx.cancellationSignal.aborted,
          nonRetryableErrorTypes: this.ctx.info.retryPolicy?.nonRetryableErrorTypes ?? [],
        });
        this.metrics.activityExecutions.inc({ activity, outcome, error_type: errorType });
      }
      throw err;
    }
    stopTimer();
    this.metrics.activityExecutions.inc({ activity, outcome: 'completed', error_type: noErrorType });
    return result;
  }
}

/** For Worker.create's `interceptors.activity`. */
export function activityMetricsInterceptors(metrics: WorkerMetrics): ActivityInterceptorsFactory {
  return (ctx) => ({ inbound: new ActivityMetricsInterceptor(ctx, metrics) });
}
