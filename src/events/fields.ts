/**
 * zod schemas for the value kinds VOD bodies use, each lenient the way real bodies
 * need (docs/VOD-API.md, "Body conventions"): numbers or numeric strings, several spellings of a status,
 * JSON documents packed into strings.
 *
 * A field whose value cannot be used is not a reason to reject the event (VOD's
 * bodies are looser than its docs, and the event itself still happened): `lenient()`
 * turns it into an `Unusable` marker, which `dropUnusable()` removes from the payload
 * and reports as a warning.
 */
import { z } from 'zod';
import { parseJsonContainer, quote } from './jsonText';
import type { EventStatus } from './model';

/** Stands in for a field value that failed its schema, until dropUnusable() reports it. */
export class Unusable {
  constructor(
    readonly raw: unknown,
    readonly expected: string,
  ) {}
}

/** Optional fields may come as null or "" (e.g. Fps of an audio stream); both mean absent. */
function blankToUndefined(value: unknown): unknown {
  return value === null || (typeof value === 'string' && value.trim() === '') ? undefined : value;
}

export function lenient<T extends z.ZodType>(schema: T, expected: string) {
  return z
    .preprocess(blankToUndefined, schema.optional())
    .catch((ctx) => new Unusable(ctx.value, expected) as unknown as z.output<T> | undefined);
}

const numeric = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** `"925"`, `925`, `" 15.0 "` → a finite number. */
export const numberish = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(numeric)
    .transform(Number)
    .pipe(z.number().refine((n) => Number.isFinite(n))),
]);

/** true/false, 1/0 and their string forms. */
export const booleanish = z.union([
  z.boolean(),
  z.union([z.literal(0), z.literal(1)]).transform((n) => n === 1),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false', '1', '0']))
    .transform((s) => s === 'true' || s === '1'),
]);

/** Text; numbers are accepted and kept as their decimal text (Code 0 vs "0"). */
export const text = z.union([z.string(), z.number().transform(String)]);

const statusSpellings = {
  success: 'success',
  succeed: 'success', // WorkflowTaskComplete
  succeeded: 'success',
  successful: 'success',
  fail: 'fail',
  failed: 'fail', // WorkflowTaskComplete
  failure: 'fail',
} as const satisfies Record<string, EventStatus>;
type StatusSpelling = keyof typeof statusSpellings;

/** `success` | `fail`, case-insensitive, with WorkflowTaskComplete's Succeed/Failed and near spellings. */
export const status = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(Object.keys(statusSpellings) as [StatusSpelling, ...StatusSpelling[]]))
  .transform((s): EventStatus => statusSpellings[s]);

/** A field VOD documents as a JSON string but may send as the value itself; plain text is kept. */
export function jsonish<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => parseJsonContainer(value), schema);
}

/** Any JSON-in-string value: parsed when it holds an object or array, else kept as is. */
export const jsonValue = jsonish(z.unknown());

/** An object schema that keeps unknown fields, for nested elements (StreamInfos[], SnapshotInfos[]). */
export function element<S extends z.core.$ZodLooseShape>(shape: S) {
  return jsonish(z.looseObject(shape));
}

/** An array of elements, accepted also as a JSON string; bad elements are dropped one by one. */
export function elements<T extends z.ZodType>(schema: T, expected: string) {
  return lenient(jsonish(z.array(lenient(schema, expected))), `an array of ${expected}`);
}

/**
 * Removes Unusable markers (and keys left undefined) from a schema's output, returning
 * the warnings. Paths name positions in the body as received (before dropping). Iterative, and the input depth is bounded by decode() beforehand.
 */
export function dropUnusable(root: Record<string, unknown>): string[] {
  const warnings: string[] = [];
  const stack: Array<{ node: Record<string, unknown> | unknown[]; path: string }> = [
    { node: root, path: '' },
  ];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (Array.isArray(node)) {
      let kept = 0;
      for (let i = 0; i < node.length; i++) {
        const item = node[i];
        if (item instanceof Unusable || item === undefined) {
          if (item instanceof Unusable) warnings.push(warning(`${path}[${i}]`, item));
          continue;
        }
        node[kept++] = item;
        if (item !== null && typeof item === 'object') {
          stack.push({ node: item as Record<string, unknown>, path: `${path}[${i}]` });
        }
      }
      node.length = kept;
    } else {
      for (const key of Object.keys(node)) {
        const value = node[key];
        const here = path === '' ? key : `${path}.${key}`;
        if (value instanceof Unusable) {
          warnings.push(warning(here, value));
          delete node[key];
        } else if (value === undefined) {
          delete node[key];
        } else if (value !== null && typeof value === 'object') {
          stack.push({ node: value as Record<string, unknown>, path: here });
        }
      }
    }
  }
  return warnings.sort();
}

function warning(path: string, value: Unusable): string {
  const raw =
    value.raw !== null && typeof value.raw === 'object'
      ? Array.isArray(value.raw)
        ? 'an array'
        : 'an object'
      : typeof value.raw === 'string'
        ? quote(value.raw, 40)
        : String(value.raw);
  return `${path}: expected ${value.expected}, got ${raw} (dropped)`;
}
