/**
 * Poison messages: bodies no correct consumer can turn into a video event. A fixed corpus
 * covers the classic shapes (not JSON, wrong JSON type, missing or invalid identity fields);
 * a seeded generator mutates valid VOD bodies the same ways at random. The poller must send
 * every one to the dead-letter queue and keep going.
 *
 * Every body is valid XML character data once escaped (no control characters), because
 * MNS carries bodies inside XML: a body XML cannot carry is refused by MNS itself and is
 * not a consumer's problem.
 */
import { createRandom } from '../harness/random';

export interface PoisonMessage {
  /** Why this body is poison: used in reports, never sent. */
  kind: string;
  body: string;
}

export const poisonCorpus: readonly PoisonMessage[] = [
  { kind: 'not-json', body: 'this is not an event' },
  { kind: 'truncated-json', body: '{"EventType":"FileUploadComplete","VideoId":"ab' },
  { kind: 'open-brace', body: '{' },
  { kind: 'json-array', body: '[{"EventType":"FileUploadComplete","VideoId":"4a3b2c1d"}]' },
  { kind: 'json-null', body: 'null' },
  { kind: 'json-number', body: '42' },
  { kind: 'json-string', body: '"FileUploadComplete"' },
  { kind: 'json-bool', body: 'true' },
  { kind: 'empty-object', body: '{}' },
  { kind: 'missing-event-type', body: '{"VideoId":"c0ffee00c0ffee00","Status":"success"}' },
  {
    kind: 'missing-video-id',
    body: '{"Status":"success","EventTime":"2026-01-15T08:00:00Z","EventType":"TranscodeComplete"}',
  },
  {
    kind: 'event-type-not-string',
    body: '{"EventType":42,"VideoId":"c0ffee00c0ffee01","Status":"success"}',
  },
  {
    kind: 'video-id-path',
    body: '{"EventType":"FileUploadComplete","VideoId":"../../etc/passwd","Status":"success","EventTime":"2026-01-15T08:00:00Z"}',
  },
  {
    kind: 'video-id-spaces',
    body: '{"EventType":"SnapshotComplete","VideoId":"a video id","Status":"success","EventTime":"2026-01-15T08:00:00Z"}',
  },
  { kind: 'xml-markup', body: '<Message><EventType>FileUploadComplete</EventType></Message>' },
  { kind: 'base64-of-text', body: Buffer.from('not json either, but base64 of it').toString('base64') },
  { kind: 'deep-nesting', body: `${'['.repeat(2_000)}${']'.repeat(2_000)}` },
  { kind: 'ampersands', body: 'a&b<c>d"e\'f & &amp; &lt;' },
];

/** Mutations of a valid body that a decoder must refuse. */
const mutations: readonly {
  kind: string;
  apply(body: Record<string, unknown>, text: string, cut: number): string;
}[] = [
  // A strict prefix of a JSON object is never valid JSON: the closing brace is missing.
  { kind: 'gen-truncated', apply: (_b, text, cut) => text.slice(0, 1 + (cut % (text.length - 1))) },
  { kind: 'gen-no-video-id', apply: (b) => JSON.stringify({ ...b, VideoId: undefined }) },
  {
    kind: 'gen-bad-video-id',
    apply: (b) => JSON.stringify({ ...b, VideoId: `${String(b.VideoId)}/../x y` }),
  },
  { kind: 'gen-event-type-object', apply: (b) => JSON.stringify({ ...b, EventType: { nested: true } }) },
  { kind: 'gen-wrapped-in-array', apply: (b) => JSON.stringify([b]) },
  { kind: 'gen-no-event-type', apply: (b) => JSON.stringify({ ...b, EventType: undefined }) },
];

/** `count` poison bodies derived from valid ones, unique per run because they embed their source's VideoId. */
export function generatePoison(
  validBodies: readonly string[],
  count: number,
  seed: number | string,
): PoisonMessage[] {
  if (validBodies.length === 0) return [];
  const random = createRandom(seed).fork('poison');
  const out: PoisonMessage[] = [];
  const seen = new Set<string>();
  let attempts = 0;
  while (out.length < count && attempts < count * 20) {
    attempts += 1;
    const text = random.pick(validBodies);
    const mutation = mutations[out.length % mutations.length]!;
    const body = mutation.apply(JSON.parse(text) as Record<string, unknown>, text, random.int(0, 1 << 30));
    if (seen.has(body)) continue;
    seen.add(body);
    out.push({ kind: mutation.kind, body });
  }
  return out;
}
