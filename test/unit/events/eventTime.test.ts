import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeEventTime } from '../../../src/events';

test('every EventTime form becomes ISO-8601 UTC with milliseconds', () => {
  const cases: Array<[unknown, string]> = [
    ['2017-03-20T07:49:17Z', '2017-03-20T07:49:17.000Z'],
    ['2017-03-20T07:49:17:025Z', '2017-03-20T07:49:17.025Z'], // AIMediaDNAComplete
    ['2017-03-20T07:49:17:5Z', '2017-03-20T07:49:17.005Z'], // colon form counts milliseconds
    ['2017-03-20T07:49:17.5Z', '2017-03-20T07:49:17.500Z'], // dot form is a fraction
    ['2017-03-20T07:49:17.123456789Z', '2017-03-20T07:49:17.123Z'],
    ['2017-03-20 07:49:17', '2017-03-20T07:49:17.000Z'],
    ['2017-03-20T07:49Z', '2017-03-20T07:49:00.000Z'],
    [' 2017-03-20T15:49:17+08:00 ', '2017-03-20T07:49:17.000Z'],
    ['2017-03-20T02:49:17-0500', '2017-03-20T07:49:17.000Z'],
    ['2017-03-20T07:49:17 UTC', '2017-03-20T07:49:17.000Z'],
    [1489996157, '2017-03-20T07:49:17.000Z'],
    ['1489996157025', '2017-03-20T07:49:17.025Z'],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeEventTime(input), expected, String(input));
});

test('impossible or implausible times are rejected, not rolled over', () => {
  for (const input of [
    '2017-02-30T07:49:17Z',
    '2017-13-01T00:00:00Z',
    '2017-03-20T24:00:00Z',
    '2017-03-20T07:60:00Z',
    '2017-03-20T07:49:17+25:00',
    '20170320T074917Z',
    'yesterday',
    '',
    '1899-01-01T00:00:00Z',
    -1,
    Number.NaN,
    1e30,
    null,
    {},
    '2017-03-20T07:49:17Z'.repeat(10),
  ]) {
    assert.equal(normalizeEventTime(input), null, String(input));
  }
});
