/**
 * Bounded JSON parsing for untrusted text: a message body, or a JSON document VOD
 * packed into a string field. A queue can carry anything, so nothing here throws and
 * nothing costs more than a linear pass over text that is at most MNS's 64 KiB.
 */

/** MNS's maximum message size; VOD's largest bodies (AI audit, many streams) are a few KiB. */
export const maxBodyBytes = 65536;

/**
 * Deepest nesting accepted in one JSON text. Real VOD bodies reach about 6 (AI audit
 * Data.VideoResult.TerrorismResult.TopList[]); the limit keeps every later recursive
 * walk (schemas, canonical hashing) far from the stack limit.
 */
export const maxJsonDepth = 32;

export type JsonTextResult = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Nesting depth of `text` read as JSON, counting only brackets outside strings. Stops
 * early once `limit` is passed, so a 64 KiB `[[[[…` costs nothing.
 */
export function jsonNestingDepth(text: string, limit = maxJsonDepth): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return deepest;
      }
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
    }
  }
  return deepest;
}

/** JSON.parse with a depth check before it; the error message is kept short and single-line. */
export function parseJsonText(text: string, limit = maxJsonDepth): JsonTextResult {
  if (jsonNestingDepth(text, limit) > limit) {
    return { ok: false, reason: `JSON nested deeper than ${limit} levels` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: `not valid JSON (${oneLine(message, 120)})` };
  }
}

/**
 * For fields VOD documents as "JSON string, but sometimes an object": a string that
 * holds a JSON object or array becomes that value; anything else (plain text such as
 * Extend "test data", a scalar like "123", broken JSON) is returned unchanged.
 * Scalars stay strings on purpose: Extend "007" or "123" is an opaque user token.
 */
export function parseJsonContainer(value: unknown, limit = 16): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  const first = text.charAt(0);
  if (first !== '{' && first !== '[') return value;
  const parsed = parseJsonText(text, limit);
  return parsed.ok && parsed.value !== null && typeof parsed.value === 'object' ? parsed.value : value;
}

/**
 * Depth of an already-parsed value, iteratively (no recursion, so no stack risk).
 * Used after the JSON-in-string fields were expanded, since each expansion adds depth.
 */
export function valueDepthExceeds(root: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth + 1 > limit) return true;
    for (const child of Object.values(value as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Makes untrusted text safe for a one-line reason: quoted, escaped, truncated. */
export function quote(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return JSON.stringify(cut).replace(/[\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16)}`);
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\r\n\u2028\u2029]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
