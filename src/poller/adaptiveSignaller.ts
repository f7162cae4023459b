import type { PollerMetrics } from '../observability/metrics';
import type { ConcurrencyLimit } from './concurrencyLimit';
import type { InFlightSlots } from './inFlightSlots';
import { classifyTemporalError } from './temporalErrors';
import type { SignalOutcome, VideoSignal } from './videoSignaller';

interface Signaller {
  signal(input: VideoSignal): Promise<SignalOutcome>;
}

/**
 * The signaller, with every call's latency and overload errors fed to the limiter, and the
 * in-flight bound following the limit it computes.
 */
export function adaptingConcurrency(
  signaller: Signaller,
  limiter: ConcurrencyLimit,
  slots: InFlightSlots,
  metrics: Pick<PollerMetrics, 'inFlightLimit'>,
): Signaller {
  slots.resize(limiter.limit);
  metrics.inFlightLimit.set(limiter.limit);
  const record = (startedAtMs: number, failed: boolean) => {
    const change = limiter.record({
      startedAtMs,
      latencyMs: Date.now() - startedAtMs,
      inFlight: slots.inUse,
      failed,
    });
    if (change === 'held') return;
    slots.resize(limiter.limit);
    metrics.inFlightLimit.set(limiter.limit);
  };
  return {
    async signal(input) {
      const startedAtMs = Date.now();
      try {
        const outcome = await signaller.signal(input);
        record(startedAtMs, false);
        return outcome;
      } catch (err) {
        const failure = classifyTemporalError(err);
        record(startedAtMs, failure === 'unavailable' || failure === 'deadline');
        throw err;
      }
    },
  };
}
