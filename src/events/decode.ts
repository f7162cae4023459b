/**
 * MNS message body → typed VodEvent, or the precise reason it is not one.
 * Never throws and runs in time linear in the body (at most 64 KiB): see docs/EVENTS.md.
 * Uses node:crypto (identity), so only the poller and tools import it, never workflows.
 */
import { normalizeEventTime } from './eventTime';
import { dropUnusable } from './fields';
import { eventIdentity } from './identity';
import { oneLine, quote, valueDepthExceeds } from './jsonText';
import { requiredIdField, selectMediaId } from './mediaId';
import { describe, isPlainObject, readBodyObject } from './messageBody';
import {
  knownEventTypes,
  type DecodeResult,
  type EventStatus,
  type KnownEventType,
  type VodEvent,
} from './model';
import { eventSchemas, unknownEventSchema } from './schemas';

/** EventType ends up in identities and log lines, so even unknown types must look like a type name. */
const eventTypeName = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** Body depth (32, checked before JSON.parse) plus the JSON-in-string fields it expands. */
const maxPayloadDepth = 48;

const known = new Set<string>(knownEventTypes);

export function decode(body: string): DecodeResult {
  try {
    return decodeUnsafe(body);
  } catch (err) {
    // Not expected to happen; a last line of defence so a bad message can never crash the poller.
    const message = err instanceof Error ? err.message : String(err);
    return invalid(`internal decode error: ${oneLine(message, 200)}`);
  }
}

function decodeUnsafe(body: string): DecodeResult {
  const read = readBodyObject(body);
  if (!read.ok) return invalid(read.reason);
  const object = trimKeyNames(read.object);

  const rawType = object.EventType;
  if (rawType === undefined || rawType === null || rawType === '') return invalid('body has no EventType');
  if (typeof rawType !== 'string') return invalid(`EventType is not a string (got ${describe(rawType)})`);
  const eventType = rawType.trim();
  if (!eventTypeName.test(eventType))
    return invalid(`EventType ${quote(rawType)} is not a valid event type name`);
  object.EventType = eventType;
  const isKnown = known.has(eventType);

  if (object.EventTime === undefined || object.EventTime === null || object.EventTime === '') {
    return invalid(`${eventType} has no EventTime`);
  }
  const eventTime = normalizeEventTime(object.EventTime);
  if (eventTime === null) {
    return invalid(`${eventType}: EventTime ${quote(String(object.EventTime))} is not a recognized UTC time`);
  }

  const required = isKnown ? requiredIdField[eventType as KnownEventType] : null;
  const id = selectMediaId(eventType, object, required);
  if (!id.ok) return invalid(id.reason);
  if (eventType === 'UploadByURLComplete' && id.mediaId === null && !nonEmptyText(object.JobId)) {
    return invalid('UploadByURLComplete has neither VideoId nor JobId');
  }

  const schema = isKnown ? eventSchemas[eventType as KnownEventType] : unknownEventSchema;
  const parsed = schema.safeParse(object);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return invalid(
      `${eventType}: ${issue?.path.join('.') ?? ''} ${oneLine(issue?.message ?? 'invalid', 120)}`,
    );
  }
  const payload = parsed.data as Record<string, unknown>;
  if (valueDepthExceeds(payload, maxPayloadDepth)) {
    return invalid(`${eventType}: JSON-in-string fields nest deeper than ${maxPayloadDepth} levels`);
  }
  const warnings = dropUnusable(payload);
  const status = eventStatus(eventType, payload, id.mediaId, warnings);

  const identity = eventIdentity({
    eventType,
    mediaId: id.mediaId,
    status,
    eventTime,
    payload,
    unknownType: !isKnown,
  });
  const event = {
    eventType,
    mediaId: id.mediaId,
    status,
    eventTime,
    identity,
    ...(payload.Extend !== undefined ? { extend: payload.Extend } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(isKnown ? {} : { unknownType: true as const }),
    payload,
  } as VodEvent;
  return { ok: true, event };
}

/**
 * The event's status. Where VOD's own samples omit Status (SnapshotComplete,
 * UploadByURLComplete), it is derived from what the body shows, with a warning.
 */
function eventStatus(
  eventType: string,
  payload: Record<string, unknown>,
  mediaId: string | null,
  warnings: string[],
): EventStatus | null {
  const given = payload.Status;
  if (given === 'success' || given === 'fail') return given;
  let derived: EventStatus | null = null;
  if (nonEmptyText(payload.ErrorCode)) {
    derived = 'fail';
  } else if (eventType === 'SnapshotComplete' && Array.isArray(payload.SnapshotInfos)) {
    const statuses = payload.SnapshotInfos.map((info) => (isPlainObject(info) ? info.Status : undefined));
    if (statuses.includes('success')) derived = 'success';
    else if (statuses.length > 0 && statuses.every((s) => s === 'fail')) derived = 'fail';
  } else if (eventType === 'UploadByURLComplete' && mediaId !== null) {
    derived = 'success'; // VideoId is present only when the pull succeeded.
  }
  if (derived !== null && given === undefined) {
    warnings.push(`Status: absent, derived ${JSON.stringify(derived)} from the body`);
  }
  return derived;
}

/**
 * VOD's doc samples show keys with trailing spaces ("SourceURL ", "ErrorCode "). A key
 * is trimmed unless the trimmed name is present too. Iterative over the whole body,
 * whose depth readBodyObject() already bounded.
 */
function trimKeyNames(root: Record<string, unknown>): Record<string, unknown> {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      stack.push(...(node as unknown[]));
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const value = record[key];
      const trimmed = key.trim();
      if (trimmed !== key && trimmed !== '' && !Object.prototype.hasOwnProperty.call(record, trimmed)) {
        delete record[key];
        // defineProperty, not assignment: a key " __proto__" must not become a prototype.
        Object.defineProperty(record, trimmed, {
          value,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      if (value !== null && typeof value === 'object') stack.push(value);
    }
  }
  return root;
}

function nonEmptyText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function invalid(reason: string): DecodeResult {
  return { ok: false, reason: oneLine(reason, 300) };
}
