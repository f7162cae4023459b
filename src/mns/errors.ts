/**
 * What the lean MNS transport (poller/mnsHttpQueue.ts) throws. classifyMnsError (client.ts) reads these
 * fields directly instead of parsing names and messages as it must for the SDK's errors.
 * Messages carry the operation, status, code and request id, never a key, a signature or a token.
 */

/** MNS answered with an error: an `<Error>` document (code set) or a status it should not have (no code). */
export class MnsServiceError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    /** The XML `<Code>`; undefined when the answer was not an MNS error document (a proxy's HTML 502). */
    readonly code: string | undefined,
    readonly requestId: string | undefined,
    serviceMessage: string | undefined,
  ) {
    super(
      `MNS ${operation} failed with ${status}` +
        (code !== undefined ? ` ${code}` : '') +
        (serviceMessage ? `: ${serviceMessage}` : '') +
        (requestId ? ` (request id ${requestId})` : ''),
    );
    this.name = 'MnsServiceError';
  }
}

/** The call's deadline passed before the whole answer arrived; whether it took effect is unknown. */
export class MnsTimeoutError extends Error {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`MNS ${operation} timed out after ${timeoutMs} ms`);
    this.name = 'MnsTimeoutError';
  }
}

/**
 * An answer that could not be used: larger than the cap, or not the XML it should be. Like a
 * truncated body under the SDK, it counts as a server fault (the call itself may have happened).
 */
export class MnsBadResponseError extends Error {
  constructor(
    readonly operation: string,
    readonly status: number,
    reason: string,
  ) {
    super(`MNS ${operation} answered ${status} with an unusable body: ${reason}`);
    this.name = 'MnsBadResponseError';
  }
}
