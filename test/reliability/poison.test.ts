/**
 * The poison corpus and generator against the real decoder: every planted body must be
 * refused with a reason (so the poller dead-letters it), and every workload body must
 * decode (so nothing valid is planted by mistake). Also fuzzes decode() with random
 * mutations: it must never throw.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decode } from '../../src/events';
import { generatePoison, poisonCorpus } from '../../reliability/poison';
import { generateWorkload } from '../../reliability/workload';

const workload = generateWorkload({ videos: 60, seed: 'poison-test' });
const validBodies = workload.videos.flatMap((v) => v.events.map((e) => e.body));

test('every workload body decodes, with the planned video id and type', () => {
  for (const video of workload.videos) {
    for (const event of video.events) {
      const result = decode(event.body);
      assert.ok(result.ok, `${event.eventType} of ${video.videoId}: ${result.ok ? '' : result.reason}`);
      assert.equal(result.event.mediaId, video.videoId);
      assert.equal(result.event.eventType, event.eventType);
    }
  }
});

test('duplicated bodies share an identity and distinct events do not', () => {
  const identities = new Map<string, string>();
  for (const event of workload.videos.flatMap((v) => v.events)) {
    const result = decode(event.body);
    assert.ok(result.ok);
    const again = decode(event.body);
    assert.ok(again.ok && again.event.identity === result.event.identity, `${event.key}: unstable identity`);
    const other = identities.get(result.event.identity);
    assert.equal(other, undefined, `${event.key} and ${other} share identity ${result.event.identity}`);
    identities.set(result.event.identity, event.key);
  }
});

test('the poison corpus and generated poison are all refused with a reason', () => {
  const generated = generatePoison(validBodies, 120, 'poison-test');
  assert.equal(generated.length, 120);
  for (const poison of [...poisonCorpus, ...generated]) {
    const result = decode(poison.body);
    assert.equal(result.ok, false, `${poison.kind} decoded: ${poison.body.slice(0, 120)}`);
    if (!result.ok) assert.ok(result.reason.length > 0, `${poison.kind} has no reason`);
  }
});

test('decode never throws on arbitrary or mutated input', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (text) => {
      decode(text);
    }),
    { numRuns: 2_000, seed: 9 },
  );
  fc.assert(
    fc.property(
      fc.constantFrom(...validBodies),
      fc.nat(),
      fc.string({ maxLength: 8 }),
      (body, at, insert) => {
        const cut = at % body.length;
        decode(body.slice(0, cut) + insert + body.slice(cut + 1));
      },
    ),
    { numRuns: 2_000, seed: 9 },
  );
});
