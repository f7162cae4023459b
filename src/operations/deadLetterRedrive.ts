/**
 * What `vodflow redrive` does with one message of a dead-letter queue, decided without I/O:
 * read the dead-letter document the poller wrote (src/poller/deadLetter.ts), apply the
 * operator's filters, and send back only what the poller would now accept. Everything else
 * stays dead, with the reason.
 */
import type { DecodeResult } from '../events/model';
import type { DeadLetterDocument, DeadLetterReason } from '../poller/deadLetter';

export const deadLetterReasons: readonly DeadLetterReason[] = [
  'invalid_body',
  'too_many_receives',
  'no_media_id',
  'temporal_rejected',
];

export type ParsedDeadLetter = { ok: true; document: DeadLetterDocument } | { ok: false; reason: string };

/** The document, checked field by field: a DLQ may also hold messages vodflow did not write. */
export function parseDeadLetter(text: string): ParsedDeadLetter {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON, so not a vodflow dead-letter document' };
  }
  if (!isObject(value) || value.vodflowDeadLetter !== 1) {
    return { ok: false, reason: 'not a vodflow dead-letter document (no "vodflowDeadLetter": 1)' };
  }
  const { reason, source, attributes, deadLetteredAt, body } = value;
  if (typeof reason !== 'string' || !deadLetterReasons.includes(reason as DeadLetterReason)) {
    return { ok: false, reason: 'the document has no known reason' };
  }
  if (typeof body !== 'string') return { ok: false, reason: 'the document has no body' };
  if (!isObject(source) || typeof source.region !== 'string' || typeof source.queue !== 'string') {
    return { ok: false, reason: 'the document names no source queue' };
  }
  if (!isObject(attributes) || typeof attributes.messageId !== 'string') {
    return { ok: false, reason: 'the document has no original message attributes' };
  }
  if (typeof deadLetteredAt !== 'string' || Number.isNaN(Date.parse(deadLetteredAt))) {
    return { ok: false, reason: 'the document has no dead-lettering time' };
  }
  return { ok: true, document: value as unknown as DeadLetterDocument };
}

export interface RedriveFilters {
  /** Only dead letters with one of these reasons; all when empty. */
  reasons?: readonly DeadLetterReason[];
  /** Only dead letters written at or after this instant. */
  since?: Date;
}

export type LeaveReason = 'not-a-dead-letter' | 'other-source' | 'filtered' | 'truncated' | 'still-invalid';

export type RedriveDecision =
  | {
      action: 'redrive';
      body: string;
      /** MNS priority of the original message (1–16), restored on the new one. */
      priority?: number;
      deadLetter: DeadLetterDocument;
      mediaId: string;
      eventType: string;
    }
  | { action: 'leave'; why: LeaveReason; detail: string; deadLetter?: DeadLetterDocument };

/**
 * Redrive when the document is vodflow's, comes from `source`, passes the filters, is whole,
 * and its body decodes to an event with a media id (what the poller would signal). The
 * source's endpoint in the document is never used: messages go to the configured queue.
 */
export function redriveDecision(
  text: string,
  source: { region: string; queue: string },
  filters: RedriveFilters,
  decode: (body: string) => DecodeResult,
): RedriveDecision {
  const parsed = parseDeadLetter(text);
  if (!parsed.ok) return { action: 'leave', why: 'not-a-dead-letter', detail: parsed.reason };
  const deadLetter = parsed.document;
  if (deadLetter.source.queue !== source.queue || deadLetter.source.region !== source.region) {
    return {
      action: 'leave',
      why: 'other-source',
      detail: `dead-lettered from ${deadLetter.source.region}/${deadLetter.source.queue}`,
      deadLetter,
    };
  }
  if (filters.reasons && filters.reasons.length > 0 && !filters.reasons.includes(deadLetter.reason)) {
    return { action: 'leave', why: 'filtered', detail: `reason ${deadLetter.reason}`, deadLetter };
  }
  if (filters.since && Date.parse(deadLetter.deadLetteredAt) < filters.since.getTime()) {
    return {
      action: 'leave',
      why: 'filtered',
      detail: `dead-lettered at ${deadLetter.deadLetteredAt}`,
      deadLetter,
    };
  }
  if (deadLetter.bodyTruncated) {
    return {
      action: 'leave',
      why: 'truncated',
      detail: `the body was cut from ${deadLetter.bodyTruncated.originalBytes} bytes to fit the dead-letter queue`,
      deadLetter,
    };
  }
  const decoded = decode(deadLetter.body);
  if (!decoded.ok) return { action: 'leave', why: 'still-invalid', detail: decoded.reason, deadLetter };
  if (decoded.event.mediaId === null) {
    return {
      action: 'leave',
      why: 'still-invalid',
      detail: `${decoded.event.eventType} carries no VideoId/MediaId`,
      deadLetter,
    };
  }
  const priority = deadLetter.attributes.priority;
  return {
    action: 'redrive',
    body: deadLetter.body,
    ...(Number.isInteger(priority) && priority >= 1 && priority <= 16 ? { priority } : {}),
    deadLetter,
    mediaId: decoded.event.mediaId,
    eventType: decoded.event.eventType,
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
