import {
  isGrpcCancelledError,
  isGrpcDeadlineError,
  isGrpcServiceError,
  NamespaceNotFoundError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
} from '@temporalio/client';

/**
 * What a failed Temporal call means for the message:
 * - unavailable / deadline: outcome unknown, Temporal may be down or overloaded: release the
 *   message for a retry in seconds (the workflow dedupes) and count towards the circuit breaker;
 * - rejected: this payload can never be accepted (InvalidArgument: too large, too many
 *   signals): dead-letter it;
 * - config: namespace missing, permission denied: an operator must act; leave the message.
 */
export type TemporalFailureClass = 'unavailable' | 'deadline' | 'rejected' | 'config';

// gRPC status codes (@grpc/grpc-js Status).
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const PERMISSION_DENIED = 7;
const FAILED_PRECONDITION = 9;
const UNAUTHENTICATED = 16;

export function isAlreadyStarted(err: unknown): err is WorkflowExecutionAlreadyStartedError {
  return err instanceof WorkflowExecutionAlreadyStartedError;
}

export function classifyTemporalError(err: unknown): TemporalFailureClass {
  if (err instanceof NamespaceNotFoundError) return 'config';
  if (isGrpcDeadlineError(err)) return 'deadline';
  if (isGrpcCancelledError(err)) return 'unavailable';
  const code = grpcCode(err);
  if (code === INVALID_ARGUMENT) return 'rejected';
  if (code === PERMISSION_DENIED || code === UNAUTHENTICATED || code === NOT_FOUND) return 'config';
  if (code === FAILED_PRECONDITION) return 'config';
  // Everything else, unknown errors included, leaves the message: losing nothing beats speed.
  return 'unavailable';
}

function grpcCode(err: unknown): number | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current; depth += 1) {
    if (isGrpcServiceError(current)) return current.code;
    if (current instanceof ServiceError || current instanceof Error) current = current.cause;
    else return undefined;
  }
  return undefined;
}

/** Classes after which Temporal is presumed down, so receiving stops (circuit breaker). */
export function countsAgainstTemporal(failure: TemporalFailureClass): boolean {
  return failure === 'unavailable' || failure === 'deadline' || failure === 'config';
}
