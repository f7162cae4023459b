import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import type { VodApiError } from './vodApi';

/**
 * Turns a classified VOD error into the failure Temporal retries on: the failure type is
 * VOD's code (so retry policies can name it) and throttling, 5xx, timeouts and network
 * errors stay retryable. `notReadyYet` lists codes one call treats as "try later": they are
 * retried and marked benign, so the SDK logs them at debug instead of warning about an
 * expected wait (the worker's metrics still count each attempt).
 */
export function vodFailure(err: VodApiError, notReadyYet: readonly string[] = []): ApplicationFailure {
  const expected = notReadyYet.includes(err.code);
  return ApplicationFailure.create({
    type: err.code,
    message: err.message,
    nonRetryable: !(err.retryable || expected),
    ...(expected ? { category: ApplicationFailureCategory.BENIGN } : {}),
    details: [
      { action: err.action, code: err.code, errorClass: err.errorClass, requestId: err.requestId ?? null },
    ],
  });
}
