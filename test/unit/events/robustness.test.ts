import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decode, knownEventTypes, maxBodyBytes, type DecodeResult } from '../../../src/events';

function assertWellFormed(result: DecodeResult): void {
  if (result.ok) {
    assert.equal(typeof result.event.eventType, 'string');
    assert.ok(result.event.mediaId === null || /^[A-Za-z0-9_-]{1,64}$/.test(result.event.mediaId));
    assert.ok(
      result.event.status === null || result.event.status === 'success' || result.event.status === 'fail',
    );
    assert.match(result.event.eventTime, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.match(result.event.identity, /^[A-Za-z0-9_.-]+:[A-Za-z0-9_-]+:(success|fail|-):[0-9a-f]{16}$/);
    assert.doesNotThrow(() => JSON.stringify(result.event));
  } else {
    assert.equal(typeof result.reason, 'string');
    assert.ok(result.reason.length > 0 && !/[\r\n]/.test(result.reason));
  }
}

const idChars = fc.constantFrom(...'abcdef0123456789-_*/ \n'.split(''));
const eventLike = fc.record(
  {
    EventType: fc.oneof(fc.constantFrom(...knownEventTypes), fc.string(), fc.integer()),
    EventTime: fc.oneof(
      fc.constantFrom('2017-03-20T07:49:17Z', '2017-03-20T07:49:17:025Z', '2017-02-30T00:00:00Z'),
      fc.string(),
      fc.integer(),
    ),
    VideoId: fc.oneof(fc.string({ unit: idChars, maxLength: 70 }), fc.integer(), fc.constant(null)),
    MediaId: fc.string({ unit: idChars, maxLength: 10 }),
    Status: fc.oneof(fc.constantFrom('success', 'fail', 'Succeed', 'Failed', 'SUCCESS'), fc.string()),
    StreamInfos: fc.oneof(
      fc.array(fc.jsonValue({ maxDepth: 3 })),
      fc.jsonValue({ maxDepth: 3 }),
      fc.string(),
    ),
    SnapshotInfos: fc.array(
      fc.record({ Status: fc.string(), JobId: fc.string(), SnapshotCount: fc.jsonValue() }),
    ),
    Size: fc.oneof(fc.integer(), fc.string(), fc.double()),
    Extend: fc.oneof(fc.string(), fc.json()),
    MediaContent: fc.oneof(fc.json(), fc.dictionary(fc.string(), fc.json())),
    JobId: fc.string(),
  },
  { requiredKeys: [] },
);

test('property: decode never throws and always returns ok/err, for arbitrary text', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.json()), (body) => {
      assertWellFormed(decode(body));
    }),
    { numRuns: 2000 },
  );
});

test('property: decode never throws for event-shaped objects, raw or base64', () => {
  fc.assert(
    fc.property(eventLike, fc.boolean(), (object, asBase64) => {
      const json = JSON.stringify(object);
      assertWellFormed(decode(asBase64 ? Buffer.from(json).toString('base64') : json));
    }),
    { numRuns: 2000 },
  );
});

test('property: decode never throws on arbitrary JSON values, nor on non-string input', () => {
  fc.assert(
    fc.property(fc.anything(), (value) => {
      assertWellFormed(decode(value as string));
    }),
    { numRuns: 500 },
  );
});

const head = '{"EventType":"TranscodeComplete","EventTime":"2017-03-20T07:49:17Z","VideoId":"abc",';

test('pathological bodies up to 64 KiB are rejected or decoded without throwing', () => {
  const fill = (unit: string, prefix: string, suffix: string) =>
    prefix + unit.repeat(Math.floor((maxBodyBytes - prefix.length - suffix.length) / unit.length)) + suffix;
  const cases: Array<[string, string, (r: DecodeResult) => void]> = [
    ['deep arrays', fill('[', '', ''), (r) => assert.equal(r.ok, false)],
    ['deep objects', fill('{"a":', '', ''), (r) => assert.equal(r.ok, false)],
    [
      'deep but balanced',
      `${head}"X":${'['.repeat(20000)}${']'.repeat(20000)}}`,
      (r) => assert.ok(!r.ok && r.reason.includes('nested deeper')),
    ],
    [
      'deep JSON inside a JSON-in-string field',
      `${head}"Extend":${JSON.stringify('['.repeat(30000) + ']'.repeat(30000))}}`,
      (r) => assert.ok(r.ok && typeof r.event.extend === 'string'),
    ],
    [
      'huge StreamInfos array',
      fill('{},', `${head}"StreamInfos":[`, '{}]}'),
      (r) => assert.ok(r.ok && Array.isArray((r.event.payload as Record<string, unknown>).StreamInfos)),
    ],
    ['huge array of numeric strings', fill('"1",', `${head}"Z":[`, '"1"]}'), (r) => assert.ok(r.ok)],
    ['many keys', fill('"k":1,', `${head}`, '"k":1}'), (r) => assert.ok(r.ok)],
    ['one long string', fill('x', `${head}"Extend":"`, '"}'), (r) => assert.ok(r.ok)],
    ['long invalid base64', fill('QUFB', '', ''), (r) => assert.equal(r.ok, false)],
    ['escapes everywhere', fill('\\\\', `${head}"Extend":"`, '"}'), (r) => assert.ok(r.ok)],
  ];
  for (const [name, body, check] of cases) {
    assert.ok(Buffer.byteLength(body) <= maxBodyBytes, `${name} is within 64 KiB`);
    const result = decode(body);
    assertWellFormed(result);
    check(result);
  }
});

test('bodies over 64 KiB are refused before parsing', () => {
  const big = `${head}"Extend":"${'x'.repeat(maxBodyBytes)}"}`;
  const result = decode(big);
  assert.ok(!result.ok && result.reason.includes('larger than 65536 bytes'));
  // Multi-byte characters count in UTF-8 bytes, as MNS counts them.
  const wide = `${head}"Extend":"${'é'.repeat(maxBodyBytes / 2)}"}`;
  assert.ok(wide.length < maxBodyBytes * 1.1);
  assert.equal(decode(wide).ok, false);
});

test('a __proto__ key cannot change the payload prototype', () => {
  const result = decode(
    `${head}"Status":"success","__proto__":{"polluted":true}," __proto__ ":{"polluted":true}}`,
  );
  assert.ok(result.ok);
  assert.equal((result.event.payload as Record<string, unknown>).polluted, undefined);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});
