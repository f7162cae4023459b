import { apiErrors, type ApiError } from './errors';
import type { ApiKnobs, ThrottleCode } from './knobs';
import type { Random } from '../../random';

/**
 * Documented per-account QPS limits (docs/VOD-API.md, "QPS limits"); undocumented ones are not
 * enforced. GetVideoList's is not stated: it is taken to be SearchMedia's, the other listing API.
 */
export const documentedQps: Record<string, number> = {
  GetPlayInfo: 360,
  GetVideoInfo: 100,
  SearchMedia: 50,
  GetVideoList: 50,
  SetMessageCallback: 15,
};

const throttleErrors: Record<ThrottleCode, () => ApiError> = {
  Throttling: apiErrors.throttling,
  'Throttling.User': apiErrors.throttlingUser,
  'Throttling.Api': apiErrors.throttlingApi,
};

/**
 * Decides whether an authenticated call may run: injected throttling/InternalError and, when
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
    const throttled = k.throttleActions === undefined || k.throttleActions.includes(action);
    if (throttled && rng.chance(k.throttleRate ?? 0)) throw throttleErrors[k.throttleCode ?? 'Throttling']();
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
