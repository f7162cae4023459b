import type { QueueSpec } from '../config/queueSpec';
import type { QueueMessage } from './queueTransport';

export type DeadLetterReason = 'invalid_body' | 'too_many_receives' | 'no_media_id' | 'temporal_rejected';

/**
 * What lands in the dead-letter queue: a JSON document with the reason, the original body
 * verbatim and the original message's attributes, so `bin/vodflow decode` and an operator can
 * inspect it and `vodflow redrive` (src/operations/redrive.ts) can send `body` back to the source queue.
 */
export interface DeadLetterDocument {
  vodflowDeadLetter: 1;
  reason: DeadLetterReason;
  /** Human-readable detail (the decoder's reason, the dequeue count, Temporal's error message). */
  detail: string;
  source: { region: string; endpoint: string; queue: string };
  attributes: {
    messageId: string;
    bodyMd5: string;
    enqueueTime: number;
    firstDequeueTime: number;
    dequeueCount: number;
    priority: number;
  };
  deadLetteredAt: string;
  body: string;
  /** Present when the body had to be cut to fit MNS's 64 KiB limit with this envelope. */
  bodyTruncated?: { originalBytes: number };
}

/** MNS's maximum message size; the envelope must fit as well as the body. */
export const maxMessageBytes = 65_536;

export function deadLetterDocument(
  message: QueueMessage,
  spec: QueueSpec,
  reason: DeadLetterReason,
  detail: string,
  now: Date = new Date(),
): string {
  const document: DeadLetterDocument = {
    vodflowDeadLetter: 1,
    reason,
    detail: detail.slice(0, 1_000),
    source: { region: spec.region, endpoint: spec.endpoint, queue: spec.queue },
    attributes: {
      messageId: message.messageId,
      bodyMd5: message.bodyMd5,
      enqueueTime: message.enqueueTime,
      firstDequeueTime: message.firstDequeueTime,
      dequeueCount: message.dequeueCount,
      priority: message.priority,
    },
    deadLetteredAt: now.toISOString(),
    body: message.body,
  };
  const text = JSON.stringify(document);
  if (Buffer.byteLength(text) <= maxMessageBytes) return text;
  // Only a near-64 KiB body gets here. Keep as much as fits; bodyMd5 still identifies it.
  const originalBytes = Buffer.byteLength(message.body);
  let keep = message.body.length;
  let candidate = text;
  while (Buffer.byteLength(candidate) > maxMessageBytes && keep > 0) {
    keep = Math.floor(keep * 0.9);
    candidate = JSON.stringify({
      ...document,
      body: message.body.slice(0, keep),
      bodyTruncated: { originalBytes },
    });
  }
  return candidate;
}
