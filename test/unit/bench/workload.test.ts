import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toDelivery } from '../../../bench/deliveries';
import { generateWorkload, requiredEventTypes } from '../../../bench/workload';
import { decode } from '../../../src/events';

test('the workload is seeded: same seed, same bytes; another seed, other bytes', () => {
  const a = generateWorkload({ events: 400, videos: 100, seed: 7 });
  const b = generateWorkload({ events: 400, videos: 100, seed: 7 });
  const c = generateWorkload({ events: 400, videos: 100, seed: 8 });
  assert.deepEqual(
    a.events.map((e) => e.body),
    b.events.map((e) => e.body),
  );
  assert.notDeepEqual(
    a.events.map((e) => e.body),
    c.events.map((e) => e.body),
  );
});

test('every body decodes with vodflow decode() and carries a unique identity', () => {
  const workload = generateWorkload({ events: 2_000, videos: 300, seed: 42 });
  assert.equal(workload.events.length, 2_000);
  const identities = new Set<string>();
  for (const event of workload.events) {
    const decoded = decode(event.body);
    assert.ok(decoded.ok, `event ${event.index}: ${decoded.ok ? '' : decoded.reason}`);
    assert.equal(decoded.event.mediaId, event.videoId);
    assert.equal(decoded.event.eventType, event.eventType);
    identities.add(decoded.event.identity);
    // The Node MNS SDK does not escape XML: bodies must not need it (docs/MNS-PROTOCOL.md, "The Node SDK").
    assert.doesNotMatch(event.body, /[&<]/);
    assert.equal(toDelivery(event).event.mediaId, event.videoId);
  }
  assert.equal(identities.size, workload.events.length);
});

test('each video has its required events, upload first, and exactly one last-required marker', () => {
  const workload = generateWorkload({ events: 1_000, videos: 250, seed: 3 });
  const byVideo = new Map<string, { types: string[]; last: number }>();
  for (const event of workload.events) {
    const v = byVideo.get(event.videoId) ?? { types: [], last: 0 };
    v.types.push(event.eventType);
    if (event.lastRequired) v.last += 1;
    byVideo.set(event.videoId, v);
  }
  assert.equal(byVideo.size, 250);
  for (const [videoId, v] of byVideo) {
    assert.equal(v.types[0], 'FileUploadComplete', videoId);
    for (const type of requiredEventTypes) assert.ok(v.types.includes(type), `${videoId} lacks ${type}`);
    assert.equal(v.last, 1, videoId);
  }
  assert.deepEqual(
    workload.events.map((e) => e.index),
    workload.events.map((_, i) => i),
  );
});

test('uneven counts spread over videos and invalid shapes are refused', () => {
  const workload = generateWorkload({ events: 10, videos: 3, seed: 1 });
  assert.equal(workload.events.length, 10);
  assert.throws(() => generateWorkload({ events: 2, videos: 3, seed: 1 }));
  assert.throws(() => generateWorkload({ events: 0, videos: 1, seed: 1 }));
});
