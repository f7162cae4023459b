import { ApplicationFailure } from '@temporalio/common';
import type { VodApiError } from './vodApi';

/**
 * Turns a classified VOD error into the failure Temporal retries on: the failure type is
 * VOD's code (so retry policies can name it) and throttling, 5xx, timeouts and network
 * errors stay retryable. `alsoRetryable` lists codes one call treats as "try later".
 */
export function vodFailure(err: VodApiError, alsoRetryable: readonly string[] = []): ApplicationFailure {
  const retryable = err.retryable || alsoRetryable.includes(err.code);
  return ApplicationFailure.create({
    type: err.code,
    message: err.message,
    nonRetryable: !retryable,
    details: [
      { action: err.action, code: err.code, errorClass: err.errorClass, requestId: err.requestId ?? null },
    ],
  });
}
