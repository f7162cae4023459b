import { apiErrors } from './errors';
import type { ApiKnobs } from './knobs';
import type { Random } from '../../random';

/** Documented per-account QPS limits (docs/VOD-API.md, "QPS limits"); undocumented ones are not enforced. */
export const documentedQps: Record<string, number> = {
  GetPlayInfo: 360,
  GetVideoInfo: 100,
  SetMessageCallback: 15,
};

/**
 * Decides whether an authenticated call may run: injected Throttling/InternalError and, when
 * enabled, the documented QPS limits over a one-second window.
 */
export function createAdmission(
  knobs: () => ApiKnobs,
  rng: Random,
  now: () => number,
): (action: string) => void {
  const windows = new Map<string, number[]>();
  return (action) => {
    const k = knobs();
    if (rng.chance(k.internalErrorRate ?? 0)) throw apiErrors.internalError();
    if (rng.chance(k.throttleRate ?? 0)) throw apiErrors.throttling();
    const limit = documentedQps[action];
    if (k.enforceQps && limit !== undefined) {
      const t = now();
      const recent = (windows.get(action) ?? []).filter((at) => t - at < 1000);
      if (recent.length >= limit) {
        windows.set(action, recent);
        throw apiErrors.throttlingApi();
      }
      recent.push(t);
      windows.set(action, recent);
    }
  };
}
