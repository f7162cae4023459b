/**
 * MNS message body → JSON object. VOD documents raw JSON; whether it ever base64-encodes
 * is unconfirmed and other producers (or MNS clients configured for base64) do, so raw
 * JSON is tried first and base64-encoded JSON second (docs/VOD-API.md, "Delivery into MNS").
 */
import { maxBodyBytes, parseJsonText, quote } from './jsonText';

export type BodyObjectResult =
  { ok: true; object: Record<string, unknown>; encoding: 'json' | 'base64' } | { ok: false; reason: string };

const base64Text = /^[A-Za-z0-9+/_-]+={0,2}$/;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function readBodyObject(body: unknown): BodyObjectResult {
  if (typeof body !== 'string') return { ok: false, reason: `body is not text (got ${describe(body)})` };
  // Cheap bound first: a UTF-8 encoding is never shorter than the UTF-16 length.
  if (body.length > maxBodyBytes || Buffer.byteLength(body, 'utf8') > maxBodyBytes) {
    return { ok: false, reason: `body is larger than ${maxBodyBytes} bytes (the MNS maximum)` };
  }
  // String.prototype.trim also strips U+FEFF, i.e. a byte-order mark.
  const text = body.trim();
  if (text === '') return { ok: false, reason: 'body is empty' };

  const raw = parseJsonText(text);
  if (raw.ok) {
    const object = asObject(raw.value);
    if (object) return { ok: true, object, encoding: 'json' };
  }
  const fromBase64 = decodeBase64Json(text);
  if (fromBase64.kind === 'object') return { ok: true, object: fromBase64.object, encoding: 'base64' };
  if (fromBase64.kind === 'bad') return { ok: false, reason: `body is base64 but ${fromBase64.reason}` };

  if (raw.ok) return { ok: false, reason: `body is not a JSON object (got ${describe(raw.value)})` };
  if (raw.reason.startsWith('JSON nested')) return { ok: false, reason: `body ${raw.reason}` };
  return { ok: false, reason: `body is neither JSON nor base64-encoded JSON: ${raw.reason}` };
}

/** A JSON object, or a JSON string holding one (a body some producer encoded twice). */
function asObject(value: unknown): Record<string, unknown> | null {
  if (isPlainObject(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('{')) {
    const inner = parseJsonText(value.trim());
    if (inner.ok && isPlainObject(inner.value)) return inner.value;
  }
  return null;
}

type Base64Result =
  | { kind: 'object'; object: Record<string, unknown> }
  | { kind: 'bad'; reason: string }
  | { kind: 'notBase64' };

/**
 * Plain words ("hello") are valid base64 too, so only a decoding that yields UTF-8 text
 * starting like JSON counts as "this was base64"; anything else reports the raw-JSON error.
 */
function decodeBase64Json(text: string): Base64Result {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < 4 || !base64Text.test(compact)) return { kind: 'notBase64' };
  let decoded: string;
  try {
    decoded = strictUtf8.decode(Buffer.from(compact, 'base64'));
  } catch {
    return { kind: 'notBase64' };
  }
  const inner = decoded.trim();
  if (!inner.startsWith('{') && !inner.startsWith('[')) return { kind: 'notBase64' };
  const parsed = parseJsonText(inner);
  if (!parsed.ok) return { kind: 'bad', reason: `its content is ${parsed.reason}` };
  if (!isPlainObject(parsed.value))
    return { kind: 'bad', reason: `its content is not a JSON object (got ${describe(parsed.value)})` };
  return { kind: 'object', object: parsed.value };
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quote(value, 40)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value).slice(0, 40)}`;
}
