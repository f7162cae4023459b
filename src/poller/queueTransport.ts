/**
 * What the poller needs from one MNS queue, with MNS's strings already turned into numbers.
 * mnsQueue.ts implements it over the official SDK; errors are thrown as the SDK threw them and
 * classified with classifyMnsError.
 */
export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  bodyMd5: string;
  /** Epoch ms. */
  enqueueTime: number;
  /** Epoch ms (MNS's clock): the lease ends here unless extended. */
  nextVisibleTime: number;
  /** The same instant on this host's clock (serverClock.ts): what lease timing uses. */
  leaseEndsAt: number;
  firstDequeueTime: number;
  dequeueCount: number;
  priority: number;
}

export interface DeleteFailure {
  receiptHandle: string;
  errorCode: string;
  errorMessage: string;
}

export interface VisibilityLease {
  receiptHandle: string;
  /** Epoch ms (MNS's clock). */
  nextVisibleTime: number;
  /** When the new lease ends on this host's clock, never later than it really does. */
  leaseEndsAt: number;
}

export interface QueueTransport {
  /** [] when nothing arrived within the wait (MNS answers 404 MessageNotExist). */
  receive(max: number, waitSeconds: number): Promise<QueueMessage[]>;
  /** Only the failed handles; [] when all were deleted. */
  deleteBatch(receiptHandles: string[]): Promise<DeleteFailure[]>;
  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number): Promise<VisibilityLease>;
  /** Sends a body to this queue's dead-letter queue and returns its MessageId. */
  sendDeadLetter(body: string): Promise<string>;
}

/**
 * Per-item codes that mean "this handle no longer holds the message": harmless
 * (docs/MNS-PROTOCOL.md, "Receipt handles and visibility").
 */
export function isStaleHandleCode(code: string): boolean {
  return code === 'MessageNotExist' || code === 'ReceiptHandleError';
}
