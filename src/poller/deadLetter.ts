import { createHash } from 'node:crypto';
import type { QueueSpec } from '../config/queueSpec';
import type { QueueMessage } from './queueTransport';

export const deadLetterReasons = [
  'invalid_body',
  'too_many_receives',
  'no_media_id',
  'temporal_rejected',
] as const;
export type DeadLetterReason = (typeof deadLetterReasons)[number];

/**
 * What lands in the dead-letter queue: a JSON document with the reason, the original body
 * verbatim and the original message's attributes, so `bin/vodflow decode` and an operator can
 * inspect it and `vodflow redrive` (src/operations/redrive.ts) can send `body` back to the source queue.
 * The HTTP ingress writes the same document for a callback (`receivedVia: "http-callback"`): `source`
 * is then its region's queue, where a redriven body is consumed by the poller like any event.
 */
export interface DeadLetterDocument {
  vodflowDeadLetter: 1;
  reason: DeadLetterReason;
  /** Human-readable detail (the decoder's reason, the dequeue count, Temporal's error message). */
  detail: string;
  source: { region: string; endpoint: string; queue: string };
  /** Absent: an MNS message the poller received. */
  receivedVia?: 'http-callback';
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
  return documentText(
    { spec, reason, detail, now, body: message.body },
    {
      messageId: message.messageId,
      bodyMd5: message.bodyMd5,
      enqueueTime: message.enqueueTime,
      firstDequeueTime: message.firstDequeueTime,
      dequeueCount: message.dequeueCount,
      priority: message.priority,
    },
  );
}

/** One HTTP callback as the ingress received it. */
export interface ReceivedCallback {
  /** The ingress's id of the body (stable across VOD's retries of it). */
  callbackId: string;
  body: string;
  /** Epoch ms. */
  receivedAt: number;
}

/**
 * The same document for an HTTP callback. There is no MNS message, so the attributes say what
 * is known: the ingress's id, the body's MD5 (upper-case hex, as MNS gives it), the time it
 * arrived, one delivery, and MNS's default priority.
 */
export function callbackDeadLetterDocument(
  callback: ReceivedCallback,
  spec: QueueSpec,
  reason: DeadLetterReason,
  detail: string,
  now: Date = new Date(),
): string {
  return documentText(
    { spec, reason, detail, now, body: callback.body, receivedVia: 'http-callback' },
    {
      messageId: callback.callbackId,
      bodyMd5: createHash('md5').update(callback.body, 'utf8').digest('hex').toUpperCase(),
      enqueueTime: callback.receivedAt,
      firstDequeueTime: callback.receivedAt,
      dequeueCount: 1,
      priority: 8,
    },
  );
}

function documentText(
  what: {
    spec: QueueSpec;
    reason: DeadLetterReason;
    detail: string;
    now: Date;
    body: string;
    receivedVia?: 'http-callback';
  },
  attributes: DeadLetterDocument['attributes'],
): string {
  const { spec } = what;
  return fitted({
    vodflowDeadLetter: 1,
    reason: what.reason,
    detail: what.detail.slice(0, 1_000),
    source: { region: spec.region, endpoint: spec.endpoint, queue: spec.queue },
    ...(what.receivedVia ? { receivedVia: what.receivedVia } : {}),
    attributes,
    deadLetteredAt: what.now.toISOString(),
    body: what.body,
  });
}

function fitted(document: DeadLetterDocument): string {
  const text = JSON.stringify(document);
  if (Buffer.byteLength(text) <= maxMessageBytes) return text;
  // Only a near-64 KiB body gets here. Keep as much as fits; bodyMd5 still identifies it.
  const body = document.body;
  const originalBytes = Buffer.byteLength(body);
  let keep = body.length;
  let candidate = text;
  while (Buffer.byteLength(candidate) > maxMessageBytes && keep > 0) {
    keep = Math.floor(keep * 0.9);
    candidate = JSON.stringify({
      ...document,
      body: body.slice(0, keep),
      bodyTruncated: { originalBytes },
    });
  }
  return candidate;
}
