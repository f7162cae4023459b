import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { playInfoNotReadyCodes } from '../activities/playInfo';
import { namedVodErrorCodes } from '../activities/vodApi';
import { webhookFailureTypes } from '../activities/webhook';

export type ActivityOutcome = 'completed' | 'failed_retryable' | 'failed_non_retryable' | 'cancelled';

export interface ClassifiedFailure {
  outcome: Exclude<ActivityOutcome, 'completed'>;
  /** A value from errorTypeLabels, or `other`: bounded, never a message or an id. */
  errorType: string;
}

/** error_type of a completed attempt. */
export const noErrorType = 'none';
export const otherErrorType = 'other';

/**
 * The failure types vodflow's activities throw, plus the class names the SDK would use for
 * what they throw unwrapped (a raw error becomes a retryable failure typed by its class).
 */
export const errorTypeLabels: ReadonlySet<string> = new Set([
  ...webhookFailureTypes,
  ...namedVodErrorCodes,
  ...playInfoNotReadyCodes,
  'VodApiError',
  'ApplicationFailure',
  'CancelledFailure',
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'DOMException',
]);

/**
 * Classifies what an activity attempt threw, as Temporal will treat it: cancelled when the
 * SDK cancelled the attempt (cancel request, timeout, worker shutdown), non-retryable when
 * the failure says so or the retry policy lists its type, retryable otherwise. The outcome
 * is about this attempt; whether attempts remain is the retry policy's business.
 */
export function classifyActivityFailure(
  err: unknown,
  attempt: { cancelled: boolean; nonRetryableErrorTypes?: readonly string[] },
): ClassifiedFailure {
  const type = failureType(err);
  const errorType = type !== undefined && errorTypeLabels.has(type) ? type : otherErrorType;
  // The SDK reports an abort as cancelled too when its own signal caused it.
  if (err instanceof CancelledFailure || (attempt.cancelled && isAbort(err))) {
    return { outcome: 'cancelled', errorType: 'CancelledFailure' };
  }
  const nonRetryable =
    (err instanceof ApplicationFailure && err.nonRetryable === true) ||
    (type !== undefined && (attempt.nonRetryableErrorTypes ?? []).includes(type));
  return { outcome: nonRetryable ? 'failed_non_retryable' : 'failed_retryable', errorType };
}

/** The type Temporal records: an ApplicationFailure's own, else the error's class name. */
function failureType(err: unknown): string | undefined {
  if (err instanceof ApplicationFailure) return err.type || 'ApplicationFailure';
  if (typeof err !== 'object' || err === null) return undefined;
  const named = err as { constructor?: { name?: unknown }; name?: unknown };
  const name = named.constructor?.name ?? named.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function isAbort(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError';
}
