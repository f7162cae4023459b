import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  listOption,
  parseSince,
  QueryFilterError,
  quoteValue,
  scopedQuery,
  videoListQuery,
  videoRunsQuery,
} from '../../../src/operations/visibilityQuery';

test('values are quoted with quotes and backslashes escaped, control characters refused', () => {
  assert.equal(quoteValue('failed'), '"failed"');
  assert.equal(quoteValue('a"b'), '"a\\"b"');
  assert.equal(quoteValue('a\\"b'), '"a\\\\\\"b"');
  assert.equal(quoteValue("it's"), '"it\'s"');
  assert.throws(() => quoteValue('a\nb'), QueryFilterError);
  assert.throws(() => quoteValue('a\u0000'), QueryFilterError);
});

test('the list query confines itself to video runs and ANDs each filter', () => {
  assert.equal(videoListQuery({}), videoRunsQuery);
  assert.equal(videoRunsQuery, 'WorkflowType = "videoPipeline" AND ExecutionStatus != "ContinuedAsNew"');
  assert.equal(
    videoListQuery({
      statuses: ['failed', 'stalled'],
      stages: ['transcode'],
      regions: ['cn-shanghai'],
      since: new Date('2026-01-15T08:00:00Z'),
      backfilled: true,
    }),
    `${videoRunsQuery} AND VodStatus IN ("failed", "stalled") AND VodStage = "transcode" AND ` +
      'VodRegion = "cn-shanghai" AND StartTime >= "2026-01-15T08:00:00.000Z" AND VodBackfilled = "true"',
  );
  assert.equal(
    videoListQuery({ statuses: ['failed', 'failed'] }),
    `${videoRunsQuery} AND VodStatus = "failed"`,
  );
});

test('a filter value outside its domain is refused before it reaches a query', () => {
  for (const filters of [
    { statuses: ['failed" OR WorkflowType != "x'] },
    { statuses: ['done'] },
    { stages: ['uploading'] },
    { regions: ['cn-shanghai") OR ("a'] },
    { regions: ['CN'] },
    { since: new Date(Number.NaN) },
  ]) {
    assert.throws(() => videoListQuery(filters), QueryFilterError, JSON.stringify(filters));
  }
});

test("an operator's own query is wrapped in parentheses after the video-run confinement", () => {
  assert.equal(scopedQuery(' VodStatus = "failed" '), `${videoRunsQuery} AND (VodStatus = "failed")`);
  assert.equal(
    scopedQuery('VodStatus = "failed" OR VodStatus = "stalled"'),
    `${videoRunsQuery} AND (VodStatus = "failed" OR VodStatus = "stalled")`,
  );
  assert.equal(
    scopedQuery('VideoId = "a)b"'),
    `${videoRunsQuery} AND (VideoId = "a)b")`,
    'a ) inside quotes',
  );
  for (const bad of [
    '',
    '   ',
    'VodStatus = "failed") OR (WorkflowType = "x"',
    'VodStatus = "failed',
    '(a = "b"',
  ]) {
    assert.throws(() => scopedQuery(bad), QueryFilterError, bad);
  }
});

test('--since takes a duration back from now or an ISO time', () => {
  const now = new Date('2026-01-15T12:00:00Z');
  assert.equal(parseSince('30m', now).toISOString(), '2026-01-15T11:30:00.000Z');
  assert.equal(parseSince('2h', now).toISOString(), '2026-01-15T10:00:00.000Z');
  assert.equal(parseSince('7d', now).toISOString(), '2026-01-08T12:00:00.000Z');
  assert.equal(parseSince('1w', now).toISOString(), '2026-01-08T12:00:00.000Z');
  assert.equal(parseSince('2026-01-15T16:00:00+08:00', now).toISOString(), '2026-01-15T08:00:00.000Z');
  assert.equal(parseSince('2026-01-14', now).toISOString(), '2026-01-14T00:00:00.000Z');
  for (const bad of ['yesterday', '5', '2h ago', '2026-13-45', '-2h']) {
    assert.throws(() => parseSince(bad, now), QueryFilterError, bad);
  }
});

test('repeated and comma-separated options make one list', () => {
  assert.deepEqual(listOption(['failed,stalled', ' waiting ', '']), ['failed', 'stalled', 'waiting']);
  assert.deepEqual(listOption(undefined), []);
});
